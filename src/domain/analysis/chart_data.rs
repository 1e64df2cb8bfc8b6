//! What the charts show, computed by the analysis step while it has the table in memory,
//! and small (bins, quartiles, at most `MAX_POINTS` sampled points per scatter): the charts
//! step draws from this alone and never reads the table again.

use serde::{Deserialize, Serialize};

use super::cluster::Clustering;
use super::parallel;
use super::sampling::{MAX_POINTS, sample};
use super::stats::{Correlation, NumericSummary, min_max, summarize};
use super::table::Table;

pub const HISTOGRAM_BINS: usize = 30;
/// Charts are drawn for at most this many numeric columns (histograms, box plots, heatmap).
pub const MAX_CHART_COLUMNS: usize = 12;
/// Chart titles and labels keep at most this many characters of a column's name.
pub const MAX_LABEL_CHARS: usize = 60;

/// A column's name as a chart shows it.
pub fn label(name: &str) -> String {
    super::limits::shortened(name, MAX_LABEL_CHARS).into_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub column: String,
    /// The range of the finite values, split into `HISTOGRAM_BINS` equal bins.
    pub low: f64,
    pub high: f64,
    pub counts: Vec<u64>,
}

/// What a box plot draws of one column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxStats {
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// The whiskers: the furthest values within 1.5 IQR of the box.
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scatter {
    pub x: String,
    pub y: String,
    pub points: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    pub histograms: Vec<Histogram>,
    pub boxes: Vec<(String, BoxStats)>,
    /// Column names and Pearson's r, for the heatmap.
    pub correlation: Option<Correlation>,
    /// The first two numeric columns, over the rows where both are present.
    pub scatter: Option<Scatter>,
    /// Clustered rows on the two principal components, with their cluster.
    pub clusters: Option<Vec<([f64; 2], u32)>>,
}

/// The range of the finite values (missing ones are NaN); (0, 1) when there are none, and
/// one unit wide around a constant.
pub fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    padded(lo, hi)
}

/// An axis' range from the least and greatest finite value (infinite when there is none).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// `extent` of a column's values, in vector lanes (the same answer).
fn extent_of(values: &[f64]) -> (f64, f64) {
    let (lo, hi) = parallel::vectorized(
        #[inline(always)]
        || {
            let finite = |v: f64| v.is_finite();
            min_max(values, (f64::INFINITY, f64::NEG_INFINITY), finite, finite)
        },
    );
    padded(lo, hi)
}

impl Histogram {
    pub fn of(column: &str, values: &[f64]) -> Self {
        let (low, high) = extent_of(values);
        let width = (high - low) / HISTOGRAM_BINS as f64;
        // Four sets of counters, the values taken in turn: consecutive values in the same
        // bin (sorted or clustered data) then add to different counters instead of each
        // waiting for the previous increment. The last counter of a set takes the
        // non-finite values, which are left out.
        let mut sets = [[0u64; HISTOGRAM_BINS + 1]; 4];
        for quad in values.chunks(4) {
            for (set, v) in sets.iter_mut().zip(quad) {
                let bin = if v.is_finite() {
                    (((v - low) / width) as usize).min(HISTOGRAM_BINS - 1)
                } else {
                    HISTOGRAM_BINS
                };
                set[bin] += 1;
            }
        }
        Histogram {
            column: column.to_owned(),
            low,
            high,
            counts: (0..HISTOGRAM_BINS)
                .map(|bin| sets.iter().map(|set| set[bin]).sum())
                .collect(),
        }
    }
}

impl BoxStats {
    /// From the column's quartiles; one pass over the values finds the whiskers.
    pub fn new(values: &[f64], (q1, median, q3): (f64, f64, f64)) -> Self {
        let iqr = q3 - q1;
        let (reach_low, reach_high) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let (low, high) = parallel::vectorized(
            #[inline(always)]
            || {
                min_max(
                    values,
                    (q1, q3),
                    |v| v.is_finite() && v >= reach_low,
                    |v| v.is_finite() && v <= reach_high,
                )
            },
        );
        BoxStats {
            q1,
            median,
            q3,
            low,
            high,
        }
    }
}

