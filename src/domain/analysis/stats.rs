//! Statistics with pandas' definitions: `describe()` (count, mean, sample std, min,
//! quartiles by linear interpolation, max) over the non-missing values, missing counts,
//! types, top text values, and the Pearson correlation over pairwise complete rows.

use std::borrow::Cow;

use serde::Serialize;

use super::parallel;
use super::table::{Column, ColumnType, Table, Text};

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

/// The sum of `f` of each value of a slice: naive sums of short blocks, in four lanes the
/// compiler vectorizes, added up with compensation. Within 1e-13 relative of the exact sum
/// for terms that do not cancel catastrophically inside a block (squares never do), at the
/// speed of a plain loop.
#[inline(always)]
pub fn sum_of(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    sum(values.chunks(256).map(|block| {
        let mut lanes = [0.0f64; 4];
        let mut chunks = block.chunks_exact(4);
        for c in &mut chunks {
            for (l, v) in lanes.iter_mut().zip(c) {
                *l += f(*v);
            }
        }
        let rest: f64 = chunks.remainder().iter().map(|v| f(*v)).sum();
        (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
    }))
}

/// The sum of a slice (`sum_of` the values themselves).
#[inline(always)]
fn sum_slice(values: &[f64]) -> f64 {
    sum_of(values, |v| v)
}

/// Whether any value is NaN, in blocks the compiler vectorizes (a search that stops at the
/// first one goes a value at a time).
#[inline(always)]
fn any_nan(values: &[f64]) -> bool {
    values
        .chunks(256)
        .any(|block| block.iter().fold(false, |nan, v| nan | v.is_nan()))
}

/// The least of the values `low` admits and the greatest of those `high` admits, starting
/// from `from`: the fold `values.fold(from, min / max of the admitted)`, in eight lanes the
/// compiler vectorizes. Lanes compare in another order, which can only matter between -0.0
/// and 0.0 (equal, so `f64::min` may keep either): a zero answer is folded again in order,
/// so the answer is always the plain fold's, bit for bit.
#[inline(always)]
pub fn min_max(
    values: &[f64],
    from: (f64, f64),
    low: impl Fn(f64) -> bool,
    high: impl Fn(f64) -> bool,
) -> (f64, f64) {
    let step = |(lo, hi): (f64, f64), v: f64| {
        (
            if low(v) { lo.min(v) } else { lo },
            if high(v) { hi.max(v) } else { hi },
        )
    };
    let mut lanes = [from; 8];
    let mut chunks = values.chunks_exact(8);
    for chunk in &mut chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = step(*lane, v);
        }
    }
    let found = chunks.remainder().iter().fold(
        lanes
            .into_iter()
            .fold(from, |a, (lo, hi)| (a.0.min(lo), a.1.max(hi))),
        |a, &v| step(a, v),
    );
    if found.0 == 0.0 || found.1 == 0.0 {
        return values.iter().fold(from, |a, &v| step(a, v));
    }
    found
}

/// Buckets `ranked` spreads values over: few enough to count in the core's cache, enough
/// that a bucket holds few values.
const BUCKETS: usize = 4096;

/// The values at `ranks` (0-based, in `f64::total_cmp` order) of `values`, which hold no
/// NaN and lie in `min..=max`. Instead of partially sorting all of them: one pass counts
/// the values per bucket of equal width (a bucket's index never decreases with the value,
/// so the buckets are in order), another gathers those of the buckets that hold the ranks,
/// and each rank is selected among its bucket's few.
fn ranked(values: &[f64], (min, max): (f64, f64), ranks: &[usize]) -> Vec<f64> {
    let scale = BUCKETS as f64 / (max - min);
    // Equal (or unbounded) values all share bucket 0.
    let scale = if scale.is_finite() { scale } else { 0.0 };
    let bucket = |v: f64| (((v - min) * scale) as usize).min(BUCKETS - 1);
    let mut counts = vec![0usize; BUCKETS];
    values.iter().for_each(|&v| counts[bucket(v)] += 1);
    // Each rank's bucket and its rank within it.
    let mut first = 0;
    let mut starts = Vec::with_capacity(BUCKETS);
    for &n in &counts {
        starts.push(first);
        first += n;
    }
    let wanted: Vec<(usize, usize)> = ranks
        .iter()
        .map(|&rank| {
            let b = starts.partition_point(|&s| s <= rank) - 1;
            (b, rank - starts[b])
        })
        .collect();
    // The gathered values of each wanted bucket, by its slot.
    let mut slots = vec![usize::MAX; BUCKETS];
    let mut gathered: Vec<Vec<f64>> = Vec::new();
    for &(b, _) in &wanted {
        if slots[b] == usize::MAX {
            slots[b] = gathered.len();
            gathered.push(Vec::with_capacity(counts[b]));
        }
    }
    for &v in values {
        if let Some(held) = gathered.get_mut(slots[bucket(v)]) {
            held.push(v);
        }
    }
    wanted
        .iter()
        .map(|&(b, within)| {
            *gathered[slots[b]]
                .select_nth_unstable_by(within, f64::total_cmp)
                .1
        })
        .collect()
}

