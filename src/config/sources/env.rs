//! Settings from environment variables: the process environment, or the variables of a
//! `.env.temporal` file (see `env_file`), by our names and the official Temporal aliases.

use std::collections::BTreeMap;

use super::Setting;
use crate::config::error::ConfigProblem;
use crate::config::fields::{FieldSpec, OTHER_KNOWN_VARIABLES, spec_for_variable};
use crate::config::origin::Origin;
use crate::config::value::shown;

/// One variable as found, with where it was found.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value: String,
    pub origin: Origin,
}

/// Our variables from the process environment (names compared case-insensitively). One of
/// ours whose value is not UTF-8 is a problem, not passed over: it may be a mangled key.
pub fn from_process() -> (Vec<Variable>, Vec<ConfigProblem>) {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Ok(name) = name.into_string() else {
            continue;
        };
        match value.into_string() {
            Ok(value) => pairs.push((name, value)),
            Err(_) if is_ours(&name) => problems.push(not_utf8(&name)),
            Err(_) => {}
        }
    }
    (from_pairs(pairs), problems)
}

fn not_utf8(name: &str) -> ConfigProblem {
    let name = name.to_ascii_uppercase();
    ConfigProblem::new(
        spec_for_variable(&name).map(|s| s.name),
        None,
        format!("environment variable {name} is not valid UTF-8 (the value is not shown)"),
    )
}

/// Our variables from `(name, value)` pairs standing for an environment.
pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<Variable> {
    pairs
        .into_iter()
        .filter(|(name, _)| is_ours(name))
        .map(|(name, value)| {
            let name = name.to_ascii_uppercase();
            Variable {
                origin: Origin::Environment {
                    variable: name.clone(),
                },
                name,
                value,
            }
        })
        .collect()
}

/// True for a variable that sets one of our settings or steers where they are read from.
pub fn is_ours(name: &str) -> bool {
    spec_for_variable(name).is_some()
        || OTHER_KNOWN_VARIABLES
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
}

/// The value of a steering variable (`TEMPORAL_PROFILE`, ...), the last one found winning.
pub fn lookup<'a>(variables: &'a [Variable], name: &str) -> Option<&'a Variable> {
    variables
        .iter()
        .rev()
        .find(|v| v.name.eq_ignore_ascii_case(name))
}

/// The settings these variables give, one per setting. A setting named twice with different
/// values (`TEMPORAL_HOST` and `TEMPORAL_ADDRESS`, say) is a problem naming both.
pub fn settings(variables: &[Variable]) -> (Vec<Setting>, Vec<ConfigProblem>) {
    let mut chosen: BTreeMap<&'static str, (&'static FieldSpec, &Variable)> = BTreeMap::new();
    let mut problems = Vec::new();
    for variable in variables {
        let Some(spec) = spec_for_variable(&variable.name) else {
            continue;
        };
        match chosen.get(spec.name) {
            Some((_, earlier))
                if earlier.name != variable.name
                    && earlier.value.trim() != variable.value.trim() =>
            {
                problems.push(ConfigProblem::new(
                    Some(spec.name),
                    Some(&variable.origin),
                    format!(
                        "{} ({}) and {} ({}) both set {} and disagree: {} vs {}; set only one of them",
                        earlier.name,
                        earlier.origin,
                        variable.name,
                        variable.origin,
                        spec.name,
                        shown(spec, &earlier.value),
                        shown(spec, &variable.value),
                    ),
                ));
            }
            _ => {
                chosen.insert(spec.name, (spec, variable));
            }
        }
    }
    let settings = chosen
        .into_values()
        .map(|(spec, v)| Setting {
            spec,
            raw: v.value.clone(),
            origin: v.origin.clone(),
        })
        .collect();
    (settings, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<Variable> {
        from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn aliases_and_foreign_variables() {
        let (settings, problems) = settings(&vars(&[
            ("TEMPORAL_ADDRESS", "h:1"),
            ("PATH", "/bin"),
            ("TEMPORAL_X", "1"),
        ]));
        assert!(problems.is_empty());
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].spec.name, "host");
    }

    #[test]
    fn disagreeing_aliases_name_both() {
        let (_, problems) = settings(&vars(&[
            ("TEMPORAL_HOST", "a:1"),
            ("TEMPORAL_ADDRESS", "b:1"),
        ]));
        let text = problems[0].to_string();
        assert!(
            text.contains("TEMPORAL_HOST") && text.contains("TEMPORAL_ADDRESS"),
            "{text}"
        );
        let (_, problems) = settings(&vars(&[
            ("TEMPORAL_HOST", "a:1"),
            ("TEMPORAL_ADDRESS", "a:1"),
        ]));
        assert!(problems.is_empty());
    }

    #[test]
    fn secret_aliases_do_not_leak() {
        let (_, problems) = settings(&vars(&[
            ("TEMPORAL_API_KEY", "sk-one"),
            ("TEMPORAL_CLOUD_API_KEY", "sk-two"),
        ]));
        let text = problems[0].to_string();
        assert!(
            !text.contains("sk-one") && !text.contains("sk-two"),
            "{text}"
        );
    }
}
