//! Texts as parts of file names.

/// `text` as part of a file name: ASCII letters, digits, `-` and `_` kept, anything else
/// `_`, at most `max_chars` characters. Different texts can give the same name: add
/// something unique (a hash, a run id) where that matters.
pub fn file_safe(text: &str, max_chars: usize) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(max_chars)
        .collect()
}
