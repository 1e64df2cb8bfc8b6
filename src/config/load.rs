//! Gathering the sources and applying precedence:
//! arguments > process environment > `.env.temporal` > `temporal.toml` profile > defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::error::{ConfigError, ConfigProblem};
use super::fields::{FIELDS, spec};
use super::origin::Origin;
use super::sources::env::{self, Variable};
use super::sources::profile::{self, DEFAULT_PROFILE, ProfileChoice};
use super::sources::{Setting, env_file};
use super::{TemporalConfig, validate, value};

/// What to load from, beyond the process itself.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Settings given explicitly, as text, by name.
    pub arguments: Vec<(String, String)>,
    /// The dotenv file; `None` reads none.
    pub env_file: Option<PathBuf>,
    /// The `temporal.toml` to read instead of `TEMPORAL_CONFIG_FILE` or the default location.
    pub config_file: Option<PathBuf>,
    /// The profile instead of `TEMPORAL_PROFILE` or `default`.
    pub profile: Option<String>,
    /// Variables to use instead of the process environment (tests, embedding).
    pub environment: Option<Vec<(String, String)>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            arguments: Vec::new(),
            env_file: Some(PathBuf::from(".env.temporal")),
            config_file: None,
            profile: None,
            environment: None,
        }
    }
}

pub fn load(options: &LoadOptions) -> Result<TemporalConfig, ConfigError> {
    let mut problems = Vec::new();
    let process = match &options.environment {
        Some(pairs) => env::from_pairs(pairs.iter().cloned()),
        None => {
            let (variables, found) = env::from_process();
            problems.extend(found);
            variables
        }
    };
    let (file_variables, found) = options
        .env_file
        .as_deref()
        .map(env_file::read)
        .unwrap_or_default();
    problems.extend(found);
    // The file first, so that the process environment overrides it.
    let variables: Vec<Variable> = file_variables.into_iter().chain(process).collect();

    let (profile_settings, found) = profile::read(&profile_choice(options, &variables));
    problems.extend(found);
    let (env_settings, found) = env::settings(&variables);
    problems.extend(found);
    let (argument_settings, found) = arguments(&options.arguments);
    problems.extend(found);

    let chosen = choose(
        profile_settings
            .into_iter()
            .chain(env_settings)
            .chain(argument_settings),
        &mut problems,
    );
    let mut config = TemporalConfig::defaults();
    for setting in chosen.into_values() {
        match value::parse(setting.spec, &setting.raw, &setting.origin) {
            Ok(value) => {
                config.assign(setting.spec.name, value);
                config.origins.insert(setting.spec.name, setting.origin);
            }
            Err(problem) => problems.push(problem),
        }
    }
    // Cross-checks on settings that failed to parse would only repeat the parse problem.
    let failed: Vec<Option<String>> = problems.iter().map(|p| p.field.clone()).collect();
    problems.extend(
        validate::validate(&config)
            .into_iter()
            .filter(|p| p.field.is_none() || !failed.contains(&p.field)),
    );
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError { problems })
    }
}

fn profile_choice(options: &LoadOptions, variables: &[Variable]) -> ProfileChoice {
    let named = |argument: Option<&String>, variable: &str| -> Option<(String, Origin)> {
        match argument {
            Some(value) => Some((value.clone(), Origin::Argument)),
            None => env::lookup(variables, variable)
                .filter(|v| !v.value.trim().is_empty())
                .map(|v| (v.value.trim().to_owned(), v.origin.clone())),
        }
    };
    let file_argument = options
        .config_file
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let (path, path_named) = match named(file_argument.as_ref(), "TEMPORAL_CONFIG_FILE") {
        Some((path, origin)) => (Some(PathBuf::from(path)), Some(origin)),
        None => (profile::default_path(), None),
    };
    let (profile, profile_named) = match named(options.profile.as_ref(), "TEMPORAL_PROFILE") {
        Some((name, origin)) => (name, Some(origin)),
        None => (DEFAULT_PROFILE.to_owned(), None),
    };
    ProfileChoice {
        path,
        path_named,
        profile,
        profile_named,
    }
}

fn arguments(given: &[(String, String)]) -> (Vec<Setting>, Vec<ConfigProblem>) {
    let mut settings = Vec::new();
    let mut problems = Vec::new();
    for (name, raw) in given {
        match spec(name) {
            Some(spec) => settings.push(Setting {
                spec,
                raw: raw.clone(),
                origin: Origin::Argument,
            }),
            None => {
                let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
                problems.push(ConfigProblem::new(
                    None,
                    None,
                    format!(
                        "unknown setting {name:?}; the settings are: {}",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    (settings, problems)
}

/// The winning setting per field. A `_path`/`_data` pair counts as one setting: the higher
/// source sets it, and both halves from the same source are a problem.
fn choose(
    settings: impl Iterator<Item = Setting>,
    problems: &mut Vec<ConfigProblem>,
) -> BTreeMap<&'static str, Setting> {
    let mut chosen: BTreeMap<&'static str, Setting> = BTreeMap::new();
    for setting in settings {
        let rank = setting.origin.precedence();
        if chosen
            .get(setting.spec.name)
            .is_some_and(|c| c.origin.precedence() > rank)
        {
            continue;
        }
        if let Some(other) = setting.spec.exclusive_with {
            match chosen.get(other) {
                Some(c) if c.origin.precedence() > rank => continue,
                Some(c)
                    if c.origin.precedence() == rank
                        && !c.raw.trim().is_empty()
                        && !setting.raw.trim().is_empty() =>
                {
                    problems.push(ConfigProblem::new(
                        Some(setting.spec.name),
                        Some(&setting.origin),
                        format!(
                            "{} and {} are both set ({} and {}); give the file path or the PEM data, not both",
                            other, setting.spec.name, c.origin, setting.origin
                        ),
                    ));
                    continue;
                }
                Some(_) => {
                    chosen.remove(other);
                }
                None => {}
            }
        }
        chosen.insert(setting.spec.name, setting);
    }
    chosen
}
