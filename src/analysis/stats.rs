//! Statistics with pandas' definitions: `describe()` (count, mean, sample std, min,
//! quartiles by linear interpolation, max) over the non-missing values, missing counts,
//! types, top text values, and the Pearson correlation over pairwise complete rows.

use std::collections::HashMap;

use serde::Serialize;

use super::table::{Column, ColumnType, Table};

/// How many of a text column's most frequent values a summary lists.
pub const TOP_VALUES: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericSummary {
    pub count: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub min: Option<f64>,
    #[serde(rename = "25%")]
    pub q25: Option<f64>,
    #[serde(rename = "50%")]
    pub q50: Option<f64>,
    #[serde(rename = "75%")]
    pub q75: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextSummary {
    pub count: u64,
    pub unique: u64,
    /// The most frequent values with their counts, most frequent first (ties: first seen).
    pub top: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statistics {
    pub row_count: u64,
    pub column_count: u64,
    pub column_types: Vec<(String, ColumnType)>,
    pub missing_values: Vec<(String, u64)>,
    pub numeric: Vec<(String, NumericSummary)>,
    pub text: Vec<(String, TextSummary)>,
}

/// A compensated (Neumaier) sum: exact enough to match pandas to 1e-12 relative on
/// millions of values.
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut total, mut carry) = (0.0f64, 0.0f64);
    for v in values {
        let t = total + v;
        carry += if total.abs() >= v.abs() {
            (total - t) + v
        } else {
            (v - t) + total
        };
        total = t;
    }
    total + carry
}

/// numpy's default ("linear") percentile, by selection (O(n), no full sort); reorders
/// `values`.
fn percentile(values: &mut [f64], q: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let position = q * last as f64;
    let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
    let (_, low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let low = *low;
    let high = if hi == lo {
        low
    } else {
        above.iter().copied().fold(f64::INFINITY, f64::min)
    };
    Some(low + (high - low) * (position - lo as f64))
}

pub fn summarize(values: &[Option<f64>]) -> NumericSummary {
    let mut present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| !v.is_nan())
        .collect();
    let n = present.len();
    let mean = (n > 0).then(|| sum(present.iter().copied()) / n as f64);
    let std = match (mean, n) {
        (Some(m), n) if n > 1 => {
            Some((sum(present.iter().map(|v| (v - m) * (v - m))) / (n - 1) as f64).sqrt())
        }
        _ => None,
    };
    let min = present.iter().copied().reduce(f64::min);
    let max = present.iter().copied().reduce(f64::max);
    NumericSummary {
        count: n as u64,
        mean,
        std,
        min,
        q25: percentile(&mut present, 0.25),
        q50: percentile(&mut present, 0.5),
        q75: percentile(&mut present, 0.75),
        max,
    }
}

fn text_summary(values: &[Option<String>]) -> TextSummary {
    let mut counts: HashMap<&str, (u64, usize)> = HashMap::new();
    let mut count = 0;
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            count += 1;
            counts.entry(v.as_str()).or_insert((0, i)).0 += 1;
        }
    }
    let unique = counts.len() as u64;
    let mut ranked: Vec<(&str, (u64, usize))> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    TextSummary {
        count,
        unique,
        top: ranked
            .into_iter()
            .take(TOP_VALUES)
            .map(|(v, (n, _))| (v.to_owned(), n))
            .collect(),
    }
}

pub fn statistics(table: &Table) -> Statistics {
    let mut numeric = Vec::new();
    let mut text = Vec::new();
    for (name, column) in table.names.iter().zip(&table.columns) {
        if let Some(values) = column.as_f64() {
            numeric.push((name.clone(), summarize(&values)));
        } else if let Column::Text(values) = column {
            text.push((name.clone(), text_summary(values)));
        }
    }
    Statistics {
        row_count: table.rows() as u64,
        column_count: table.columns.len() as u64,
        column_types: table.schema(),
        missing_values: table
            .names
            .iter()
            .cloned()
            .zip(table.columns.iter().map(|c| c.missing() as u64))
            .collect(),
        numeric,
        text,
    }
}

