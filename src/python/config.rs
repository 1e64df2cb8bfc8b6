//! `TemporalConfig` for Python: the Rust configuration, read-only, with the original
//! integration's helpers.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use super::errors::config_error;
use super::runtime::without_gil;
use crate::config::{
    self as core, ConfigError, ConfigProblem, FIELDS, FieldKind, LoadOptions, Value,
};

/// Temporal settings for Project-AI.
///
/// Sources, highest first: constructor arguments, the process environment
/// (``TEMPORAL_<FIELD>`` and the official ``TEMPORAL_ADDRESS``, ``TEMPORAL_API_KEY``,
/// ``TEMPORAL_TLS_*``), the ``.env.temporal`` file, a ``temporal.toml`` profile
/// (``TEMPORAL_CONFIG_FILE``, ``TEMPORAL_PROFILE``), then the defaults. Invalid settings
/// raise ``ConfigError`` naming each problem. Secrets never appear in ``repr``, ``str``
/// or ``to_dict()``.
#[pyclass(frozen, module = "app.temporal._core")]
pub struct TemporalConfig {
    inner: core::TemporalConfig,
}

/// A Python argument as the text an environment variable would hold.
fn argument_text(name: &str, value: &Bound<'_, PyAny>) -> Result<String, ConfigProblem> {
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(flag.is_true().to_string());
    }
    if let Ok(text) = value.cast::<PyString>() {
        // A str from undecodable bytes holds lone surrogates, which UTF-8 cannot carry:
        // refused rather than turned into U+FFFD, and without the text (it may be a key).
        return text.extract::<String>().map_err(|_| {
            ConfigProblem::new(
                Some(name),
                Some(&core::Origin::Argument),
                format!("{name} is not valid Unicode text: it holds lone surrogates, as a str decoded from bytes that are not UTF-8 does (the value is not shown)"),
            )
        });
    }
    let spec = crate::config::fields::spec(name);
    let secret = spec.is_some_and(|s| s.secret);
    let decimal = spec.is_some_and(|s| s.kind == FieldKind::Decimal);
    if (value.is_instance_of::<PyInt>() || (decimal && value.is_instance_of::<PyFloat>()))
        && !secret
    {
        return Ok(value.str().map(|s| s.to_string()).unwrap_or_default());
    }
    // A secret is text only: bytes or a path would be decoded with replacement characters.
    if !secret && let Ok(path) = value.extract::<PathBuf>() {
        return Ok(path.to_string_lossy().into_owned());
    }
    let type_name = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    let wanted = match spec.map(|s| s.kind) {
        Some(FieldKind::Count { .. }) => "an int",
        Some(FieldKind::Decimal) => "a float or an int",
        Some(FieldKind::Flag | FieldKind::OptionalFlag) => "a bool",
        Some(FieldKind::Path | FieldKind::OptionalPath) => "a str or os.PathLike",
        _ => "a str",
    };
    Err(ConfigProblem::new(
        Some(name),
        Some(&core::Origin::Argument),
        format!("{name} must be {wanted}, got {type_name}"),
    ))
}

fn value_to_py<'py>(py: Python<'py>, value: Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Unset => py.None().into_bound(py),
        Value::Text(text) => text.into_pyobject(py)?.into_any(),
        Value::Count(n) => n.into_pyobject(py)?.into_any(),
        Value::Decimal(x) => x.into_pyobject(py)?.into_any(),
        Value::Flag(b) => PyBool::new(py, b).to_owned().into_any(),
    })
}

impl TemporalConfig {
    pub fn core(&self) -> &core::TemporalConfig {
        &self.inner
    }

