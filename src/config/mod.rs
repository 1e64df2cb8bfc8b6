//! `TemporalConfig`: every setting of the integration, loaded from arguments, the process
//! environment, `.env.temporal`, a `temporal.toml` profile and the defaults, in that order
//! of precedence, and checked so that each problem names the setting, its source and what
//! is allowed.

pub mod address;
pub mod error;
pub mod fields;
mod load;
pub mod origin;
mod secret_form;
mod sources;
pub mod store_url;
mod validate;
pub mod value;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

pub use error::{ConfigError, ConfigProblem};
pub use fields::{FIELDS, FieldKind, FieldSpec};
pub use load::LoadOptions;
pub use origin::Origin;
pub use value::Value;

/// What `to_map` shows for a secret that is set.
pub const REDACTED: &str = "**********";

/// One field per setting of the list in `fields::with_settings!`, of the type it gives
/// there; `store_url` is the setting as written (it may hold a password): see
/// `store_url()`.
macro_rules! config_struct {
    ($($name:ident: $ty:ty => $entry:tt)*) => {
        #[derive(Clone, Default)]
        pub struct TemporalConfig {
            $(pub $name: $ty,)*
            origins: BTreeMap<&'static str, Origin>,
        }

        /// Reading and writing a field by name, for the loader, `to_map` and the bindings.
        impl TemporalConfig {
            /// The value of the setting called `name`, secrets included.
            pub fn value(&self, name: &str) -> Option<Value> {
                match name {
                    $(stringify!($name) => Some(self.$name.to_value()),)*
                    _ => None,
                }
            }

            fn assign(&mut self, name: &str, value: Value) -> bool {
                match name {
                    $(stringify!($name) => { self.$name = FieldValue::from_value(value); true })*
                    _ => false,
                }
            }
        }
    };
}

fields::with_settings!(config_struct);

/// Conversion between a field's Rust type and the generic `Value`.
trait FieldValue: Sized {
    fn to_value(&self) -> Value;
    fn from_value(value: Value) -> Self;
}

impl FieldValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn from_value(value: Value) -> Self {
        match value {
            Value::Text(text) => text,
            _ => String::new(),
        }
    }
}

impl FieldValue for PathBuf {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string_lossy().into_owned())
    }
    fn from_value(value: Value) -> Self {
        PathBuf::from(String::from_value(value))
    }
}

impl FieldValue for u64 {
    fn to_value(&self) -> Value {
        Value::Count(*self)
    }
    fn from_value(value: Value) -> Self {
        match value {
            Value::Count(n) => n,
            _ => 0,
        }
    }
}

impl FieldValue for f64 {
    fn to_value(&self) -> Value {
        Value::Decimal(*self)
    }
    fn from_value(value: Value) -> Self {
        match value {
            Value::Decimal(x) => x,
            _ => 0.0,
        }
    }
}

impl FieldValue for bool {
    fn to_value(&self) -> Value {
        Value::Flag(*self)
    }
    fn from_value(value: Value) -> Self {
        matches!(value, Value::Flag(true))
    }
}

impl<T: FieldValue> FieldValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Unset, T::to_value)
    }
    fn from_value(value: Value) -> Self {
        match value {
            Value::Unset => None,
            value => Some(T::from_value(value)),
        }
    }
}

impl TemporalConfig {
    /// Loads and checks the configuration from every source.
    pub fn load(options: &LoadOptions) -> Result<Self, ConfigError> {
        load::load(options)
    }

    /// The defaults alone, nothing read from the environment or files.
    pub fn defaults() -> Self {
        let mut config = TemporalConfig::default();
        for spec in FIELDS {
            let value = match spec.default {
                Some(text) => value::parse(spec, text, &Origin::Default).unwrap_or(Value::Unset),
                None => Value::Unset,
            };
            config.assign(spec.name, value);
            config.origins.insert(spec.name, Origin::Default);
        }
        config
    }

    /// Where the setting's value came from.
    pub fn origin(&self, name: &str) -> Option<&Origin> {
        self.origins.get(name)
    }

    /// True when a Temporal Cloud namespace is set.
    pub fn is_cloud(&self) -> bool {
        self.cloud_namespace
            .as_deref()
            .is_some_and(|ns| !ns.is_empty())
    }

    /// One line for logs: where this configuration connects.
    pub fn connection_string(&self) -> String {
        match &self.cloud_namespace {
            Some(ns) if self.is_cloud() => format!("Temporal Cloud: {ns}"),
            _ => format!("Temporal Server: {}", self.host),
        }
    }

    /// The `host:port` a client connects to: the host setting, or for a cloud namespace
    /// without an explicit host its Temporal Cloud address `<namespace>.tmprl.cloud:7233`.
    pub fn target_address(&self) -> String {
        match &self.cloud_namespace {
            Some(ns)
                if self.is_cloud() && self.origin("host").is_some_and(|o| o.precedence() == 0) =>
            {
                address::cloud_address(ns)
            }
            _ => self.host.clone(),
        }
    }

