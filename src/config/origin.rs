//! Where a setting's value came from, so that every error can point at it.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// Given to the constructor, `TemporalConfig(host=...)`.
    Argument,
    /// The process environment.
    Environment {
        variable: String,
    },
    /// A line of the `.env.temporal` file.
    EnvFile {
        path: PathBuf,
        line: usize,
        variable: String,
    },
    /// A key of a `temporal.toml` profile.
    ProfileFile {
        path: PathBuf,
        line: usize,
        profile: String,
        key: String,
    },
}

impl Origin {
    /// Lower layers lose to higher ones: arguments > environment > .env.temporal > profile > default.
    pub fn precedence(&self) -> u8 {
        match self {
            Origin::Default => 0,
            Origin::ProfileFile { .. } => 1,
            Origin::EnvFile { .. } => 2,
            Origin::Environment { .. } => 3,
            Origin::Argument => 4,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("the default"),
            Origin::Argument => f.write_str("the constructor argument"),
            Origin::Environment { variable } => write!(f, "environment variable {variable}"),
            Origin::EnvFile {
                path,
                line,
                variable,
            } => {
                write!(f, "{variable} in {} line {line}", path.display())
            }
            Origin::ProfileFile {
                path,
                line,
                profile,
                key,
            } => {
                write!(
                    f,
                    "key {key} of profile '{profile}' in {} line {line}",
                    path.display()
                )
            }
        }
    }
}
