//! Variables from a `.env.temporal` file (dotenv syntax), each with its line number.

use std::path::Path;

use super::env::{Variable, is_ours};
use crate::config::error::ConfigProblem;
use crate::config::fields::{FIELDS, OTHER_KNOWN_VARIABLES};
use crate::config::origin::Origin;

/// Prefixes of official Temporal variables that are not settings of ours and are passed over.
const FOREIGN_PREFIXES: &[&str] = &["TEMPORAL_GRPC_META_", "TEMPORAL_CODEC_"];

/// Reads `path` when it exists; a missing file is no problem (it is optional), an unreadable
/// or malformed one is.
pub fn read(path: &Path) -> (Vec<Variable>, Vec<ConfigProblem>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            let message = format!("cannot read the settings file {}: {e}", path.display());
            return (Vec::new(), vec![ConfigProblem::new(None, None, message)]);
        }
    };
    parse(path, &text)
}

fn parse(path: &Path, text: &str) -> (Vec<Variable>, Vec<ConfigProblem>) {
    let mut variables = Vec::new();
    let mut problems = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((name, value)) => {
                let line = line_of(text, &name);
                let origin = Origin::EnvFile {
                    path: path.to_owned(),
                    line,
                    variable: name.to_ascii_uppercase(),
                };
                if is_ours(&name) {
                    variables.push(Variable {
                        name: name.to_ascii_uppercase(),
                        value,
                        origin,
                    });
                } else if let Some(problem) = unknown(&name, &origin) {
                    problems.push(problem);
                }
            }
            Err(dotenvy::Error::LineParse(content, _)) => {
                // dotenvy gives the text from the point it could not parse, not its line
                // (often only the value): find the line that holds it.
                let first = content.lines().next().unwrap_or("").trim();
                let found = text
                    .lines()
                    .enumerate()
                    .find(|(_, l)| !first.is_empty() && l.contains(first));
                let message = match found {
                    Some((i, l)) => format!(
                        "{} line {} is not KEY=VALUE: {:?}",
                        path.display(),
                        i + 1,
                        l.trim()
                    ),
                    None => format!(
                        "{} has a line that is not KEY=VALUE: {first:?}",
                        path.display()
                    ),
                };
                problems.push(ConfigProblem::new(None, None, message));
            }
            Err(e) => problems.push(ConfigProblem::new(
                None,
                None,
                format!("{}: {e}", path.display()),
            )),
        }
    }
    (variables, problems)
}

/// A `TEMPORAL_` variable we do not know is most likely a typo in a file that exists only
/// for these settings; anything else may belong to the host app and is left alone.
fn unknown(name: &str, origin: &Origin) -> Option<ConfigProblem> {
    let upper = name.to_ascii_uppercase();
    if !upper.starts_with("TEMPORAL_") || FOREIGN_PREFIXES.iter().any(|p| upper.starts_with(p)) {
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

/// The 1-based line where `name` is last assigned (the assignment that wins).
fn line_of(text: &str, name: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            let line = line.strip_prefix("export ").map_or(line, str::trim_start);
            line.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
                && line[name.len()..].trim_start().starts_with('=')
        })
        .map(|(i, _)| i + 1)
        .last()
        .unwrap_or(1)
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
            "TEMPORAL_NAMSPACE=x\nTEMPORAL_GRPC_META_A=b\n",
        );
        assert_eq!(problems.len(), 1);
        let text = problems[0].to_string();
        assert!(
            text.contains("did you mean TEMPORAL_NAMESPACE?") && text.contains("f line 1"),
            "{text}"
        );
    }

    #[test]
    fn malformed_lines_are_reported() {
        let (_, problems) = parse(Path::new("f"), "TEMPORAL_HOST=a:1\nnot a pair\n");
        assert!(problems[0].to_string().contains("f line 2"), "{problems:?}");
    }
}