/// numpy's default ("linear") percentiles `qs` of `values` (no NaN, in `min..=max`), by
/// interpolating between the values at the two ranks around each position.
fn percentiles(values: &[f64], extent: (f64, f64), qs: &[f64]) -> Vec<Option<f64>> {
    let Some(last) = values.len().checked_sub(1) else {
        return vec![None; qs.len()];
    };
    let positions: Vec<f64> = qs.iter().map(|q| q * last as f64).collect();
    let ranks: Vec<usize> = positions
        .iter()
        .flat_map(|p| [p.floor() as usize, (p.ceil() as usize).min(last)])
        .collect();
    let at = ranked(values, extent, &ranks);
    positions
        .iter()
        .zip(at.chunks_exact(2))
        .map(|(position, pair)| {
            let (low, high) = (pair[0], pair[1]);
            Some(low + (high - low) * (position - position.floor()))
        })
        .collect()
}

/// pandas' describe() of one column; NaN is missing.
pub fn summarize(values: &[f64]) -> NumericSummary {
    parallel::vectorized(
        #[inline(always)]
        || summarize_here(values),
    )
}

#[inline(always)]
fn summarize_here(values: &[f64]) -> NumericSummary {
    // The values themselves when none is missing (the usual case), else a copy without.
    let present: Cow<'_, [f64]> = if any_nan(values) {
        values.iter().copied().filter(|v| !v.is_nan()).collect()
    } else {
        Cow::Borrowed(values)
    };
    let n = present.len();
    let mean = (n > 0).then(|| sum_slice(&present) / n as f64);
    let std = match (mean, n) {
        (Some(m), n) if n > 1 => {
            Some((sum_of(&present, |v| (v - m) * (v - m)) / (n - 1) as f64).sqrt())
        }
        _ => None,
    };
    let (min, max) = if n > 0 {
        let (low, high) = min_max(
            &present,
            (f64::INFINITY, f64::NEG_INFINITY),
            |_| true,
            |_| true,
        );
        (Some(low), Some(high))
    } else {
        (None, None)
    };
    let quartiles = match (min, max) {
        (Some(low), Some(high)) => percentiles(&present, (low, high), &[0.25, 0.5, 0.75]),
        _ => vec![None; 3],
    };
    NumericSummary {
        count: n as u64,
        mean,
        std,
        min,
        q25: quartiles[0],
        q50: quartiles[1],
        q75: quartiles[2],
        max,
    }
}

fn text_summary(values: &Text) -> TextSummary {
    // Counted by dictionary code; ties go to the value seen first, which is the lower code.
    let mut counts = vec![0u64; values.values.len()];
    for &code in &values.codes {
        if let Some(n) = counts.get_mut(code as usize) {
            *n += 1;
        }
    }
    let count = counts.iter().sum();
    let unique = counts.iter().filter(|&&n| n > 0).count() as u64;
    let mut ranked: Vec<(usize, u64)> =
        counts.into_iter().enumerate().filter(|c| c.1 > 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    TextSummary {
        count,
        unique,
        top: ranked
            .into_iter()
            .take(TOP_VALUES)
            .map(|(code, n)| (values.values[code].clone(), n))
            .collect(),
    }
}

pub fn statistics(table: &Table) -> Statistics {
    let numeric = table.numeric();
    let summaries = parallel::map(&numeric, |(_, values)| summarize(values));
    let text = table
        .names
        .iter()
        .zip(&table.columns)
        .filter_map(|(name, column)| match column {
            Column::Text(values) => Some((name.clone(), text_summary(values))),
            _ => None,
        })
        .collect();
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
        numeric: numeric
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .zip(summaries)
            .collect(),
        text,
    }
}

