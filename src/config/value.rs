//! Turning a setting's text (from the environment, a file or an argument) into a typed value.

use super::error::ConfigProblem;
use super::fields::{FieldKind, FieldSpec};
use super::origin::Origin;
use super::secret_form;
use super::store_url::StoreLocation;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Unset,
    Text(String),
    Count(u64),
    /// A finite number of at least 0.
    Decimal(f64),
    Flag(bool),
}

/// The value as a user would have written it, for messages; secrets are masked.
pub fn shown(spec: &FieldSpec, raw: &str) -> String {
    if spec.secret {
        "'***'".to_owned()
    } else if spec.kind == FieldKind::StoreUrl {
        super::store_url::redacted(raw)
    } else {
        format!("{raw:?}")
    }
}

/// How a flag may be written, for messages.
pub const FLAG_SPELLINGS: &str = "true or false (also 1/0, yes/no, on/off)";

pub fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Parses `raw` as `spec` says, or says what is allowed.
pub fn parse(spec: &FieldSpec, raw: &str, origin: &Origin) -> Result<Value, ConfigProblem> {
    let problem = |message: String| ConfigProblem::new(Some(spec.name), Some(origin), message);
    let trimmed = raw.trim();
    match spec.kind {
        FieldKind::Text | FieldKind::Path if trimmed.is_empty() => {
            Err(problem(format!("{} must not be empty", spec.name)))
        }
        FieldKind::Text | FieldKind::Path => Ok(Value::Text(trimmed.to_owned())),
        FieldKind::OptionalText | FieldKind::OptionalPath if trimmed.is_empty() => Ok(Value::Unset),
        // PEM text keeps its line breaks; only paths and names are trimmed.
        FieldKind::OptionalText if raw.contains('\n') => Ok(Value::Text(raw.to_owned())),
        FieldKind::OptionalText | FieldKind::OptionalPath => Ok(Value::Text(trimmed.to_owned())),
        FieldKind::Count { min } => match trimmed.parse::<u64>() {
            Ok(n) if n >= min => Ok(Value::Count(n)),
            Ok(n) => Err(problem(format!(
                "{} must be at least {min}, got {n}",
                spec.name
            ))),
            Err(_) => Err(problem(format!(
                "{} must be a whole number of at least {min}, got {}",
                spec.name,
                shown(spec, raw)
            ))),
        },
        FieldKind::Decimal => match trimmed.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(Value::Decimal(x)),
            _ => Err(problem(format!(
                "{} must be a decimal number of at least 0 (e.g. 0.8), got {}",
                spec.name,
                shown(spec, raw)
            ))),
        },
        FieldKind::Token | FieldKind::PrivateKeyPem if trimmed.is_empty() => Ok(Value::Unset),
        FieldKind::Token => secret_form::token(trimmed)
            .map(|()| Value::Text(trimmed.to_owned()))
            .map_err(|why| problem(format!("{} {why} (the value is not shown)", spec.name))),
        FieldKind::PrivateKeyPem => secret_form::private_key_pem(trimmed)
            .map(|()| Value::Text(raw.to_owned()))
            .map_err(|why| problem(format!("{} {why} (the value is not shown)", spec.name))),
        FieldKind::StoreUrl if trimmed.is_empty() => Ok(Value::Unset),
        FieldKind::StoreUrl => StoreLocation::parse(Some(trimmed))
            .map(|_| Value::Text(trimmed.to_owned()))
            .map_err(problem),
        FieldKind::OptionalFlag if trimmed.is_empty() => Ok(Value::Unset),
        FieldKind::Flag | FieldKind::OptionalFlag => {
            parse_flag(trimmed).map(Value::Flag).ok_or_else(|| {
                problem(format!(
                    "{} must be {FLAG_SPELLINGS}, got {}",
                    spec.name,
                    shown(spec, raw)
                ))
            })
        }
        FieldKind::Choice(choices) => choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(trimmed))
            .map(|c| Value::Text((*c).to_owned()))
            .ok_or_else(|| {
                problem(format!(
                    "{} must be one of {}, got {}",
                    spec.name,
                    choices.join(", "),
                    shown(spec, raw)
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::fields::spec;

    fn parse_named(name: &str, raw: &str) -> Result<Value, String> {
        parse(spec(name).unwrap(), raw, &Origin::Argument).map_err(|p| p.to_string())
    }

    #[test]
    fn counts() {
        assert_eq!(
            parse_named("max_concurrent_activities", " 7 "),
            Ok(Value::Count(7))
        );
        let err = parse_named("max_concurrent_activities", "0").unwrap_err();
        assert!(err.contains("must be at least 1, got 0"), "{err}");
        let err = parse_named("max_concurrent_activities", "ten").unwrap_err();
        assert!(
            err.contains("whole number of at least 1, got \"ten\""),
            "{err}"
        );
        assert_eq!(
            parse_named("graceful_shutdown_timeout", "0"),
            Ok(Value::Count(0))
        );
    }

    #[test]
    fn flags_and_choices() {
        assert_eq!(parse_named("tls", "Yes"), Ok(Value::Flag(true)));
        assert_eq!(parse_named("tls", ""), Ok(Value::Unset));
        assert!(parse_named("tls_disable_host_verification", "maybe").is_err());
        assert_eq!(
            parse_named("log_level", "debug"),
            Ok(Value::Text("DEBUG".into()))
        );
        let err = parse_named("log_level", "loud").unwrap_err();
        assert!(
            err.contains("TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL"),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_masked_in_messages() {
        assert_eq!(shown(spec("cloud_api_key").unwrap(), "sk-123"), "'***'");
        assert_eq!(shown(spec("host").unwrap(), "h:1"), "\"h:1\"");
    }

    #[test]
    fn pem_text_keeps_its_lines() {
        let pem = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n";
        assert_eq!(
            parse_named("tls_client_cert_data", pem),
            Ok(Value::Text(pem.into()))
        );
    }
}
