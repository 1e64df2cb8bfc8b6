//! The rows a chart draws of a large column: evenly spaced, at most `MAX_POINTS`.

/// Points drawn at most in a scatter; a larger column is sampled evenly.
pub const MAX_POINTS: usize = 10_000;

/// Evenly spaced indices, at most `limit` of them.
pub fn sample(n: usize, limit: usize) -> impl Iterator<Item = usize> {
    let step = n.div_ceil(limit).max(1);
    (0..n).step_by(step)
}
