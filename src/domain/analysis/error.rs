//! Why a file did not become a table: one error type for every loader.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

impl From<String> for LoadError {
    fn from(message: String) -> Self {
        LoadError(message)
    }
}
