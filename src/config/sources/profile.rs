//! Settings from a profile of the `temporal.toml` file that the `temporal` CLI and the
//! official SDKs share ("environment configuration"), so users' existing setups work.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Setting, file_text};
use crate::config::error::ConfigProblem;
use crate::config::fields::{FieldKind, FieldSpec, spec_for_profile_key};
use crate::config::origin::Origin;
use crate::config::value::{FLAG_SPELLINGS, parse_flag, shown};

pub const DEFAULT_PROFILE: &str = "default";

/// Where the file is looked for when nothing names it, as the official tools do: the
/// user's configuration folder (`$XDG_CONFIG_HOME` or `~/.config` on Linux,
/// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows), `temporalio/`.
pub fn default_path() -> Option<PathBuf> {
    Some(dirs::config_dir()?.join("temporalio").join("temporal.toml"))
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
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
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
    match file_text::decode(path, bytes) {
        Ok(text) => parse(path, &text, choice),
        Err(problem) => (Vec::new(), vec![problem]),
    }
}

fn parse(path: &Path, text: &str, choice: &ProfileChoice) -> (Vec<Setting>, Vec<ConfigProblem>) {
    let problem = |message: String| (Vec::new(), vec![ConfigProblem::new(None, None, message)]);
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(e) => return problem(syntax_error(path, text, &e)),
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
            line: file_text::line_number(&text.as_bytes()[..value.span().start.min(text.len())]),
            profile: choice.profile.clone(),
            key: key.clone(),
        };
        match raw_text(&key, spec, value.get_ref()) {
            Ok(raw) => settings.push(Setting { spec, raw, origin }),
            Err(message) => {
                problems.push(ConfigProblem::new(Some(spec.name), Some(&origin), message))
            }
        }
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

/// A TOML syntax error as file, line, key and what the parser expected. toml's own
/// rendering quotes the line, which may hold a secret (an unterminated `api_key`, say).
fn syntax_error(path: &Path, text: &str, error: &toml::de::Error) -> String {
    let at = error.span().map_or(0, |span| span.start.min(text.len()));
    let mut line = file_text::line_number(&text.as_bytes()[..at]);
    let lines: Vec<&str> = text.lines().collect();
    let mut key = lines.get(line - 1).and_then(|l| file_text::key_on_line(l));
    // At the very end of the file the error is a value never closed (a multi-line string,
    // an array): it belongs to the last key before it.
    if key.is_none()
        && at >= text.trim_end().len()
        && let Some((index, found)) = lines[..line.min(lines.len())]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, l)| file_text::key_on_line(l).map(|k| (i, k)))
    {
        (line, key) = (index + 1, Some(found));
    }
    format!(
        "{} is not valid TOML: {} (the line is not shown)",
        file_text::place(path, line, key),
        error.message()
    )
}

/// The setting's text from a TOML value: strings for text settings; booleans, or strings
/// that spell one, for flags. `tls.disabled` is the opposite of the `tls` setting.
fn raw_text(key: &str, spec: &FieldSpec, value: &DeValue<'_>) -> Result<String, String> {
    let is_flag = matches!(spec.kind, FieldKind::Flag | FieldKind::OptionalFlag);
    let flag = match value {
        DeValue::String(s) if !is_flag => return Ok(s.to_string()),
        DeValue::String(s) => parse_flag(s).ok_or_else(|| {
            format!(
                "{key} must be {FLAG_SPELLINGS}, as a TOML boolean or a string, got {}",
                shown(spec, s)
            )
        })?,
        DeValue::Boolean(b) if is_flag => *b,
        _ if is_flag => {
            return Err(format!(
                "{key} must be {FLAG_SPELLINGS}, got a TOML {}",
                value.type_str()
            ));
        }
        _ => {
            return Err(format!(
                "{key} must be a string, got a TOML {}",
                value.type_str()
            ));
        }
    };
    let on = if key == "tls.disabled" { !flag } else { flag };
    Ok(on.to_string())
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
            problems[0]
                .to_string()
                .contains("address must be a string, got a TOML integer"),
            "{problems:?}"
        );
    }

    fn tls_of(disabled: &str) -> Result<String, String> {
        let file = format!("[profile.default.tls]\ndisabled = {disabled}\n");
        let (settings, problems) = parse(Path::new("t.toml"), &file, &choice("default", false));
        match (settings.as_slice(), problems.as_slice()) {
            ([setting], []) => Ok(setting.raw.clone()),
            (_, [problem]) => Err(problem.to_string()),
            _ => panic!("{settings:?} {problems:?}"),
        }
    }

    #[test]
    fn disabled_as_a_string_is_read_as_the_boolean_it_spells() {
        for (written, tls) in [
            ("false", "true"),
            ("true", "false"),
            ("\"false\"", "true"),
            ("\"true\"", "false"),
            ("\"0\"", "true"),
            ("\"no\"", "true"),
            ("\"Yes\"", "false"),
            ("'off'", "true"),
        ] {
            assert_eq!(tls_of(written).as_deref(), Ok(tls), "disabled = {written}");
        }
        for written in ["\"maybe\"", "\"\"", "1", "[true]"] {
            let err = tls_of(written).unwrap_err();
            assert!(
                err.contains("tls.disabled must be true or false (also 1/0, yes/no, on/off)"),
                "{written}: {err}"
            );
        }
    }

    #[test]
    fn syntax_errors_name_line_and_key_never_the_line() {
        const SECRET: &str = "sk-Qm7vX2pL9wR4";
        for (file, line, key) in [
            (
                format!("[profile.default]\napi_key = \"{SECRET}\n"),
                2,
                "api_key",
            ),
            (
                format!("[profile.default]\napi_key = '{SECRET}\n"),
                2,
                "api_key",
            ),
            (
                format!("[profile.default]\napi_key = \"{SECRET}\\q\"\n"),
                2,
                "api_key",
            ),
            (
                format!("[profile.default]\napi_key = \"{SECRET}\"x\"\n"),
                2,
                "api_key",
            ),
            (
                format!("[profile.default]\napi_key = \"a\"\napi_key = \"{SECRET}\"\n"),
                3,
                "api_key",
            ),
            (
                format!("[profile.default.tls]\nclient_key_data = \"\"\"{SECRET}\n"),
                2,
                "client_key_data",
            ),
        ] {
            let (_, problems) = parse(Path::new("t.toml"), &file, &choice("default", false));
            let text = problems[0].to_string();
            assert!(
                text.starts_with(&format!("t.toml line {line} ({key}) is not valid TOML: ")),
                "{file}: {text}"
            );
            for i in 0..SECRET.len() - 5 {
                assert!(!text.contains(&SECRET[i..i + 6]), "{text}");
            }
        }
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_not_shown() {
        let (_, problems) = parse(
            Path::new("t.toml"),
            "[profile.default]\napi_key = 1234567890123\n",
            &choice("default", false),
        );
        let text = problems[0].to_string();
        assert!(
            text.contains("api_key must be a string, got a TOML integer"),
            "{text}"
        );
        assert!(!text.contains("123456"), "{text}");
    }
}