    fn load(
        py: Python<'_>,
        env_file: Option<PathBuf>,
        config_file: Option<PathBuf>,
        profile: Option<String>,
        given: &[(&str, Option<Bound<'_, PyAny>>)],
    ) -> PyResult<Self> {
        let mut arguments = Vec::new();
        let mut problems = Vec::new();
        for (name, value) in given {
            let Some(value) = value.as_ref().filter(|v| !v.is_none()) else {
                continue;
            };
            match argument_text(name, value) {
                Ok(text) => arguments.push(((*name).to_owned(), text)),
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(config_error(py, &ConfigError { problems }));
        }
        let options = LoadOptions {
            arguments,
            env_file,
            config_file,
            profile,
            environment: None,
        };
        // Reads files: without the GIL, and a panic in the parsers becomes a TemporalError.
        without_gil(py, move || core::TemporalConfig::load(&options))?
            .map(|inner| Self { inner })
            .map_err(|e| config_error(py, &e))
    }
}

#[pymethods]
impl TemporalConfig {
    /// True when a Temporal Cloud namespace is set.
    #[getter]
    fn is_cloud(&self) -> bool {
        self.inner.is_cloud()
    }

    /// Whether connections use TLS (explicitly, or implied by certificates, an API key or a
    /// cloud namespace).
    #[getter]
    fn tls_enabled(&self) -> bool {
        self.inner.tls_enabled()
    }

    /// Where this configuration connects, for logs.
    fn get_connection_string(&self) -> String {
        self.inner.connection_string()
    }

    /// The address and namespace a client with this configuration connects to (a cloud
    /// namespace without an explicit host means its Temporal Cloud address).
    fn connection_target(&self) -> (String, String) {
        let settings = crate::client::ConnectSettings::from_config(&self.inner);
        (settings.address, settings.namespace)
    }

    /// Where a setting's value came from: "the default", "environment variable X", a file
    /// and line, or "the constructor argument".
    fn origin(&self, name: &str) -> PyResult<String> {
        self.inner
            .origin(name)
            .map(ToString::to_string)
            .ok_or_else(|| {
                pyo3::exceptions::PyKeyError::new_err(format!("no setting named {name:?}"))
            })
    }

    /// Every setting by name; secrets that are set show as ``**********``.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in self.inner.to_map() {
            dict.set_item(name, value_to_py(py, value)?)?;
        }
        Ok(dict)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for (name, value) in self.inner.to_map() {
            parts.push(format!("{name}={}", value_to_py(py, value)?.repr()?));
        }
        Ok(format!("TemporalConfig({})", parts.join(", ")))
    }
}

/// The constructor (a keyword argument per setting, None meaning "not given") and a
/// read-only attribute per setting, from the list in `config::fields::with_settings!`.
macro_rules! settings_api {
    ($($name:ident: $ty:ty => $entry:tt)*) => {
        #[pymethods]
        impl TemporalConfig {
            #[new]
            #[pyo3(signature = (
                *, env_file = Some(PathBuf::from(".env.temporal")), config_file = None, profile = None,
                $($name = None),*
            ))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                env_file: Option<PathBuf>,
                config_file: Option<PathBuf>,
                profile: Option<String>,
                $($name: Option<Bound<'_, PyAny>>),*
            ) -> PyResult<Self> {
                Self::load(py, env_file, config_file, profile, &[$((stringify!($name), $name)),*])
            }
            $(
                #[getter]
                fn $name(&self) -> $ty {
                    self.inner.$name.clone()
                }
            )*
        }
    };
}

crate::config::fields::with_settings!(settings_api);

/// The settings table: one dict per setting (name, type, default, env, aliases,
/// profile_key, secret, doc), for documentation and checks.
#[pyfunction]
pub fn config_fields(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    FIELDS
        .iter()
        .map(|f| {
            let d = PyDict::new(py);
            let kind = match f.kind {
                FieldKind::Text => "str",
                FieldKind::OptionalText
                | FieldKind::Token
                | FieldKind::PrivateKeyPem
                | FieldKind::StoreUrl => "str | None",
                FieldKind::Path => "Path",
                FieldKind::OptionalPath => "Path | None",
                FieldKind::Count { .. } => "int",
                FieldKind::Decimal => "float",
                FieldKind::Flag => "bool",
                FieldKind::OptionalFlag => "bool | None",
                FieldKind::Choice(_) => "str",
            };
            d.set_item("name", f.name)?;
            d.set_item("type", kind)?;
            d.set_item("default", f.default)?;
            d.set_item("env", f.env)?;
            d.set_item("aliases", f.aliases.to_vec())?;
            d.set_item("profile_key", f.profile_key)?;
            d.set_item("secret", f.secret)?;
            d.set_item("doc", f.doc)?;
            if let FieldKind::Count { min } = f.kind {
                d.set_item("minimum", min)?;
            }
            if f.kind == FieldKind::Decimal {
                d.set_item("minimum", 0)?;
            }
            if let FieldKind::Choice(choices) = f.kind {
                d.set_item("choices", choices.to_vec())?;
            }
            Ok(d)
        })
        .collect()
}
