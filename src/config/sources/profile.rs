//! Settings from a profile of the `temporal.toml` file that the `temporal` CLI and the
//! official SDKs share ("environment configuration"), so users' existing setups work.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Setting;
use crate::config::error::ConfigProblem;
use crate::config::fields::spec_for_profile_key;
use crate::config::origin::Origin;

pub const DEFAULT_PROFILE: &str = "default";

/// Where the file is looked for when nothing names it, as the official tools do.
pub fn default_path() -> Option<PathBuf> {
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(config_home.join("temporalio").join("temporal.toml"))
}

/// Which file and profile to read, and whether the user asked for them by name: what was
/// asked for must exist, the defaults may be absent.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    pub path: Option<PathBuf>,
    pub path_named: Option<Origin>,
    pub profile: String,
    pub profile_named: Option<Origin>,
}

/// The settings of the chosen profile.
pub fn read(choice: &ProfileChoice) -> (Vec<Setting>, Vec<ConfigProblem>) {
    let Some(path) = &choice.path else {
        return (Vec::new(), Vec::new());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && choice.path_named.is_none() => {
            return (Vec::new(), Vec::new());
        }
        Err(e) => {
            let message = format!(
                "cannot read the Temporal config file {}: {e}",
                path.display()
            );
            return (
                Vec::new(),
                vec![ConfigProblem::new(
                    None,
                    choice.path_named.as_ref(),
                    message,
                )],
            );
        }
    };
    parse(path, &text, choice)
}

fn parse(path: &Path, text: &str, choice: &ProfileChoice) -> (Vec<Setting>, Vec<ConfigProblem>) {
    let problem = |message: String| (Vec::new(), vec![ConfigProblem::new(None, None, message)]);
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(e) => return problem(format!("{} is not valid TOML: {e}", path.display())),
    };
    let profiles = match document.get_ref().get("profile").map(Spanned::get_ref) {
        Some(DeValue::Table(profiles)) => Some(profiles),
        None => None,
        Some(_) => {
            return problem(format!(
                "{}: `profile` must be a table of profiles",
                path.display()
            ));
        }
    };
    let Some(DeValue::Table(profile)) = profiles
        .and_then(|p| p.get(choice.profile.as_str()))
        .map(Spanned::get_ref)
    else {
        if choice.profile_named.is_none() {
            return (Vec::new(), Vec::new());
        }
        let mut known: Vec<&str> = profiles
            .map(|p| p.keys().map(|k| k.get_ref().as_ref()).collect())
            .unwrap_or_default();
        known.sort_unstable();
        let known = if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        };
        let message = format!(
            "profile '{}' is not in {}; the profiles there: {known}",
            choice.profile,
            path.display()
        );
        return (
            Vec::new(),
            vec![ConfigProblem::new(
                None,
                choice.profile_named.as_ref(),
                message,
            )],
        );
    };

    let mut settings = Vec::new();
    let mut problems = Vec::new();
    let mut take = |key: String, value: &Spanned<DeValue<'_>>| {
        let Some(spec) = spec_for_profile_key(&key) else {
            return;
        };
        let origin = Origin::ProfileFile {
            path: path.to_owned(),
            line: text[..value.span().start.min(text.len())]
                .matches('\n')
                .count()
                + 1,
            profile: choice.profile.clone(),
            key: key.clone(),
        };
        let raw = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            // The file says `disabled`; the setting says whether TLS is on.
            DeValue::Boolean(b) if key == "tls.disabled" => (!b).to_string(),
            DeValue::Boolean(b) => b.to_string(),
            _ => {
                let wanted = if key.ends_with("disabled") || key.ends_with("verification") {
                    "true or false"
                } else {
                    "a string"
                };
                problems.push(ConfigProblem::new(
                    Some(spec.name),
                    Some(&origin),
                    format!("{key} must be {wanted}"),
                ));
                return;
            }
        };
        settings.push(Setting { spec, raw, origin });
    };
    for (key, value) in profile {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("tls", DeValue::Table(tls)) => {
                for (tls_key, tls_value) in tls {
                    take(format!("tls.{}", tls_key.get_ref()), tls_value);
                }
            }
            (key, _) => take(key.to_owned(), value),
        }
    }
    (settings, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(profile: &str, named: bool) -> ProfileChoice {
        ProfileChoice {
            path: Some(PathBuf::from("temporal.toml")),
            path_named: None,
            profile: profile.to_owned(),
            profile_named: named.then_some(Origin::Environment {
                variable: "TEMPORAL_PROFILE".into(),
            }),
        }
    }

    const FILE: &str = "[profile.default]\naddress = \"a:1\"\n\n[profile.prod]\naddress = \"p:7233\"\napi_key = \"k\"\n[profile.prod.tls]\ndisabled = false\nserver_name = \"srv\"\n";

    #[test]
    fn keys_map_to_settings_with_lines() {
        let (settings, problems) = parse(Path::new("temporal.toml"), FILE, &choice("prod", true));
        assert!(problems.is_empty(), "{problems:?}");
        let find = |name: &str| settings.iter().find(|s| s.spec.name == name).unwrap();
        assert_eq!(find("host").raw, "p:7233");
        assert_eq!(find("tls").raw, "true");
        assert_eq!(
            find("tls_server_name").origin.to_string(),
            "key tls.server_name of profile 'prod' in temporal.toml line 9"
        );
    }

    #[test]
    fn a_named_profile_must_exist() {
        let (_, problems) = parse(Path::new("temporal.toml"), FILE, &choice("staging", true));
        let text = problems[0].to_string();
        assert!(
            text.contains("profile 'staging'") && text.contains("default, prod"),
            "{text}"
        );
        let (settings, problems) =
            parse(Path::new("temporal.toml"), FILE, &choice("staging", false));
        assert!(settings.is_empty() && problems.is_empty());
    }

    #[test]
    fn bad_toml_and_bad_types() {
        let (_, problems) = parse(
            Path::new("t.toml"),
            "[profile.default\n",
            &choice("default", false),
        );
        assert!(problems[0].to_string().contains("not valid TOML"));
        let (_, problems) = parse(
            Path::new("t.toml"),
            "[profile.default]\naddress = 5\n",
            &choice("default", false),
        );
        assert!(
            problems[0].to_string().contains("address must be a string"),
            "{problems:?}"
        );
    }
}