/// Column names and, row by row, Pearson's r of each pair (None where undefined).
pub type Correlation = (Vec<String>, Vec<Vec<Option<f64>>>);

/// Pearson's r of two columns over the rows where both have a value (not NaN); None with
/// fewer than two such rows or no variation.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let complete = !any_nan(a) && !any_nan(b);
    if complete {
        return pearson_complete(a, b, (mean(a)?, mean(b)?));
    }
    let (x, y): (Vec<f64>, Vec<f64>) = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| (*x, *y))
        .unzip();
    pearson_complete(&x, &y, (mean(&x)?, mean(&y)?))
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| sum_slice(values) / values.len() as f64)
}

/// Pearson's r of two columns without missing values, given their means: one pass.
fn pearson_complete(a: &[f64], b: &[f64], (mean_x, mean_y): (f64, f64)) -> Option<f64> {
    if a.len() < 2 {
        return None;
    }
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in a.chunks(256).zip(b.chunks(256)) {
        let (mut bxy, mut bxx, mut byy) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
        for (i, (x, y)) in x.iter().zip(y).enumerate() {
            let (dx, dy) = (x - mean_x, y - mean_y);
            bxy[i % 4] += dx * dy;
            bxx[i % 4] += dx * dx;
            byy[i % 4] += dy * dy;
        }
        sxy += bxy.iter().sum::<f64>();
        sxx += bxx.iter().sum::<f64>();
        syy += byy.iter().sum::<f64>();
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// Adds the products of every pair of `values` to `square` (row-major, one row per value).
/// The whole square, not the triangle: a row of products vectorizes where a triangle's
/// ragged rows do not, and since `a * b == b * a` exactly, each entry above the diagonal
/// gets the same value, added in the same order, as when only the triangle was computed.
#[inline(always)]
pub(super) fn add_products(square: &mut [f64], values: &[f64]) {
    for (row, &a) in square.chunks_exact_mut(values.len()).zip(values) {
        for (sum, &b) in row.iter_mut().zip(values) {
            *sum += a * b;
        }
    }
}

/// Sums of centred cross products of columns without missing values, Σ (a - mean_a)(b -
/// mean_b) for every pair, in one pass over the rows (blocks of rows on all cores, merged in
/// order): the data is read once, not once per pair. Row-major p x p.
fn cross_products(columns: &[&[f64]], means: &[f64]) -> Vec<f64> {
    const BLOCK: usize = 4096;
    let p = columns.len();
    let rows = columns.first().map_or(0, |c| c.len());
    let starts: Vec<usize> = (0..rows).step_by(BLOCK).collect();
    let parts = parallel::map(&starts, |&start| {
        parallel::vectorized(
            #[inline(always)]
            || {
                let end = (start + BLOCK).min(rows);
                let mut block = vec![0.0; p * p];
                let mut centred = vec![0.0; p];
                for r in start..end {
                    for (c, (column, mean)) in centred.iter_mut().zip(columns.iter().zip(means)) {
                        *c = column[r] - mean;
                    }
                    add_products(&mut block, &centred);
                }
                block
            },
        )
    });
    let mut sums = vec![0.0; p * p];
    for part in parts {
        sums.iter_mut().zip(part).for_each(|(s, v)| *s += v);
    }
    sums
}

/// The correlation matrix of the first `max_columns` numeric columns: (names, rows of r).
/// Columns without missing values share one pass over the data; a column with missing
/// values is paired over the rows where both have one, as pandas does. Each pair's r
/// depends on its two columns alone, so a matrix of fewer columns has the same values.
pub fn correlation(table: &Table, max_columns: usize) -> Correlation {
    let numeric = table.numeric_first(max_columns);
    let n = numeric.len();
    let complete: Vec<usize> = (0..n).filter(|&i| !any_nan(&numeric[i].1)).collect();
    let mut matrix = vec![vec![None; n]; n];
    if complete.len() >= 2 {
        let columns: Vec<&[f64]> = complete.iter().map(|&i| &*numeric[i].1).collect();
        let means: Vec<f64> = columns.iter().map(|c| mean(c).unwrap_or(0.0)).collect();
        let sums = cross_products(&columns, &means);
        let m = columns.len();
        for a in 0..m {
            for b in a..m {
                let r = sums[a * m + b] / (sums[a * m + a] * sums[b * m + b]).sqrt();
                let r = (r.is_finite() && columns[a].len() >= 2).then(|| r.clamp(-1.0, 1.0));
                matrix[complete[a]][complete[b]] = r;
                matrix[complete[b]][complete[a]] = r;
            }
        }
    }
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i..n).map(move |j| (i, j)))
        .filter(|(i, j)| !(complete.contains(i) && complete.contains(j) && complete.len() >= 2))
        .collect();
    let values = parallel::map(&pairs, |&(i, j)| pearson(&numeric[i].1, &numeric[j].1));
    for (&(i, j), r) in pairs.iter().zip(values) {
        matrix[i][j] = r;
        matrix[j][i] = r;
    }
    (
        numeric.iter().map(|(name, _)| (*name).to_owned()).collect(),
        matrix,
    )
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
        let s = summarize(&[1.0, 2.0, 3.0, 4.0, 10.0, f64::NAN]);
        assert_eq!(s.count, 5);
        assert!(close(s.mean, 4.0) && close(s.std, 3.535533905932738));
        assert_eq!(
            (s.min, s.q25, s.q50, s.q75, s.max),
            (Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(10.0))
        );
        // Interpolated quartiles: pandas.Series([1, 2, 3, 4]).quantile(0.25) == 1.75
        let s = summarize(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.q25, s.q50, s.q75), (Some(1.75), Some(2.5), Some(3.25)));
        let one = summarize(&[5.0]);
        assert_eq!((one.count, one.std), (1, None));
        assert_eq!(summarize(&[f64::NAN]).mean, None);
        // Quartiles by selection agree with a full sort, whatever the order and length.
        let mut rng = fastrand::Rng::with_seed(5);
        // Spread evenly, skewed (most values in a few buckets), repeated, and unbounded.
        type Draw = dyn Fn(&mut fastrand::Rng, usize) -> f64;
        let draws: [&Draw; 4] = [
            &|r, _| r.f64() * 100.0,
            &|r, _| (r.f64() * 30.0).exp() - 1e6,
            &|r, _| f64::from(r.u8(..5)),
            &|r, i| [f64::NEG_INFINITY, r.f64(), f64::INFINITY][i % 3],
        ];
        let cases = [2usize, 3, 4, 5, 7, 10, 101, 1000, 100_003]
            .into_iter()
            .flat_map(|n| draws.iter().map(move |d| (n, d)));
        for (n, draw) in cases {
            let values: Vec<f64> = (0..n).map(|i| draw(&mut rng, i)).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let linear = |q: f64| {
                let pos = q * (n - 1) as f64;
                let (a, b) = (pos.floor() as usize, pos.ceil() as usize);
                sorted[a] + (sorted[b] - sorted[a]) * (pos - a as f64)
            };
            let s = summarize(&values);
            let bits = |q: Option<f64>| q.map(f64::to_bits);
            assert_eq!(
                (bits(s.q25), bits(s.q50), bits(s.q75)),
                (
                    bits(Some(linear(0.25))),
                    bits(Some(linear(0.5))),
                    bits(Some(linear(0.75)))
                ),
                "n = {n}: {:?}",
                &values[..n.min(12)]
            );
        }
    }

    #[test]
    fn pearson_over_pairwise_complete_rows() {
        let a = [1.0, 2.0, 3.0, f64::NAN];
        let b = [2.0, 4.0, 6.0, 100.0];
        assert!(close(pearson(&a, &b), 1.0));
        let c = [3.0, 2.0, 1.0, 0.0];
        assert!(close(pearson(&a, &c), -1.0));
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        // Without missing values: the one-pass path agrees with the definition.
        let x: Vec<f64> = (0..1000)
            .map(|i| (i as f64 * 0.7).sin() * 3.0 + 1e6)
            .collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| v * 2.0 + (i % 7) as f64)
            .collect();
        let (mx, my) = (
            x.iter().sum::<f64>() / 1000.0,
            y.iter().sum::<f64>() / 1000.0,
        );
        let cov: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let vx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
        let vy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
        assert!(close(pearson(&x, &y), cov / (vx * vy).sqrt()));
    }

    #[test]
    fn correlation_matrix_one_pass_and_pairwise() {
        let a: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.1).sin()).collect();
        let b: Vec<f64> = a
            .iter()
            .enumerate()
            .map(|(i, v)| v * 3.0 + (i % 5) as f64)
            .collect();
        let mut c: Vec<f64> = a.iter().map(|v| -v).collect();
        c[7] = f64::NAN;
        let table = Table {
            names: vec!["a".into(), "b".into(), "c".into(), "t".into()],
            columns: vec![
                Column::Float(a.clone()),
                Column::Float(b.clone()),
                Column::Float(c.clone()),
                Column::Text(std::iter::repeat_n(Some("x"), 5000).collect()),
            ],
        };
        let (names, m) = correlation(&table, usize::MAX);
        assert_eq!(names, ["a", "b", "c"]);
        assert!(close(m[0][1], pearson(&a, &b).unwrap()) && m[0][1] == m[1][0]);
        assert!(close(m[0][2], -1.0) && close(m[2][2], 1.0) && close(m[0][0], 1.0));
        assert!(close(m[1][2], pearson(&b, &c).unwrap()));
    }

    #[test]
    fn statistics_of_a_table() {
        let table = Table {
            names: vec!["n".into(), "t".into()],
            columns: vec![
                Column::Integer(vec![Some(1), Some(2), None]),
                Column::Text([Some("a"), Some("b"), Some("a")].into_iter().collect()),
            ],
        };
        let s = statistics(&table);
        assert_eq!((s.row_count, s.column_count), (3, 2));
        assert_eq!(s.missing_values, [("n".to_owned(), 1), ("t".to_owned(), 0)]);
        assert_eq!(s.text[0].1.top, [("a".to_owned(), 2), ("b".to_owned(), 1)]);
        assert_eq!(s.text[0].1.unique, 2);
    }

    #[test]
    fn min_max_in_lanes_is_the_plain_fold() {
        let mut rng = fastrand::Rng::with_seed(9);
        let pick = [
            -0.0,
            0.0,
            1.5,
            -2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for n in [0usize, 1, 7, 8, 9, 31, 64, 1001] {
            for case in 0..20 {
                let values: Vec<f64> = (0..n)
                    .map(|_| {
                        if case % 2 == 0 {
                            pick[rng.usize(..pick.len())]
                        } else {
                            rng.f64() * 10.0 - 5.0
                        }
                    })
                    .collect();
                let (low, high) = (|v: f64| v.is_finite() && v >= -1.0, |v: f64| v < 3.0);
                let plain = values.iter().fold((0.5f64, 0.5f64), |(lo, hi), &v| {
                    (
                        if low(v) { lo.min(v) } else { lo },
                        if high(v) { hi.max(v) } else { hi },
                    )
                });
                let lanes = min_max(&values, (0.5, 0.5), low, high);
                assert_eq!(
                    (lanes.0.to_bits(), lanes.1.to_bits()),
                    (plain.0.to_bits(), plain.1.to_bits()),
                    "{values:?}"
                );
            }
        }
    }

    #[test]
    fn finds_a_nan_anywhere() {
        for len in [0, 1, 255, 256, 257, 1000] {
            let mut values = vec![1.0; len];
            assert!(!any_nan(&values));
            for at in [0, len / 2, len.saturating_sub(1)]
                .into_iter()
                .filter(|&at| at < len)
            {
                values[at] = f64::NAN;
                assert!(any_nan(&values), "NaN at {at} of {len}");
                values[at] = 1.0;
            }
        }
    }

    #[test]
    fn blocked_sum_of_squares_is_the_compensated_one() {
        let mut rng = fastrand::Rng::with_seed(3);
        let values: Vec<f64> = (0..100_003).map(|_| rng.f64() * 1e6 - 5e5).collect();
        let square = |v: f64| (v - 0.25) * (v - 0.25);
        let exact = sum(values.iter().map(|v| square(*v)));
        let blocked = sum_of(&values, square);
        assert!(
            (blocked - exact).abs() <= exact * 1e-13,
            "{blocked} vs {exact}"
        );
    }

    #[test]
    fn compensated_sum() {
        let values = std::iter::once(1e16)
            .chain(std::iter::repeat_n(1.0, 1000))
            .chain(std::iter::once(-1e16));
        assert_eq!(sum(values), 1000.0);
    }
}
