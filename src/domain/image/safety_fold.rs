//! What the safety filter compares: a text folded to what a person reads, so that a
//! blocked word written with invisible characters, lookalike letters or digits is still
//! the word. Terms and prompts are folded alike, so the fold need not produce real
//! spelling, only the same letters for things that read the same:
//! 1. default-ignorable code points out (soft hyphen, zero-width characters, variation
//!    selectors: Unicode's Default_Ignorable_Code_Point), and control characters;
//! 2. NFKC (full-width and mathematical letters, ligatures), lower case;
//! 3. Unicode TR39 confusable skeletons (Cyrillic "а", Greek "ο", "ｍ" and "rn" read as
//!    Latin letters), with combining marks dropped ("ñ̶" reads as "n");
//! 4. the common digit-for-letter substitutions: 0→o, 1→i/l, 3→e, 4→a, 5→s, 7→t, @→a, $→s.
//!    "1", "l" and "I" look alike, so all three fold to one letter ("i").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::canonical::is_default_ignorable;

/// The letter a digit or sign stands for in leetspeak; letters that look alike fold to one.
fn substitute(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | 'l' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        other => other,
    }
}

/// `text` as the filter compares it (see the module comment).
pub fn fold(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter(|c| !is_default_ignorable(*c) && !c.is_control())
        .collect();
    let lower = visible.nfkc().collect::<String>().to_lowercase();
    unicode_security::skeleton(&lower)
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(substitute)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_a_person_does() {
        for (text, reads) in [
            ("nu\u{AD}de", "nude"),
            ("nu\u{200B}d\u{200D}e\u{FE0F}", "nude"),
            ("ｎｕｄｅ", "nude"),
            ("𝐧𝐮𝐝𝐞", "nude"),
            ("nudе", "nude"), // Cyrillic е
            ("ñ̶ude", "nude"),
            ("NUDE", "nude"),
            ("n00d", "nood"),
            ("h4t3", "hate"),
            ("$3x1$t", "sexist"),
            ("@bu5e", "abuse"),
            ("vi01ent", fold("violent").as_str()),
        ] {
            assert_eq!(fold(text), reads, "{text:?}");
        }
        assert_eq!(fold("harm"), fold("harrn"), "m and rn read alike");
    }

    #[test]
    fn keeps_spaces_and_punctuation_as_word_boundaries() {
        assert_eq!(fold("a cat, a dog."), "a cat, a dog.");
    }
}
