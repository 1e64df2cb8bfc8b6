//! A settings file as text, and where things are in it, for messages that name the file,
//! the line and the key but never quote a line: any line may hold a secret.

use std::path::Path;

use crate::config::error::ConfigProblem;

/// The file's bytes as text. A leading byte-order mark is dropped; bytes that are not UTF-8
/// are a problem naming the line and its key.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ConfigProblem> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let line = String::from_utf8_lossy(&valid[line_start..]);
        ConfigProblem::new(
            None,
            None,
            format!(
                "{} is not valid UTF-8 (the line is not shown); save the file as UTF-8",
                place(path, line_number(valid), key_on_line(&line))
            ),
        )
    })
}

/// "FILE line N (KEY)", or without the key when the line does not tell it.
pub fn place(path: &Path, line: usize, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{} line {line} ({key})", path.display()),
        None => format!("{} line {line}", path.display()),
    }
}

/// The 1-based line of the end of `before` (the text up to a point of interest).
pub fn line_number(before: &[u8]) -> usize {
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// The key a `KEY=value` or `key = value` line assigns, when it looks like one: a name of
/// letters, digits, `_`, `-` and `.` before the first `=` (after an optional `export`).
pub fn key_on_line(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let is_name = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    is_name.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_line_and_key_only() {
        let bytes = b"A=1\nexport TEMPORAL_API_KEY=sk-Qm7vX2\xffpL9wR4\n".to_vec();
        let text = decode(Path::new("f"), bytes).unwrap_err().to_string();
        assert!(text.contains("f line 2 (TEMPORAL_API_KEY)"), "{text}");
        assert!(
            !text.contains("Qm7vX2") && !text.contains("pL9wR4"),
            "{text}"
        );
        let text = decode(Path::new("f"), b"sk-Qm7vX2\xff".to_vec())
            .unwrap_err()
            .to_string();
        assert!(text.starts_with("f line 1 is not valid UTF-8"), "{text}");
        assert!(!text.contains("Qm7vX2"), "{text}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(
            decode(Path::new("f"), b"\xEF\xBB\xBFA=1".to_vec()).unwrap(),
            "A=1"
        );
    }

    #[test]
    fn keys_on_lines() {
        assert_eq!(key_on_line("  api_key = \"x"), Some("api_key"));
        assert_eq!(key_on_line("export K=1"), Some("K"));
        assert_eq!(key_on_line("sk live=1"), None);
        assert_eq!(key_on_line("no assignment"), None);
    }
}
