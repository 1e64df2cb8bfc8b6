//! Full-text queries built from user text. Every word is quoted, so any text is a valid
//! FTS5 query: operators (AND, OR, NOT, NEAR), column filters, `*` and stray quotes in what
//! a user typed are searched as words, never read as query syntax.

/// `text` without its diacritics (é to e, ã to a), as SQLite's `remove_diacritics`
/// tokenizers see it; the shared store indexes and queries this form.
pub fn without_diacritics(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .nfc()
        .collect()
}

/// The words of `text`: its runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The words of `text`, each as a quoted FTS5 string.
pub fn quoted_words(text: &str) -> Vec<String> {
    words(text).map(|w| format!("\"{w}\"")).collect()
}

/// A query matching any word of `text`; None when it has no words.
pub fn any_word(text: &str) -> Option<String> {
    let words = quoted_words(text);
    (!words.is_empty()).then(|| words.join(" OR "))
}

/// A query matching every word of `text`; None when it has no words.
pub fn every_word(text: &str) -> Option<String> {
    let words = quoted_words(text);
    (!words.is_empty()).then(|| words.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_in_user_text_becomes_words() {
        assert_eq!(
            every_word("tea NOT \"coffee*"),
            Some("\"tea\" AND \"NOT\" AND \"coffee\"".into())
        );
        assert_eq!(any_word("a:b"), Some("\"a\" OR \"b\"".into()));
        assert_eq!(every_word(" -- ** "), None);
        assert_eq!(every_word("Zoë 抹茶"), Some("\"Zoë\" AND \"抹茶\"".into()));
        assert_eq!(
            without_diacritics("José Álvarez, São Paulo, 抹茶"),
            "Jose Alvarez, Sao Paulo, 抹茶"
        );
    }
}
