//! Rust's lists and limits that the Python package repeats or checks itself against: the
//! memory kinds and limits (`stores.py`), and the workflows' request and result schemas
//! (the tests compare the dataclasses with them).

use pyo3::prelude::*;

use super::plain_values::{Plain, plain};
use crate::domain::memory::{extract, request, rules};
use crate::domain::precheck;
use crate::store::memories;
use crate::wire::memory::MemoryKind;
use crate::wire::types::schemas;

/// The workflow request and result schemas: (type name, required fields, defaults by field).
#[pyfunction]
pub fn workflow_schemas(py: Python<'_>) -> PyResult<Vec<(String, Vec<String>, Plain)>> {
    schemas()
        .into_iter()
        .map(|(name, required, fields)| {
            Ok((
                name.to_owned(),
                required.into_iter().map(str::to_owned).collect(),
                plain(py, &fields)?,
            ))
        })
        .collect()
}

/// The memory kinds, in their order.
#[pyfunction]
pub fn memory_kinds() -> Vec<&'static str> {
    MemoryKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// The limits of MemoryExpansionWorkflow and the memory store, by name.
#[pyfunction]
pub fn memory_limits() -> Vec<(&'static str, u64)> {
    vec![
        ("max_messages", request::MAX_MESSAGES as u64),
        ("max_messages_bytes", request::MAX_MESSAGES_BYTES as u64),
        ("max_id_chars", request::MAX_ID_CHARS as u64),
        (
            "min_substantive_chars",
            extract::MIN_SUBSTANTIVE_CHARS as u64,
        ),
        ("max_keywords", extract::MAX_KEYWORDS as u64),
        ("max_text_chars", rules::MAX_TEXT_CHARS as u64),
        ("max_search_limit", u64::from(memories::MAX_SEARCH_LIMIT)),
        ("max_query_chars", memories::MAX_QUERY_CHARS as u64),
        ("max_ranked", memories::MAX_RANKED as u64),
    ]
}

/// The first problem the workflow `workflow_type` would find in `request` (JSON text) before
/// doing any work, or None: the CLI refuses such a request instead of starting it.
#[pyfunction]
pub fn request_problem(workflow_type: &str, request: &str) -> Option<String> {
    match serde_json::from_str(request) {
        Ok(value) => precheck::problem(workflow_type, value),
        Err(e) => Some(format!("the request is not JSON: {e}")),
    }
}
