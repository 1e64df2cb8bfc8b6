//! Configuration errors: one problem per finding, each naming the setting, where its value
//! came from and what is allowed.

use std::fmt;

use super::origin::Origin;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The setting concerned, when there is one.
    pub field: Option<String>,
    /// Boxed: an origin is large, and problems travel in `Result`s.
    pub origin: Option<Box<Origin>>,
    /// What is wrong and what is allowed. Never contains a secret value.
    pub message: String,
}

impl ConfigProblem {
    pub fn new(field: Option<&str>, origin: Option<&Origin>, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            origin: origin.cloned().map(Box::new),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.origin {
            Some(origin) if **origin != Origin::Default => write!(f, " (from {origin})"),
            _ => Ok(()),
        }
    }
}

/// Every problem found in one load; loading reports them all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl ConfigError {
    pub fn single(problem: ConfigProblem) -> Self {
        Self {
            problems: vec![problem],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid Temporal configuration: {one}"),
            many => {
                write!(
                    f,
                    "invalid Temporal configuration ({} problems):",
                    many.len()
                )?;
                for p in many {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
        }
    }
}
