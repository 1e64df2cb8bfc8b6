//! The canonical form of a text: the one form that the Black Vault hashes, the knowledge id
//! is derived from and the knowledge store keeps. Texts that read the same (a trailing
//! space, CRLF line endings, a leading newline, NFC or NFD, full-width letters, a soft
//! hyphen) have the same canonical form, so a variant of denied content is denied too.
//!
//! The steps, in this order (a later step never undoes an earlier one, so the form is
//! stable: the canonical form of a canonical text is itself):
//! 1. invisible characters out: control characters other than tab and line breaks, and
//!    default-ignorable code points (soft hyphen, zero-width space, BOM, bidi controls,
//!    variation selectors) except ZWJ and ZWNJ, which change how Arabic, Indic and emoji
//!    sequences are shown;
//! 2. Unicode NFKC (compatibility composition: NFD and NFC agree, full-width and
//!    mathematical letters become plain ones, no-break spaces become spaces);
//! 3. line endings as `\n`, runs of spaces and tabs as one space, no space at line ends,
//!    at most one blank line in a row, trimmed.

use icu_properties::CodePointSetData;
use icu_properties::props::DefaultIgnorableCodePoint;
use unicode_normalization::UnicodeNormalization;

const ZERO_WIDTH_NON_JOINER: char = '\u{200C}';
const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// Whether a person reading the text sees nothing of the character (Unicode's
/// Default_Ignorable_Code_Point property).
pub fn is_default_ignorable(c: char) -> bool {
    CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

fn is_invisible(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || (is_default_ignorable(c) && c != ZERO_WIDTH_JOINER && c != ZERO_WIDTH_NON_JOINER)
}

/// The canonical form of `text` (see the module comment).
pub fn canonical(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !is_invisible(*c)).collect();
    let composed: String = visible.nfkc().collect();
    tidy_whitespace(&composed)
}

/// Step 3: line endings, spaces and blank lines.
fn tidy_whitespace(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() && lines.last().is_none_or(String::is_empty) {
            continue;
        }
        lines.push(collapsed);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "Café crème: the owner's notes.\nSecond line";

    #[test]
    fn variants_that_read_the_same_have_one_form() {
        let nfd: String = TEXT.nfd().collect();
        let full_width: String = TEXT
            .chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
                ' ' => '\u{3000}',
                other => other,
            })
            .collect();
        for variant in [
            format!("{TEXT} "),
            TEXT.replace('\n', "\r\n"),
            TEXT.replace('\n', "\r"),
            format!("\n{TEXT}"),
            format!("\u{FEFF}{TEXT}\n\n"),
            TEXT.replace(' ', "  \t"),
            TEXT.replace("owner", "ow\u{AD}ner"),
            TEXT.replace("notes", "no\u{200B}tes"),
            TEXT.replace(' ', "\u{A0}"),
            nfd,
            full_width,
        ] {
            assert_ne!(variant, TEXT);
            assert_eq!(canonical(&variant), TEXT, "{variant:?}");
        }
    }

    #[test]
    fn keeps_what_changes_the_reading() {
        assert_eq!(canonical("a\n\n\n\nb"), "a\n\nb", "one blank line stays");
        assert_eq!(
            canonical("  a\t\tb \r\n\r\n\r\n c\u{0}d  \n\n"),
            "a b\n\ncd"
        );
        // ZWNJ changes how Persian is written; ZWJ joins emoji into one.
        assert_eq!(canonical("می\u{200C}خواهم"), "می\u{200C}خواهم");
        assert_eq!(canonical("👩\u{200D}💻"), "👩\u{200D}💻");
        assert_ne!(canonical("cafe"), canonical("café"));
    }

    #[test]
    fn soft_hyphen_and_variation_selectors_are_ignorable() {
        for c in [
            '\u{AD}',
            '\u{200B}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{FE0F}',
            '\u{E0101}',
        ] {
            assert!(is_default_ignorable(c), "{c:?}");
        }
        assert!(!is_default_ignorable('a') && !is_default_ignorable(' '));
    }

    proptest! {
        #[test]
        fn the_form_is_stable(text in "\\PC{0,40}|[ \t\r\n\u{AD}\u{200B}\u{301}\u{FF21}a-c]{0,30}") {
            let once = canonical(&text);
            prop_assert_eq!(canonical(&once), once);
        }
    }
}
