//! The dotenv syntax of `.env.temporal`, read line by line so that every finding names its
//! line and key, and never quotes the line: a malformed line may hold a secret.
//!
//! Accepted: blank lines, `# comments`, and `[export] KEY=value` where the value is
//! unquoted (to the end of the line or a ` #` comment, trimmed), in single quotes (taken as
//! written) or in double quotes (escapes `\\ \" \' \n \r \t \$`); quoted values may span
//! lines. A `$` is kept as written: no variable is expanded inside a value (an API key may
//! hold a `$`, and expanding it would change the key without a word).

/// One assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub value: String,
    /// The 1-based line where the assignment starts.
    pub line: usize,
}

/// A line that could not be read, described without its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    /// The variable, when the line tells it.
    pub key: Option<String>,
    /// What is wrong, worded to follow "FILE line N (KEY)".
    pub what: String,
}

const ESCAPES: &str = r#"\\ \" \' \n \r \t \$"#;

/// Why a value could not be read: `Stop` when the rest of the file cannot be told apart
/// from the value (an unclosed quote).
enum Failure {
    Bad(String),
    Stop(String),
}

pub fn parse(text: &str) -> (Vec<Entry>, Vec<Malformed>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let assignment = trimmed
            .strip_prefix("export ")
            .map_or(trimmed, str::trim_start);
        let Some((name, rest)) = assignment.split_once('=') else {
            problems.push(Malformed {
                line: number,
                key: None,
                what: "is not KEY=VALUE (the line is not shown); a value over several lines must be in quotes".into(),
            });
            continue;
        };
        let name = name.trim();
        if !is_name(name) {
            problems.push(Malformed {
                line: number,
                key: None,
                what: "is not KEY=VALUE: the text before = is not a variable name (letters, digits and _; the line is not shown)".into(),
            });
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => quoted(quote, &rest[1..], &mut lines),
            _ => unquoted(rest),
        };
        let problem = |what: String| Malformed {
            line: number,
            key: Some(name.to_owned()),
            what,
        };
        match value {
            Ok(value) => entries.push(Entry {
                name: name.to_owned(),
                value,
                line: number,
            }),
            Err(Failure::Bad(what)) => problems.push(problem(what)),
            Err(Failure::Stop(what)) => {
                problems.push(problem(what));
                break;
            }
        }
    }
    (entries, problems)
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn unquoted(rest: &str) -> Result<String, Failure> {
    let comment = rest
        .char_indices()
        .find(|&(i, c)| c == '#' && rest[..i].ends_with(char::is_whitespace))
        .map_or(rest.len(), |(i, _)| i);
    let value = rest[..comment].trim();
    if value.contains(['"', '\'']) {
        return Err(Failure::Bad(
            "has a quote inside an unquoted value (the value is not shown); put the whole value in quotes".into(),
        ));
    }
    Ok(value.to_owned())
}

/// The value after an opening `quote`, read up to its closing quote across lines. A bad
/// escape is reported once the closing quote is found, so the lines after stay in step.
fn quoted<'a>(
    quote: char,
    first: &'a str,
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<String, Failure> {
    let mut value = String::new();
    let mut bad_escape = false;
    let mut current = first;
    loop {
        let mut chars = current.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                let after = current[i + 1..].trim();
                return if bad_escape {
                    Err(Failure::Bad(format!(
                        "has an unknown escape in double quotes (the value is not shown); the escapes are {ESCAPES}"
                    )))
                } else if !after.is_empty() && !after.starts_with('#') {
                    Err(Failure::Bad(format!(
                        "has text after the closing {quote} (a stray quote?; the value is not shown)"
                    )))
                } else {
                    Ok(value)
                };
            }
            if c == '\\' && quote == '"' {
                match chars.next().map(|(_, e)| e) {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some('t') => value.push('\t'),
                    Some(e @ ('\\' | '"' | '\'' | '$')) => value.push(e),
                    _ => bad_escape = true,
                }
            } else {
                value.push(c);
            }
        }
        match lines.next() {
            Some((_, line)) => {
                value.push('\n');
                current = line;
            }
            None => {
                return Err(Failure::Stop(format!(
                    "opens a {quote} quote that is never closed (the value is not shown); close it, the rest of the file was not read"
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sk-Qm7vX2pL9wR4";

    fn one(text: &str) -> Result<String, Malformed> {
        let (entries, problems) = parse(text);
        match (entries.as_slice(), problems.as_slice()) {
            ([entry], []) => Ok(entry.value.clone()),
            (_, [problem, ..]) => Err(problem.clone()),
            _ => panic!("{entries:?} {problems:?}"),
        }
    }

    #[test]
    fn the_forms_of_a_value() {
        let text = "# c\n\nA=plain # comment\nexport B = 'single $x \\n'\nC=\"a\\tb\\\"c\\$d\" # c\nD=\"two\nlines\"\nE=\nF=x#y\r\n";
        let (entries, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(&str, &str, usize)> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "plain", 3),
                ("B", "single $x \\n", 4),
                ("C", "a\tb\"c$d", 5),
                ("D", "two\nlines", 6),
                ("E", "", 8),
                ("F", "x#y", 9),
            ]
        );
    }

    #[test]
    fn malformed_lines_name_line_and_key_never_the_value() {
        for (text, line, key, says) in [
            (
                format!("A=1\nTEMPORAL_API_KEY=\"{SECRET}\nB=2\n"),
                2,
                Some("TEMPORAL_API_KEY"),
                "never closed",
            ),
            (
                format!("TEMPORAL_API_KEY='{SECRET}\n"),
                1,
                Some("TEMPORAL_API_KEY"),
                "never closed",
            ),
            (
                format!("TEMPORAL_API_KEY={SECRET}\"x\n"),
                1,
                Some("TEMPORAL_API_KEY"),
                "quote inside an unquoted value",
            ),
            (
                format!("TEMPORAL_API_KEY=\"{SECRET}\"x\"\n"),
                1,
                Some("TEMPORAL_API_KEY"),
                "text after the closing",
            ),
            (
                format!("TEMPORAL_API_KEY=\"{SECRET}\\q\"\n"),
                1,
                Some("TEMPORAL_API_KEY"),
                "unknown escape",
            ),
            (
                format!("TEMPORAL_API_KEY={}\n{}\n", &SECRET[..7], &SECRET[7..]),
                2,
                None,
                "is not KEY=VALUE",
            ),
            (format!("{SECRET}=x\n"), 1, None, "not a variable name"),
        ] {
            let problem = one(&text).unwrap_err();
            assert_eq!(
                (problem.line, problem.key.as_deref()),
                (line, key),
                "{text}"
            );
            assert!(problem.what.contains(says), "{text}: {}", problem.what);
            for i in 0..SECRET.len() - 5 {
                assert!(
                    !problem.what.contains(&SECRET[i..i + 6]),
                    "{}",
                    problem.what
                );
            }
        }
    }

    #[test]
    fn reading_goes_on_after_a_bad_line_but_not_after_an_unclosed_quote() {
        let (entries, problems) = parse("A=\"x\\q\"\nB=1\nC='open\nD=2\n");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name, "B");
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[1].line, 3);
    }
}