impl ChartData {
    /// `summaries` are the numeric columns' statistics when the analysis has them (else
    /// they are computed), `correlation` the matrix likewise.
    pub fn of(
        table: &Table,
        summaries: &[(String, NumericSummary)],
        correlation: Option<Correlation>,
        clustering: Option<&Clustering>,
    ) -> Self {
        let numeric = table.numeric_first(MAX_CHART_COLUMNS);
        let per_column = parallel::map(&numeric, |(name, values)| {
            let given = summaries.iter().find(|(n, _)| n == name).map(|(_, s)| s);
            let name = &label(name);
            let summary = given.cloned().unwrap_or_else(|| summarize(values));
            let quartiles = (
                summary.q25.unwrap_or(0.0),
                summary.q50.unwrap_or(0.0),
                summary.q75.unwrap_or(0.0),
            );
            (
                Histogram::of(name, values),
                (name.clone(), BoxStats::new(values, quartiles)),
            )
        });
        let (histograms, boxes) = per_column.into_iter().unzip();
        let scatter = (numeric.len() >= 2).then(|| {
            let (xs, ys) = (&numeric[0].1, &numeric[1].1);
            Scatter {
                x: label(numeric[0].0),
                y: label(numeric[1].0),
                points: sample(xs.len().min(ys.len()), MAX_POINTS)
                    .filter(|&i| xs[i].is_finite() && ys[i].is_finite())
                    .map(|i| [xs[i], ys[i]])
                    .collect(),
            }
        });
        let clusters = clustering.map(|c| c.sample.clone());
        ChartData {
            histograms,
            boxes,
            correlation: correlation.filter(|(names, _)| names.len() >= 2),
            scatter,
            clusters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_counter_sets_count_as_one_would() {
        let mut rng = fastrand::Rng::with_seed(5);
        let special = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            0.0,
        ];
        for len in [0, 1, 3, 4, 5, 97, 1000] {
            let values: Vec<f64> = (0..len)
                .map(|_| match rng.u8(..10) {
                    0 => special[rng.usize(..special.len())],
                    1..=4 => 7.25, // runs of one bin
                    _ => rng.f64() * 100.0 - 50.0,
                })
                .collect();
            let h = Histogram::of("v", &values);
            let width = (h.high - h.low) / HISTOGRAM_BINS as f64;
            let mut plain = vec![0u64; HISTOGRAM_BINS];
            for v in values.iter().filter(|v| v.is_finite()) {
                plain[(((v - h.low) / width) as usize).min(HISTOGRAM_BINS - 1)] += 1;
            }
            assert_eq!(h.counts, plain, "{len} values");
        }
    }

    #[test]
    fn histogram_bins_and_whiskers() {
        let h = Histogram::of("v", &[0.0, 1.0, 2.0, 3.0, f64::NAN, 30.0]);
        assert_eq!((h.low, h.high, h.counts.len()), (0.0, 30.0, HISTOGRAM_BINS));
        assert_eq!(h.counts.iter().sum::<u64>(), 5, "NaN is missing");
        assert_eq!(
            (h.counts[0], h.counts[1], h.counts[2], h.counts[29]),
            (1, 1, 1, 1)
        );
        let flat = Histogram::of("c", &[3.0; 10]);
        assert_eq!((flat.low, flat.high), (2.5, 3.5));
        let b = BoxStats::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 100.0, f64::NAN], (2.0, 3.0, 4.0));
        assert_eq!(
            (b.low, b.high),
            (1.0, 5.0),
            "100 is an outlier, NaN is missing"
        );
    }

    #[test]
    fn scatter_samples_complete_rows() {
        use super::super::table::Column;
        let n = 50_000;
        let table = Table {
            names: vec!["a".into(), "b".into()],
            columns: vec![
                Column::Float(
                    (0..n)
                        .map(|i| if i % 7 == 0 { f64::NAN } else { i as f64 })
                        .collect(),
                ),
                Column::Float((0..n).map(|i| i as f64 * 2.0).collect()),
            ],
        };
        let data = ChartData::of(&table, &[], None, None);
        let scatter = data.scatter.unwrap();
        assert!(scatter.points.len() <= MAX_POINTS && scatter.points.len() > MAX_POINTS / 2);
        assert!(
            scatter
                .points
                .iter()
                .all(|[x, y]| x.is_finite() && *y == x * 2.0)
        );
        assert_eq!(data.boxes.len(), 2);
        assert!(data.correlation.is_none() && data.clusters.is_none());
    }
}
