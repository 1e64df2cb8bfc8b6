//! Clustering as Project-AI's analyser does it with scikit-learn: standardise (population
//! std, as StandardScaler), k-means with k-means++ seeding and 10 restarts from a fixed seed
//! (the best by inertia wins), silhouette on a sample, sizes and centroids in original
//! units, and PCA to two components with their explained variance.

use std::borrow::Cow;

use nalgebra::{DMatrix, SymmetricEigen};
use serde::Serialize;

use super::limits::MAX_CLUSTERS;
use super::parallel;
use super::sampling::{MAX_POINTS, sample};
use super::stats::{add_products, sum_of};
use super::table::Table;
use crate::interrupt;

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub clusters: usize,
    pub restarts: usize,
    pub max_iterations: usize,
    /// Convergence: total squared centre movement under tol x the mean feature variance.
    pub tolerance: f64,
    pub seed: u64,
    /// Rows the silhouette is computed on, at most.
    pub silhouette_sample: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            clusters: 3,
            restarts: 10,
            max_iterations: 300,
            tolerance: 1e-4,
            seed: 42,
            silhouette_sample: 5000,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pca {
    /// Two rows of loadings, one per component, over the clustered columns.
    pub components: Vec<Vec<f64>>,
    pub explained_variance_ratio: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clustering {
    pub columns: Vec<String>,
    /// Rows with a value in every clustered column; the others are left out.
    pub rows_used: u64,
    pub clusters: usize,
    pub sizes: Vec<u64>,
    pub centroids: Vec<Vec<f64>>,
    pub inertia: f64,
    pub silhouette: Option<f64>,
    pub iterations: usize,
    pub pca: Pca,
    /// Up to `MAX_POINTS` used rows, evenly spaced, on the two principal components with
    /// their cluster: what the chart draws (not serialized).
    #[serde(skip)]
    pub sample: Vec<([f64; 2], u32)>,
}

/// Row-major standardized data.
struct Scaled {
    data: Vec<f64>,
    rows: usize,
    dims: usize,
    mean: Vec<f64>,
    scale: Vec<f64>,
}

fn standardize(columns: &[Cow<'_, [f64]>]) -> Scaled {
    let dims = columns.len();
    let all = columns.first().map_or(0, |c| c.len());
    let complete: Option<Vec<usize>> = columns
        .iter()
        .any(|c| c.iter().any(|v| !v.is_finite()))
        .then(|| {
            (0..all)
                .filter(|&r| columns.iter().all(|c| c[r].is_finite()))
                .collect()
        });
    // Only rows with a value in every column; all of them, without an index, when none
    // is missing (the usual case).
    let rows = complete.as_ref().map_or(all, Vec::len);
    let row = |i: usize| complete.as_ref().map_or(i, |c| c[i]);
    let per_column = parallel::map(columns, |column| {
        parallel::vectorized(
            #[inline(always)]
            || {
                let used: Cow<'_, [f64]> = match &complete {
                    None => Cow::Borrowed(column),
                    Some(index) => index.iter().map(|&r| column[r]).collect(),
                };
                let n = used.len().max(1) as f64;
                let mean = sum_of(&used, |v| v) / n;
                let variance = sum_of(&used, |v| (v - mean) * (v - mean)) / n;
                // As StandardScaler: a constant column keeps scale 1.
                (mean, if variance > 0.0 { variance.sqrt() } else { 1.0 })
            },
        )
    });
    let (mean, scale): (Vec<f64>, Vec<f64>) = per_column.into_iter().unzip();
    let mut data = vec![0.0; rows * dims];
    let parts: Vec<(usize, &mut [f64])> = data
        .chunks_mut(64 * 1024 * dims.max(1))
        .enumerate()
        .collect();
    parallel::for_each(parts, |(part, chunk)| {
        parallel::vectorized(
            #[inline(always)]
            || {
                let first = part * 64 * 1024;
                for (i, point) in chunk.chunks_exact_mut(dims).enumerate() {
                    let r = row(first + i);
                    for (d, value) in point.iter_mut().enumerate() {
                        *value = (columns[d][r] - mean[d]) / scale[d];
                    }
                }
            },
        )
    });
    Scaled {
        data,
        rows,
        dims,
        mean,
        scale,
    }
}

/// Squared Euclidean distance, in four lanes so the compiler can vectorize it.
#[inline(always)]
fn distance2(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let (mut xs, mut ys) = (a.chunks_exact(4), b.chunks_exact(4));
    for (x, y) in (&mut xs).zip(&mut ys) {
        for l in 0..4 {
            let d = x[l] - y[l];
            lanes[l] += d * d;
        }
    }
    let rest: f64 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

/// The index of the nearest centre, its squared distance, and the squared distance to the
/// next nearest centre (infinite when there is one centre).
#[inline(always)]
fn nearest(point: &[f64], centres: &[f64], dims: usize) -> (usize, f64, f64) {
    let mut best = (0, f64::INFINITY, f64::INFINITY);
    for (i, c) in centres.chunks_exact(dims).enumerate() {
        let d = distance2(point, c);
        if d < best.1 {
            best = (i, d, best.1);
        } else if d < best.2 {
            best.2 = d;
        }
    }
    best
}

/// The dimensions the k-means kernels work with: `D` when it is not 0 (a constant, so the
/// compiler unrolls the distance loops), else the data's.
#[inline(always)]
fn dims_of<const D: usize>(x: &Scaled) -> usize {
    if D == 0 { x.dims } else { D }
}

/// k-means++ seeds. `closest` is scratch space for each point's squared distance to its
/// nearest seed so far; the total of those distances is added up in the same pass, in the
/// same order as a separate sum would.
#[inline(always)]
fn kmeans_plus_plus<const D: usize>(
    x: &Scaled,
    k: usize,
    rng: &mut fastrand::Rng,
    closest: &mut Vec<f64>,
) -> Vec<f64> {
    let dims = dims_of::<D>(x);
    let point = |i: usize| &x.data[i * dims..(i + 1) * dims];
    let mut centres = point(rng.usize(..x.rows)).to_vec();
    closest.clear();
    closest.resize(x.rows, 0.0);
    let mut total = 0.0;
    for (c, p) in closest.iter_mut().zip(x.data.chunks_exact(dims)) {
        *c = distance2(p, &centres);
        total += *c;
    }
    for _ in 1..k {
        let chosen = if total > 0.0 {
            let mut target = rng.f64() * total;
            closest.iter().position(|d| {
                target -= d;
                target <= 0.0
            })
        } else {
            None
        }
        .unwrap_or_else(|| rng.usize(..x.rows));
        let new = point(chosen).to_vec();
        if centres.len() / dims + 1 < k {
            total = 0.0;
            for (c, p) in closest.iter_mut().zip(x.data.chunks_exact(dims)) {
                *c = c.min(distance2(p, &new));
                total += *c;
            }
        }
        centres.extend(new);
    }
    centres
}

/// A row's cluster. `MAX_CLUSTERS` fits in a byte, so a run's labels take a byte a row.
type Label = u8;

/// The label of a row no pass has assigned yet.
const UNASSIGNED: Label = Label::MAX;

const _: () = assert!(MAX_CLUSTERS < UNASSIGNED as u64);

/// What one assignment pass found: per centre the count of its points and, when any point
/// changed its centre, the sum of its points; whether any point changed its centre.
struct Assignment {
    sums: Vec<f64>,
    counts: Vec<usize>,
    changed: bool,
    /// Per centre: its points' squared distances to it, summed (the inertia, by centre).
    within: Vec<f64>,
    /// Per centre: the least, over its points, of how much nearer a point is to it than to
    /// the next nearest centre (in distance, not squared, less a margin for rounding).
    gaps: Vec<f64>,
}

/// The relative margin for rounding, in the label-keeping bound and between inertias: far
/// above what summing a few squares, a square root or the inertia's sums can be off by.
const ROUNDING: f64 = 1e-9;

impl Assignment {
    /// The total squared distance of the points to their centres.
    fn inertia(&self) -> f64 {
        self.within.iter().sum()
    }

    /// Whether a pass against the centres moved by `shifts` (squared distance of each
    /// centre's move) would keep every label this pass gave. A point's distance to its own
    /// centre grows by at most that centre's shift and its distance to another one shrinks
    /// by at most that one's (the triangle inequality): a centre whose least gap exceeds its
    /// own shift plus the largest other shift keeps all its points.
    fn labels_stand(&self, shifts: &[f64]) -> bool {
        let moves: Vec<f64> = shifts.iter().map(|s| s.sqrt() * (1.0 + ROUNDING)).collect();
        (0..moves.len()).all(|c| {
            let others = moves
                .iter()
                .enumerate()
                .filter(|&(o, _)| o != c)
                .fold(0.0f64, |most, (_, &m)| most.max(m));
            self.counts[c] > 0 && self.gaps[c] > moves[c] + others
        })
    }

    /// The total squared distance to the moved centres when each is the mean of its points
    /// (`shifts` as for `labels_stand`), without another pass: for the points of a centre,
    /// the sum of |x - old|² is the sum of |x - new|² plus count x |new - old|². Never
    /// below 0, where rounding could take it when a centre's points all coincide.
    fn inertia_after(&self, shifts: &[f64]) -> f64 {
        (self.within.iter().zip(&self.counts).zip(shifts))
            .map(|((w, &n), s)| (w - n as f64 * s).max(0.0))
            .sum()
    }
}

/// One assignment pass over all points: each point's nearest centre into `labels`. The
/// sums are only needed when a label changed (else the centres stand), so they are only
/// added up from the first change on, after catching up with the points before it: each
/// sum still gets its points in row order.
#[inline(always)]
fn assign<const D: usize>(
    x: &Scaled,
    centres: &[f64],
    k: usize,
    labels: &mut [Label],
) -> Assignment {
    let dims = dims_of::<D>(x);
    let mut found = Assignment {
        sums: vec![0.0; k * dims],
        counts: vec![0usize; k],
        changed: false,
        within: vec![0.0; k],
        gaps: vec![f64::INFINITY; k],
    };
    // Four sums read, added and written back at once: the compiler then uses one vector
    // add, where one element at a time it must assume a write may change the next read.
    let add = |sums: &mut [f64], point: &[f64], c: usize| {
        let sums = &mut sums[c * dims..(c + 1) * dims];
        let mut quads = sums.chunks_exact_mut(4);
        let mut values = point.chunks_exact(4);
        for (s, v) in (&mut quads).zip(&mut values) {
            let added = [s[0] + v[0], s[1] + v[1], s[2] + v[2], s[3] + v[3]];
            s.copy_from_slice(&added);
        }
        for (s, v) in quads.into_remainder().iter_mut().zip(values.remainder()) {
            *s += v;
        }
    };
    let points = x.data.chunks_exact(dims);
    for (i, point) in points.clone().enumerate() {
        let (c, d, next) = nearest(point, centres, dims);
        let gap = next.sqrt() * (1.0 - ROUNDING) - d.sqrt() * (1.0 + ROUNDING);
        // Not `min`, which passes NaN over: a NaN gap (distances that overflowed) must fail
        // the bound, never pass it.
        if gap < found.gaps[c] || gap.is_nan() {
            found.gaps[c] = gap;
        }
        found.within[c] += d;
        if labels[i] != c as Label {
            if !found.changed {
                found.changed = true;
                for (before, &l) in points.clone().zip(&labels[..i]) {
                    add(&mut found.sums, before, l as usize);
                }
            }
            labels[i] = c as Label;
        }
        found.counts[c] += 1;
        if found.changed {
            add(&mut found.sums, point, c);
        }
    }
    found
}

/// One k-means run's outcome.
#[derive(Debug, Default)]
struct Run {
    /// Row-major, `k` x `dims`.
    centres: Vec<f64>,
    /// Each row's centre.
    labels: Vec<Label>,
    inertia: f64,
    iterations: usize,
}

/// One k-means run from k-means++ seeds. `labels` is reused for the run's labels,
/// `closest` is scratch space.
#[inline(always)]
fn lloyd<const D: usize>(
    x: &Scaled,
    (k, options, threshold): (usize, &ClusterOptions, f64),
    seed: u64,
    mut labels: Vec<Label>,
    closest: &mut Vec<f64>,
) -> Run {
    let dims = dims_of::<D>(x);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut centres = kmeans_plus_plus::<D>(x, k, &mut rng, closest);
    labels.clear();
    labels.resize(x.rows, UNASSIGNED);
    let mut iterations = 0;
    for _ in 0..options.max_iterations {
        if interrupt::requested() {
            // What it returns is dropped: `cluster` answers that it stopped.
            break;
        }
        iterations += 1;
        let found = assign::<D>(x, &centres, k, &mut labels);
        if !found.changed {
            // A fixed point: the centres are the means of these labels already, and the
            // pass measured the inertia against them.
            return Run {
                centres,
                labels,
                inertia: found.inertia(),
                iterations,
            };
        }
        let mut shifts = vec![0.0; k];
        for c in 0..k {
            let new: Vec<f64> = if found.counts[c] > 0 {
                found.sums[c * dims..(c + 1) * dims]
                    .iter()
                    .map(|s| s / found.counts[c] as f64)
                    .collect()
            } else {
                // An empty cluster takes the point farthest from its centre.
                let far = x
                    .data
                    .chunks_exact(dims)
                    .enumerate()
                    .max_by(|a, b| {
                        let da = distance2(a.1, &centres[labels[a.0] as usize * dims..][..dims]);
                        let db = distance2(b.1, &centres[labels[b.0] as usize * dims..][..dims]);
                        da.total_cmp(&db)
                    })
                    .map_or(0, |(i, _)| i);
                x.data[far * dims..(far + 1) * dims].to_vec()
            };
            shifts[c] = distance2(&centres[c * dims..(c + 1) * dims], &new);
            centres[c * dims..(c + 1) * dims].copy_from_slice(&new);
        }
        let converged = shifts.iter().sum::<f64>() <= threshold;
        if found.labels_stand(&shifts) {
            // The next pass (the next iteration's, else the final one) would keep every
            // label, so it is not made: the same outcome, one pass over the data fewer.
            let next = !converged && iterations < options.max_iterations;
            return Run {
                centres,
                labels,
                inertia: found.inertia_after(&shifts),
                iterations: iterations + usize::from(next),
            };
        }
        if converged {
            break;
        }
    }
    // Converged by tolerance (or out of iterations): labels and inertia for the final
    // centres, as scikit-learn's last E-step.
    let found = assign::<D>(x, &centres, k, &mut labels);
    Run {
        centres,
        labels,
        inertia: found.inertia(),
        iterations,
    }
}

impl Run {
    /// Whether this run beats `kept`, an earlier one: by more than rounding, since runs that
    /// end with the same labels may measure their inertia a few ulps apart (one by a pass,
    /// one by `inertia_after` from other centres) and then the earlier run stays.
    fn beats(&self, kept: &Run) -> bool {
        self.inertia < kept.inertia - kept.inertia.abs() * ROUNDING
    }
}

/// The restarts with these seeds one after the other: the run with the lowest inertia
/// (ties to the earlier, `Run::beats`), keeping one other set of labels to reuse, not one
/// per restart.
#[inline(always)]
fn best_run<const D: usize>(
    x: &Scaled,
    settings: (usize, &ClusterOptions, f64),
    seeds: &[u64],
) -> Option<Run> {
    let mut closest = Vec::new();
    let mut spare = Vec::new();
    let mut best: Option<Run> = None;
    for &seed in seeds {
        let run = lloyd::<D>(x, settings, seed, std::mem::take(&mut spare), &mut closest);
        best = Some(match best {
            Some(kept) if run.beats(&kept) => {
                spare = kept.labels;
                run
            }
            Some(kept) => {
                spare = run.labels;
                kept
            }
            None => run,
        });
    }
    best
}

/// `sample` of `0..rows` drawn as `rng.shuffle` on all rows then truncated would draw it
/// (the same draws, so the same rows in the same order and the same `rng` afterwards),
/// without shuffling a million indices: a step that swaps a position past the sample
/// with one inside it brings in that step's own, so far untouched, index.
fn sample_rows(rows: usize, sample: usize, rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut front: Vec<usize> = (0..rows.min(sample)).collect();
    if rows > sample {
        rng.shuffle(&mut front);
        for i in sample.max(1)..rows {
            if let Some(slot) = front.get_mut(rng.usize(..=i)) {
                *slot = i;
            }
        }
    }
    front
}

/// Row `i`'s distances to the rows after it, into `out`, from the sample's `columns`
/// (`dims` columns of `n`). Each is the same as `distance2(..).sqrt()`: the same lanes,
/// added in the same order, only computed for many rows at once so it vectorizes.
#[inline(always)]
fn distances_after(columns: &[f64], n: usize, i: usize, lanes: &mut [f64], out: &mut [f64]) {
    let m = n - i - 1;
    let dims = columns.len() / n;
    let (lanes, rest) = lanes[..5 * m].split_at_mut(4 * m);
    lanes.fill(0.0);
    rest.fill(0.0);
    for (d, column) in columns.chunks_exact(n).enumerate() {
        let target = if d < dims / 4 * 4 {
            &mut lanes[d % 4 * m..][..m]
        } else {
            &mut *rest
        };
        let x = column[i];
        for (t, y) in target.iter_mut().zip(&column[i + 1..]) {
            *t += (x - y) * (x - y);
        }
    }
    let (l01, l23) = lanes.split_at(2 * m);
    let (l0, l1) = l01.split_at(m);
    let (l2, l3) = l23.split_at(m);
    for (j, o) in out[..m].iter_mut().enumerate() {
        *o = (((l0[j] + l1[j]) + (l2[j] + l3[j])) + rest[j]).sqrt();
    }
}

/// The mean silhouette over up to `sample` rows (all rows when fewer).
fn silhouette(
    x: &Scaled,
    labels: &[Label],
    k: usize,
    sample: usize,
    rng: &mut fastrand::Rng,
) -> Option<f64> {
    if k < 2 || x.rows < 3 {
        return None;
    }
    let rows = sample_rows(x.rows, sample, rng);
    let dims = x.dims;
    let n = rows.len();
    // The sample column by column, so a row's distances to all later rows vectorize.
    let mut columns = vec![0.0; dims * n];
    for (s, &r) in rows.iter().enumerate() {
        for (d, v) in x.data[r * dims..(r + 1) * dims].iter().enumerate() {
            columns[d * n + s] = *v;
        }
    }
    let own: Vec<usize> = rows.iter().map(|&r| labels[r] as usize).collect();
    let mut sizes = vec![0usize; k];
    own.iter().for_each(|&c| sizes[c] += 1);
    // Each pair once, adding its distance to both rows' sums per cluster (cluster-major:
    // `sums[c * n + row]`); the threads take interleaved rows so the triangle splits
    // evenly. Every sum gets its distances in the same order as a plain double loop.
    let lanes: Vec<usize> = (0..parallel::threads()).collect();
    let step = lanes.len();
    let partial = parallel::map(&lanes, |&lane| {
        parallel::vectorized(
            #[inline(always)]
            || {
                let mut sums = vec![0.0; n * k];
                let (mut work, mut distances) = (vec![0.0; 5 * n], vec![0.0; n]);
                for i in (lane..n).step_by(step) {
                    distances_after(&columns, n, i, &mut work, &mut distances);
                    let after = &distances[..n - i - 1];
                    // Row i's sums: its earlier pairs are in already.
                    let mut mine: Vec<f64> = (0..k).map(|c| sums[c * n + i]).collect();
                    for (d, &c) in after.iter().zip(&own[i + 1..]) {
                        mine[c] += d;
                    }
                    for (c, v) in mine.into_iter().enumerate() {
                        sums[c * n + i] = v;
                    }
                    // The later rows' sums for row i's cluster.
                    let theirs = &mut sums[own[i] * n + i + 1..(own[i] + 1) * n];
                    for (s, d) in theirs.iter_mut().zip(after) {
                        *s += d;
                    }
                }
                sums
            },
        )
    });
    let mut sums = vec![0.0; n * k];
    for part in partial {
        sums.iter_mut().zip(part).for_each(|(s, p)| *s += p);
    }
    let mut total = 0.0;
    for i in 0..n {
        let row: Vec<f64> = (0..k).map(|c| sums[c * n + i]).collect();
        // The other members of a cluster: its size, minus the row itself in its own.
        let others = |c: usize| sizes[c] - usize::from(c == own[i]);
        if others(own[i]) == 0 {
            continue; // a singleton's silhouette is 0
        }
        let a = row[own[i]] / others(own[i]) as f64;
        let b = (0..k)
            .filter(|&c| c != own[i] && others(c) > 0)
            .map(|c| row[c] / others(c) as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    Some(total / n as f64)
}

/// The two principal components of standardized data, with sklearn's sign convention (the
/// largest loading of each component is positive).
fn pca(x: &Scaled) -> Pca {
    let (n, p) = (x.rows, x.dims);
    // Blocks of rows on all cores, merged in order.
    let blocks: Vec<&[f64]> = x.data.chunks(64 * 1024 * p.max(1)).collect();
    let parts = parallel::map(&blocks, |block| {
        parallel::vectorized(
            #[inline(always)]
            || {
                let mut sums = vec![0.0; p * p];
                block
                    .chunks_exact(p)
                    .for_each(|point| add_products(&mut sums, point));
                sums
            },
        )
    });
    let mut covariance = DMatrix::<f64>::zeros(p, p);
    for part in parts {
        for a in 0..p {
            for b in a..p {
                covariance[(a, b)] += part[a * p + b];
            }
        }
    }
    for a in 0..p {
        for b in a..p {
            covariance[(a, b)] /= (n.max(2) - 1) as f64;
            covariance[(b, a)] = covariance[(a, b)];
        }
    }
    let eigen = SymmetricEigen::new(covariance);
    let mut order: Vec<usize> = (0..p).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let total: f64 = eigen.eigenvalues.iter().map(|v| v.max(0.0)).sum();
    let mut components = Vec::new();
    let mut ratios = Vec::new();
    for &i in order.iter().take(2.min(p)) {
        let mut v: Vec<f64> = eigen.eigenvectors.column(i).iter().copied().collect();
        let largest = v
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if largest < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        components.push(v);
        ratios.push(if total > 0.0 {
            eigen.eigenvalues[i].max(0.0) / total
        } else {
            0.0
        });
    }
    Pca {
        components,
        explained_variance_ratio: ratios,
    }
}

/// A standardized row on the two principal components.
fn project(pca: &Pca, point: &[f64]) -> [f64; 2] {
    let on =
        |c: Option<&Vec<f64>>| c.map_or(0.0, |c| c.iter().zip(point).map(|(w, v)| w * v).sum());
    [on(pca.components.first()), on(pca.components.get(1))]
}

/// Clusters the table on `columns` (all numeric columns when empty).
pub fn cluster(
    table: &Table,
    columns: &[String],
    options: &ClusterOptions,
) -> Result<Clustering, String> {
    let chosen: Vec<(String, Cow<'_, [f64]>)> = if columns.is_empty() {
        table
            .numeric()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .collect()
    } else {
        columns
            .iter()
            .map(|name| {
                let column = table
                    .column(name)
                    .ok_or_else(|| format!("there is no column {name:?}"))?;
                column
                    .as_f64()
                    .map(|v| (name.clone(), v))
                    .ok_or_else(|| format!("column {name:?} is not numeric"))
            })
            .collect::<Result<_, String>>()?
    };
    if chosen.is_empty() {
        return Err("clustering needs at least one numeric column, and the data has none".into());
    }
    let k = options.clusters;
    if k < 1 || k as u64 > MAX_CLUSTERS {
        return Err(format!("n_clusters must be from 1 to {MAX_CLUSTERS}"));
    }
    let values: Vec<Cow<'_, [f64]>> = chosen.iter().map(|(_, v)| Cow::Borrowed(&**v)).collect();
    let x = standardize(&values);
    if x.rows < k {
        return Err(format!(
            "clustering into {k} clusters needs at least {k} complete rows; there are {}",
            x.rows
        ));
    }
    // sklearn's tolerance: relative to the mean variance of the features, which once
    // standardized is 1 for a column that varies and 0 for a constant one.
    let varying = x
        .scale
        .iter()
        .zip(&x.mean)
        .filter(|(s, _)| **s != 1.0)
        .count();
    let variance = if varying == x.dims {
        1.0
    } else {
        x.data
            .chunks_exact(x.dims)
            .map(|p| p.iter().map(|v| v * v).sum::<f64>())
            .sum::<f64>()
            / (x.rows * x.dims) as f64
    };
    let threshold = options.tolerance * variance;
    // Each restart gets its own seed drawn up front, so the restarts run on all cores and
    // the answer still depends on the seed alone.
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let seeds: Vec<u64> = (0..options.restarts.max(1)).map(|_| rng.u64(..)).collect();
    // The lowest inertia wins, ties to the earlier restart. Each thread keeps only its best
    // run so far: one set of labels per thread in memory, not one per restart.
    let groups: Vec<&[u64]> = seeds
        .chunks(seeds.len().div_ceil(parallel::threads()))
        .collect();
    let lower = |best: Run, run: Run| {
        if run.beats(&best) { run } else { best }
    };
    let settings = (k, options, threshold);
    let runs = parallel::map(&groups, |group| {
        parallel::vectorized(
            #[inline(always)]
            || match x.dims {
                8 => best_run::<8>(&x, settings, group),
                _ => best_run::<0>(&x, settings, group),
            },
        )
    });
    if interrupt::requested() {
        return Err(interrupt::STOPPED.into());
    }
    let Run {
        centres,
        labels,
        inertia,
        iterations,
    } = runs.into_iter().flatten().reduce(lower).unwrap_or_default();
    let mut sizes = vec![0u64; k];
    labels.iter().for_each(|&l| sizes[l as usize] += 1);
    let centroids = centres
        .chunks_exact(x.dims)
        .map(|c| {
            c.iter()
                .enumerate()
                .map(|(d, v)| v * x.scale[d] + x.mean[d])
                .collect()
        })
        .collect();
    let silhouette = silhouette(&x, &labels, k, options.silhouette_sample, &mut rng);
    let pca = pca(&x);
    let sample = sample(x.rows, MAX_POINTS)
        .map(|i| {
            (
                project(&pca, &x.data[i * x.dims..(i + 1) * x.dims]),
                u32::from(labels[i]),
            )
        })
        .collect();
    Ok(Clustering {
        columns: chosen.into_iter().map(|(n, _)| n).collect(),
        rows_used: x.rows as u64,
        clusters: k,
        sizes,
        centroids,
        inertia,
        silhouette,
        iterations,
        pca,
        sample,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::table::Column;

    /// Three planted blobs of 200, 300 and 500 points in 3 dimensions.
    fn blobs() -> Table {
        let mut rng = fastrand::Rng::with_seed(7);
        let centres = [
            (0.0, 0.0, 0.0, 200),
            (20.0, 20.0, 0.0, 300),
            (-20.0, 10.0, 30.0, 500),
        ];
        let mut columns = vec![Vec::new(), Vec::new(), Vec::new()];
        for (cx, cy, cz, n) in centres {
            for _ in 0..n {
                columns[0].push(cx + rng.f64() * 2.0 - 1.0);
                columns[1].push(cy + rng.f64() * 2.0 - 1.0);
                columns[2].push(cz + rng.f64() * 2.0 - 1.0);
            }
        }
        Table {
            names: vec!["x".into(), "y".into(), "z".into()],
            columns: columns.into_iter().map(Column::Float).collect(),
        }
    }

    #[test]
    fn a_cancelled_clustering_stops_and_says_so() {
        let stop = crate::interrupt::StopFlag::default();
        stop.raise();
        let done = crate::interrupt::watching(Some(stop), || {
            cluster(&blobs(), &[], &ClusterOptions::default())
        });
        assert_eq!(done.err().as_deref(), Some(crate::interrupt::STOPPED));
    }

    #[test]
    fn finds_planted_clusters() {
        let result = cluster(&blobs(), &[], &ClusterOptions::default()).unwrap();
        let mut sizes = result.sizes.clone();
        sizes.sort_unstable();
        assert_eq!(sizes, [200, 300, 500]);
        assert!(result.silhouette.unwrap() > 0.9);
        let near_origin = result
            .centroids
            .iter()
            .filter(|c| c.iter().all(|v| v.abs() < 1.0))
            .count();
        assert_eq!(
            near_origin, 1,
            "a centroid in original units sits on the planted centre"
        );
        assert_eq!(result.pca.components.len(), 2);
        let explained: f64 = result.pca.explained_variance_ratio.iter().sum();
        assert!(explained > 0.9 && explained <= 1.0 + 1e-12);
        assert_eq!(result.sample.len(), 1000);
        // Reproducible: the same seed, the same answer.
        let again = cluster(&blobs(), &[], &ClusterOptions::default()).unwrap();
        assert_eq!(again.sample, result.sample);
        assert_eq!((again.sizes, again.inertia), (result.sizes, result.inertia));
    }

    #[test]
    fn sums_from_the_first_changed_label_on_match_a_full_pass() {
        let mut rng = fastrand::Rng::with_seed(3);
        let x = Scaled {
            data: (0..400).map(|_| rng.f64() * 10.0).collect(),
            rows: 100,
            dims: 4,
            mean: vec![0.0; 4],
            scale: vec![1.0; 4],
        };
        let centres = [1.0, 1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0, 9.0, 9.0, 9.0, 9.0];
        let mut labels = vec![UNASSIGNED; 100];
        let fresh = assign::<0>(&x, &centres, 3, &mut labels);
        assert!(fresh.changed);
        // The same labels but one from row 40 on: the sums are caught up from row 0.
        let mut later = labels.clone();
        later[40] = (later[40] + 1) % 3;
        let found = assign::<4>(&x, &centres, 3, &mut later);
        assert!(found.changed && later == labels);
        assert_eq!(found.sums, fresh.sums);
        assert_eq!((found.counts, found.within), (fresh.counts, fresh.within));
        // Nothing changed: no sums needed.
        assert!(!assign::<0>(&x, &centres, 3, &mut labels).changed);
    }

    /// Random blobs, overlapping or apart, and random centres: whenever a pass says its
    /// labels stand against the moved centres, a real pass against them keeps every label
    /// and measures the inertia `inertia_after` computed.
    #[test]
    fn labels_that_stand_are_what_a_pass_finds() {
        let mut rng = fastrand::Rng::with_seed(5);
        let (mut stood, mut fell) = (0, 0);
        for case in 0..400 {
            let (dims, k, rows) = (1 + case % 5, 1 + case % 4, 50 + rng.usize(..200));
            let spread = [0.05, 0.5, 3.0][case % 3];
            let blobs: Vec<f64> = (0..k * dims).map(|_| rng.f64() * 10.0).collect();
            let data: Vec<f64> = (0..rows * dims)
                .map(|i| blobs[(i / dims % k) * dims + i % dims] + (rng.f64() - 0.5) * spread)
                .collect();
            let x = Scaled {
                data,
                rows,
                dims,
                mean: vec![0.0; dims],
                scale: vec![1.0; dims],
            };
            let mut centres: Vec<f64> = (0..k * dims).map(|_| rng.f64() * 10.0).collect();
            let mut labels = vec![UNASSIGNED; rows];
            for _ in 0..6 {
                let found = assign::<0>(&x, &centres, k, &mut labels);
                if !found.changed || found.counts.contains(&0) {
                    break;
                }
                let mut shifts = vec![0.0; k];
                for c in 0..k {
                    let old = &mut centres[c * dims..(c + 1) * dims];
                    let sums = &found.sums[c * dims..(c + 1) * dims];
                    let new: Vec<f64> = sums.iter().map(|s| s / found.counts[c] as f64).collect();
                    shifts[c] = distance2(old, &new);
                    old.copy_from_slice(&new);
                }
                let stands = found.labels_stand(&shifts);
                let before = labels.clone();
                let again = assign::<0>(&x, &centres, k, &mut labels);
                if stands {
                    stood += 1;
                    assert!(!again.changed && labels == before, "case {case}");
                    let off = (found.inertia_after(&shifts) - again.inertia()).abs();
                    assert!(off <= 1e-9 * again.inertia().max(1.0), "case {case}: {off}");
                } else {
                    fell += 1;
                }
            }
        }
        // Both outcomes were tried.
        assert!(stood > 100 && fell > 100, "{stood} stood, {fell} fell");
    }

    /// A centre that moves towards another's points can take one of them: the bound counts
    /// the other centres' moves, not only a centre's own.
    #[test]
    fn a_neighbour_moving_closer_can_take_a_point() {
        let x = Scaled {
            data: vec![-2.2, -2.2, 4.4, 7.5, 7.5, 30.0],
            rows: 6,
            dims: 1,
            mean: vec![0.0],
            scale: vec![1.0],
        };
        let mut labels = vec![UNASSIGNED; 6];
        let found = assign::<0>(&x, &[0.0, 10.0, 30.0], 3, &mut labels);
        assert_eq!(labels, [0, 0, 0, 1, 1, 2]);
        // The means are 0, 7.5 and 30: the middle centre moved by 2.5, past 4.4's gap of 1.2.
        assert!(!found.labels_stand(&[0.0, 2.5 * 2.5, 0.0]));
        assert!(assign::<0>(&x, &[0.0, 7.5, 30.0], 3, &mut labels).changed);
        assert_eq!(labels, [0, 0, 1, 1, 1, 2]);
    }

    /// Points that coincide: the inertia after the move stays at 0 where rounding would take
    /// it below (six points at 0.1 seen from 0.3 give -1.1e-16 unclamped).
    #[test]
    fn coinciding_points_have_no_negative_inertia() {
        let x = Scaled {
            data: [[0.1; 6].as_slice(), &[5.0; 4]].concat(),
            rows: 10,
            dims: 1,
            mean: vec![0.0],
            scale: vec![1.0],
        };
        let old = [0.3, 5.0];
        let mut labels = vec![UNASSIGNED; 10];
        let found = assign::<0>(&x, &old, 2, &mut labels);
        let shifts: Vec<f64> = (0..2)
            .map(|c| distance2(&[old[c]], &[found.sums[c] / found.counts[c] as f64]))
            .collect();
        assert!(found.labels_stand(&shifts));
        let inertia = found.inertia_after(&shifts);
        assert!((0.0..1e-20).contains(&inertia), "{inertia}");
    }

    /// Distances that overflowed to infinity give NaN gaps: the bound then fails.
    #[test]
    fn overflowed_distances_never_let_labels_stand() {
        let x = Scaled {
            data: vec![1e300, -1e300, 2.0],
            rows: 3,
            dims: 1,
            mean: vec![0.0],
            scale: vec![1.0],
        };
        let mut labels = vec![UNASSIGNED; 3];
        let found = assign::<0>(&x, &[-1e300, 1e300], 2, &mut labels);
        assert!(!found.labels_stand(&[0.0, 0.0]));
    }

    #[test]
    fn silhouette_by_hand() {
        // 1-D points 0, 1 | 10, 11: a = 1 for each; b = 10.5, 9.5, 9.5, 10.5.
        let x = Scaled {
            data: vec![0.0, 1.0, 10.0, 11.0],
            rows: 4,
            dims: 1,
            mean: vec![0.0],
            scale: vec![1.0],
        };
        let mut rng = fastrand::Rng::with_seed(1);
        let s = silhouette(&x, &[0, 0, 1, 1], 2, 10, &mut rng).unwrap();
        let expected = (2.0 * (9.5 / 10.5) + 2.0 * (8.5 / 9.5)) / 4.0;
        assert!((s - expected).abs() < 1e-12, "{s} != {expected}");
    }

    #[test]
    fn clear_errors() {
        let text = Table {
            names: vec!["t".into()],
            columns: vec![Column::Text([Some("a")].into_iter().collect())],
        };
        assert!(
            cluster(&text, &[], &ClusterOptions::default())
                .unwrap_err()
                .contains("at least one numeric column")
        );
        assert!(
            cluster(&blobs(), &["w".into()], &ClusterOptions::default())
                .unwrap_err()
                .contains("no column \"w\"")
        );
        let many = ClusterOptions {
            clusters: MAX_CLUSTERS as usize + 1,
            ..ClusterOptions::default()
        };
        assert!(
            cluster(&blobs(), &[], &many)
                .unwrap_err()
                .contains("n_clusters must be from 1 to 100")
        );
        let tiny = Table {
            names: vec!["x".into()],
            columns: vec![Column::Float(vec![1.0, f64::NAN])],
        };
        assert!(
            cluster(&tiny, &[], &ClusterOptions::default())
                .unwrap_err()
                .contains("at least 3 complete rows")
        );
    }
}
