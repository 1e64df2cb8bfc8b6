//! Rust records as plain Python values (dict, list, str, int, float, bool, None), built
//! from their serde form: store results and reports cross the boundary as values with
//! named fields, which `app.temporal` turns into its dataclasses, never as JSON text that
//! Python would parse again.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList};
use serde_json::Value;

use super::errors::{ErrorClass, python_error};

/// A record in its serde form, ready to become a Python value.
pub struct Plain(Value);

impl Plain {
    /// `value` in its serde form (an error only for a map with keys that are not text).
    pub fn of<T: serde::Serialize>(value: &T) -> Result<Plain, serde_json::Error> {
        serde_json::to_value(value).map(Plain)
    }
}

/// `value` as a plain Python value; a record without a plain form is a `TemporalError`
/// (a bug of this package).
pub fn plain<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Plain> {
    Plain::of(value).map_err(|e| {
        let message = format!("a result could not be converted for Python: {e}");
        python_error(py, ErrorClass::Temporal, message)
    })
}

impl<'py> IntoPyObject<'py> for Plain {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, self.0)
    }
}

fn to_python(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let items = items
                .into_iter()
                .map(|item| to_python(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(fields) => {
            let dict = PyDict::new(py);
            for (name, item) in fields {
                dict.set_item(name, to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