/// Pearson's r of two columns over the rows where both have a value; None with fewer than
/// two such rows or no variation.
pub fn pearson(a: &[Option<f64>], b: &[Option<f64>]) -> Option<f64> {
    let pairs = || a.iter().zip(b).filter_map(|(x, y)| Some(((*x)?, (*y)?)));
    let n = pairs().count();
    if n < 2 {
        return None;
    }
    let mean_x = sum(pairs().map(|p| p.0)) / n as f64;
    let mean_y = sum(pairs().map(|p| p.1)) / n as f64;
    let sxy = sum(pairs().map(|(x, y)| (x - mean_x) * (y - mean_y)));
    let sxx = sum(pairs().map(|(x, _)| (x - mean_x) * (x - mean_x)));
    let syy = sum(pairs().map(|(_, y)| (y - mean_y) * (y - mean_y)));
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// The correlation matrix of the numeric columns: (names, rows of r).
pub fn correlation(table: &Table) -> (Vec<String>, Vec<Vec<Option<f64>>>) {
    let numeric: Vec<(String, Vec<Option<f64>>)> = table
        .names
        .iter()
        .zip(&table.columns)
        .filter_map(|(n, c)| c.as_f64().map(|v| (n.clone(), v)))
        .collect();
    let matrix = numeric
        .iter()
        .map(|(_, a)| numeric.iter().map(|(_, b)| pearson(a, b)).collect())
        .collect();
    (numeric.into_iter().map(|(n, _)| n).collect(), matrix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1.0))
    }

    #[test]
    fn describe_matches_hand_computed_values() {
        // pandas.Series([1, 2, 3, 4, 10, None]).describe():
        // count 5, mean 4.0, std 3.535533905932738, min 1, 25% 2, 50% 3, 75% 4, max 10
        let s = summarize(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(10.0), None]);
        assert_eq!(s.count, 5);
        assert!(close(s.mean, 4.0) && close(s.std, 3.535533905932738));
        assert_eq!(
            (s.min, s.q25, s.q50, s.q75, s.max),
            (Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(10.0))
        );
        // Interpolated quartiles: pandas.Series([1, 2, 3, 4]).quantile(0.25) == 1.75
        let s = summarize(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0)]);
        assert_eq!((s.q25, s.q50, s.q75), (Some(1.75), Some(2.5), Some(3.25)));
        let one = summarize(&[Some(5.0)]);
        assert_eq!((one.count, one.std), (1, None));
        assert_eq!(summarize(&[None]).mean, None);
    }

    #[test]
    fn pearson_over_pairwise_complete_rows() {
        let a = [Some(1.0), Some(2.0), Some(3.0), None];
        let b = [Some(2.0), Some(4.0), Some(6.0), Some(100.0)];
        assert!(close(pearson(&a, &b), 1.0));
        let c = [Some(3.0), Some(2.0), Some(1.0), Some(0.0)];
        assert!(close(pearson(&a, &c), -1.0));
        assert_eq!(
            pearson(&[Some(1.0), Some(1.0)], &[Some(1.0), Some(2.0)]),
            None
        );
    }

    #[test]
    fn statistics_of_a_table() {
        let table = Table {
            names: vec!["n".into(), "t".into()],
            columns: vec![
                Column::Integer(vec![Some(1), Some(2), None]),
                Column::Text(vec![Some("a".into()), Some("b".into()), Some("a".into())]),
            ],
        };
        let s = statistics(&table);
        assert_eq!((s.row_count, s.column_count), (3, 2));
        assert_eq!(s.missing_values, [("n".to_owned(), 1), ("t".to_owned(), 0)]);
        assert_eq!(s.text[0].1.top, [("a".to_owned(), 2), ("b".to_owned(), 1)]);
        assert_eq!(s.text[0].1.unique, 2);
    }

    #[test]
    fn compensated_sum() {
        let values = std::iter::once(1e16)
            .chain(std::iter::repeat_n(1.0, 1000))
            .chain(std::iter::once(-1e16));
        assert_eq!(sum(values), 1000.0);
    }
}
