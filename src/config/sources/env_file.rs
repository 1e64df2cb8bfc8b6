//! Variables from a `.env.temporal` file (dotenv syntax), each with its line number.

use std::path::Path;

use super::env::{Variable, is_ours};
use super::{dotenv, file_text};
use crate::config::error::ConfigProblem;
use crate::config::fields::{FIELDS, OTHER_KNOWN_VARIABLES, spec_for_variable};
use crate::config::origin::Origin;

/// Prefixes of official Temporal variables that are not settings of ours and are passed over.
const FOREIGN_PREFIXES: &[&str] = &["TEMPORAL_GRPC_META_", "TEMPORAL_CODEC_"];
/// Variables with these prefixes are ours: an unknown one is a typo.
const OUR_PREFIXES: &[&str] = &["TEMPORAL_", "PROJECT_AI_", "IMAGE_API_"];

/// Reads `path` when it exists; a missing file is no problem (it is optional), an unreadable
/// or malformed one is.
pub fn read(path: &Path) -> (Vec<Variable>, Vec<ConfigProblem>) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            let message = format!("cannot read the settings file {}: {e}", path.display());
            return (Vec::new(), vec![ConfigProblem::new(None, None, message)]);
        }
    };
    match file_text::decode(path, bytes) {
        Ok(text) => parse(path, &text),
        Err(problem) => (Vec::new(), vec![problem]),
    }
}

fn parse(path: &Path, text: &str) -> (Vec<Variable>, Vec<ConfigProblem>) {
    let (entries, malformed) = dotenv::parse(text);
    let mut problems: Vec<ConfigProblem> = malformed
        .into_iter()
        .map(|m| {
            let field = m.key.as_deref().and_then(spec_for_variable).map(|s| s.name);
            let place = file_text::place(path, m.line, m.key.as_deref());
            ConfigProblem::new(field, None, format!("{place} {}", m.what))
        })
        .collect();
    let mut variables: Vec<Variable> = Vec::new();
    for entry in entries {
        let name = entry.name.to_ascii_uppercase();
        let origin = Origin::EnvFile {
            path: path.to_owned(),
            line: entry.line,
            variable: name.clone(),
        };
        if !is_ours(&name) {
            problems.extend(unknown(&name, &origin));
            continue;
        }
        // The same variable twice: which one counts differs between dotenv tools, so two
        // different values are a problem (never showing either); the same value twice is not.
        if let Some(earlier) = variables.iter().find(|v| v.name == name) {
            if earlier.value != entry.value {
                let earlier_line = match &earlier.origin {
                    Origin::EnvFile { line, .. } => *line,
                    _ => 0,
                };
                problems.push(ConfigProblem::new(
                    spec_for_variable(&name).map(|s| s.name),
                    None,
                    format!(
                        "{} sets the variable again, to another value than line {earlier_line} did; keep one (the values are not shown)",
                        file_text::place(path, entry.line, Some(&name))
                    ),
                ));
            }
            continue;
        }
        variables.push(Variable {
            name,
            value: entry.value,
            origin,
        });
    }
    (variables, problems)
}

/// A `TEMPORAL_`, `PROJECT_AI_` or `IMAGE_API_` variable we do not know is most likely a
/// typo in a file that exists only for these settings; anything else may belong to the
/// host app and is left alone.
fn unknown(name: &str, origin: &Origin) -> Option<ConfigProblem> {
    let upper = name.to_ascii_uppercase();
    if !OUR_PREFIXES.iter().any(|p| upper.starts_with(p))
        || FOREIGN_PREFIXES.iter().any(|p| upper.starts_with(p))
    {
        return None;
    }
    let closest = FIELDS
        .iter()
        .flat_map(|f| std::iter::once(f.env).chain(f.aliases.iter().copied()))
        .chain(OTHER_KNOWN_VARIABLES.iter().copied())
        .min_by_key(|known| strsim::levenshtein(known, &upper));
    let hint = match closest {
        Some(known) if strsim::levenshtein(known, &upper) <= 3 => {
            format!("; did you mean {known}?")
        }
        _ => "; see docs/TEMPORAL_SETUP.md for the settings".to_owned(),
    };
    Some(ConfigProblem::new(
        None,
        Some(origin),
        format!("unknown setting {upper}{hint}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_reported() {
        let text = "# comment\nTEMPORAL_HOST=a:1\n\nexport TEMPORAL_NAMESPACE = ns\nOTHER=1\n";
        let (vars, problems) = parse(Path::new(".env.temporal"), text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(vars.len(), 2);
        assert_eq!(
            vars[1].origin.to_string(),
            "TEMPORAL_NAMESPACE in .env.temporal line 4"
        );
        assert_eq!(vars[1].value, "ns");
    }

    #[test]
    fn typos_get_a_suggestion() {
        let (_, problems) = parse(
            Path::new("f"),
            "TEMPORAL_NAMSPACE=x\nTEMPORAL_GRPC_META_A=b\nPROJECT_AI_DATADIR=d\nOTHER_APP_X=1\n",
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        let text = problems[0].to_string();
        assert!(
            text.contains("did you mean TEMPORAL_NAMESPACE?") && text.contains("f line 1"),
            "{text}"
        );
        let text = problems[1].to_string();
        assert!(
            text.contains("did you mean PROJECT_AI_DATA_DIR?") && text.contains("f line 3"),
            "{text}"
        );
    }

    #[test]
    fn malformed_lines_are_reported() {
        let (_, problems) = parse(Path::new("f"), "TEMPORAL_HOST=a:1\nnot a pair\n");
        assert!(problems[0].to_string().contains("f line 2"), "{problems:?}");
    }

    #[test]
    fn a_secret_on_a_malformed_line_is_not_shown() {
        let (_, problems) = parse(
            Path::new("f"),
            "TEMPORAL_API_KEY=\"sk-Qm7vX2pL9wR4\nTEMPORAL_HOST=a:1\n",
        );
        let text = problems[0].to_string();
        assert!(
            text.starts_with("f line 1 (TEMPORAL_API_KEY) opens a \" quote"),
            "{text}"
        );
        assert!(!text.contains("Qm7vX2"), "{text}");
        assert_eq!(problems[0].field.as_deref(), Some("cloud_api_key"));
    }

    #[test]
    fn one_variable_twice_with_different_values() {
        let (vars, problems) = parse(
            Path::new("f"),
            "TEMPORAL_API_KEY=sk-Qm7vX2pL9wR4\nTEMPORAL_API_KEY=sk-Zt5wB8nM2cV6\nTEMPORAL_HOST=a:1\ntemporal_host=a:1\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        let text = problems[0].to_string();
        assert!(
            text.contains("f line 2 (TEMPORAL_API_KEY) sets the variable again, to another value than line 1 did"),
            "{text}"
        );
        assert!(
            !text.contains("Qm7vX2") && !text.contains("Zt5wB8"),
            "{text}"
        );
        assert_eq!(vars.len(), 2);
    }
}
