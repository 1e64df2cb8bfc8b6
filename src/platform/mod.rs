//! What differs between Linux, macOS and Windows: each function here has a real
//! equivalent on every platform (or, for a speed-up, a plain fallback), so the rest of the
//! crate is portable. docs/ARCHITECTURE.md ("Platforms") lists them and how each is tested.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// The name of the `temporal` CLI's executable.
pub const TEMPORAL_EXECUTABLE: &str = if cfg!(windows) {
    "temporal.exe"
} else {
    "temporal"
};
