//! The places settings come from. Each yields raw text per setting with its origin;
//! `crate::config::load` parses them and applies precedence.

mod dotenv;
pub mod env;
pub mod env_file;
mod file_text;
pub mod profile;

use super::fields::FieldSpec;
use super::origin::Origin;

/// One setting's raw text as one source gave it.
#[derive(Debug, Clone)]
pub struct Setting {
    pub spec: &'static FieldSpec,
    pub raw: String,
    pub origin: Origin,
}