    /// The folders `analysis_allowed_roots` names (separated as in PATH).
    /// Where images and analysis output go: `artifacts_dir`, else the data dir.
    pub fn artifacts(&self) -> PathBuf {
        self.artifacts_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.clone())
    }

    pub fn analysis_roots(&self) -> Vec<PathBuf> {
        self.analysis_allowed_roots
            .iter()
            .flat_map(std::env::split_paths)
            .collect()
    }

    /// Whether connections use TLS: as `tls` says, or else when anything TLS-related,
    /// an API key or a cloud namespace is set (as the official tools decide).
    pub fn tls_enabled(&self) -> bool {
        self.tls.unwrap_or_else(|| {
            self.is_cloud()
                || self.cloud_api_key.is_some()
                || self.has_client_cert()
                || self.has_client_key()
                || self.tls_server_ca_cert_path.is_some()
                || self.tls_server_ca_cert_data.is_some()
                || self.tls_server_name.is_some()
        })
    }

    fn has_client_cert(&self) -> bool {
        self.cloud_cert_path.is_some() || self.tls_client_cert_data.is_some()
    }

    fn has_client_key(&self) -> bool {
        self.cloud_key_path.is_some() || self.tls_client_key_data.is_some()
    }

    /// Every setting by name in table order, secrets replaced by `REDACTED` when set.
    pub fn to_map(&self) -> Vec<(&'static str, Value)> {
        FIELDS
            .iter()
            .map(|spec| {
                let value = self.value(spec.name).unwrap_or(Value::Unset);
                let value = match value {
                    Value::Unset => Value::Unset,
                    _ if spec.secret => Value::Text(REDACTED.to_owned()),
                    Value::Text(url) if spec.kind == FieldKind::StoreUrl => {
                        Value::Text(store_url::redacted(&url))
                    }
                    value => value,
                };
                (spec.name, value)
            })
            .collect()
    }
}

/// Redacted, one `name=value` per setting: safe for logs.
impl fmt::Debug for TemporalConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TemporalConfig");
        for (name, value) in self.to_map() {
            match value {
                Value::Unset => s.field(name, &None::<()>),
                Value::Text(t) => s.field(name, &t),
                Value::Count(n) => s.field(name, &n),
                Value::Decimal(x) => s.field(name, &x),
                Value::Flag(b) => s.field(name, &b),
            };
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_original_integration() {
        let c = TemporalConfig::defaults();
        assert_eq!(c.host, "localhost:7233");
        assert_eq!(c.namespace, "default");
        assert_eq!(c.task_queue, "project-ai-tasks");
        assert_eq!(c.worker_identity, "project-ai-worker");
        assert_eq!(
            (c.max_concurrent_activities, c.max_concurrent_workflows),
            (50, 50)
        );
        assert_eq!(
            (
                c.workflow_execution_timeout,
                c.workflow_run_timeout,
                c.activity_start_to_close_timeout
            ),
            (3600, 1800, 300)
        );
        assert_eq!(
            (
                c.max_retry_attempts,
                c.initial_retry_interval,
                c.max_retry_interval
            ),
            (3, 1, 30)
        );
        assert_eq!((c.connect_timeout, c.graceful_shutdown_timeout), (10, 30));
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.log_level, "INFO");
        assert!(c.cloud_api_key.is_none() && !c.is_cloud() && !c.tls_enabled());
        assert_eq!(c.connection_string(), "Temporal Server: localhost:7233");
    }

    #[test]
    fn every_field_in_the_table_has_a_struct_field() {
        let mut c = TemporalConfig::defaults();
        for spec in FIELDS {
            let value = c
                .value(spec.name)
                .unwrap_or_else(|| panic!("no field {}", spec.name));
            assert!(c.assign(spec.name, value.clone()));
            assert_eq!(c.value(spec.name), Some(value));
            if let Some(default) = spec.default {
                assert!(
                    value::parse(spec, default, &Origin::Default).is_ok(),
                    "bad default for {}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn secrets_never_show() {
        let mut c = TemporalConfig::defaults();
        c.cloud_api_key = Some("sk-very-secret".into());
        c.tls_client_key_data = Some("-----BEGIN PRIVATE KEY-----".into());
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("sk-very-secret") && !shown.contains("PRIVATE"),
            "{shown}"
        );
        assert!(shown.contains(REDACTED));
    }

    /// A field's Rust type holds every value its kind parses to, and no more (an optional
    /// kind needs an `Option`, a required one none; a count a `u64`, ...).
    #[test]
    fn types_match_kinds() {
        let mut c = TemporalConfig::defaults();
        for spec in FIELDS {
            let set = match spec.kind {
                FieldKind::Count { min } => Value::Count(min + 1),
                FieldKind::Decimal => Value::Decimal(0.5),
                FieldKind::Flag | FieldKind::OptionalFlag => Value::Flag(true),
                FieldKind::Choice(words) => Value::Text(words[0].to_owned()),
                _ => Value::Text("x".to_owned()),
            };
            let optional = matches!(
                spec.kind,
                FieldKind::OptionalText
                    | FieldKind::OptionalPath
                    | FieldKind::OptionalFlag
                    | FieldKind::Token
                    | FieldKind::PrivateKeyPem
                    | FieldKind::StoreUrl
            );
            let values = if optional {
                vec![set, Value::Unset]
            } else {
                vec![set]
            };
            for value in values {
                assert!(
                    c.assign(spec.name, value.clone()),
                    "{} has no field",
                    spec.name
                );
                assert_eq!(c.value(spec.name), Some(value), "{}'s type", spec.name);
            }
            if !optional {
                // A required setting's type has no "unset" (an Option would be too wide).
                c.assign(spec.name, Value::Unset);
                assert_ne!(
                    c.value(spec.name),
                    Some(Value::Unset),
                    "{}'s type",
                    spec.name
                );
            }
        }
    }
}
