//! The prompt safety filter: the union of Project-AI's two keyword lists, matched on words,
//! not raw substrings, so that an innocent word which merely contains a term ("whatever",
//! "pharmacy", "harmony", "grandchild") passes while the term and its forms are caught.
//!
//! The rule: the prompt is split into words (Unicode word boundaries, lower-cased, a
//! trailing "'s" dropped). A word is blocked when it is a term, or a term followed by one of
//! the inflection endings below (for a term ending in "e", also the term without its "e"
//! followed by an ending that starts with a vowel or "y": "abusive", "nudity", "gory", but
//! not "hats"). A term written with a trailing '-' is a
//! stem and blocks every word that starts with it ("discrimin-": "discrimination").
//!
//! Words are compared as a person reads them: prompt, terms and endings are all folded by
//! `safety_fold::fold` first (invisible characters out, NFKC, confusable letters and
//! digit-for-letter substitutions folded), so "nu\u{AD}de", "ｎｕｄｅ", Cyrillic "nudе" and
//! "n00d3" are caught like "nude". `tests/data/safety/` holds the ordinary prompts that
//! must pass; the tests below measure both rates.

use std::sync::LazyLock;

use unicode_segmentation::UnicodeSegmentation;

use super::safety_fold::fold;

/// Project-AI's ImageGenerator.BLOCKED_KEYWORDS and the original activity's list, merged.
pub const BLOCKED_TERMS: &[&str] = &[
    "nsfw",
    "explicit",
    "nude",
    "violence",
    "violent",
    "gore",
    "hate",
    "illegal",
    "drug",
    "weapon",
    "harm",
    "abuse",
    "discrimin-",
    "racist",
    "sexist",
    "child",
    "offensive",
];

/// Endings that make another form of the same word.
const ENDINGS: &[&str] = &[
    "s", "es", "d", "ed", "ing", "er", "ers", "r", "rs", "ly", "ful", "fully", "ness", "ren", "ry",
    "ries", "y", "ity", "ive", "ively", "ous", "ist", "ists", "ism",
];

pub const MAX_PROMPT_CHARS: usize = 4000;

/// Why a prompt may not be used, if it may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    Empty,
    TooLong(usize),
    Term(String),
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsafe::Empty => f.write_str("the prompt is empty"),
            Unsafe::TooLong(n) => write!(
                f,
                "the prompt has {n} characters; at most {MAX_PROMPT_CHARS} are allowed"
            ),
            Unsafe::Term(term) => f.write_str(term),
        }
    }
}

/// Each term with its folded form, and the folded endings: folded once, compared often.
static FOLDED_TERMS: LazyLock<Vec<(&'static str, String)>> =
    LazyLock::new(|| BLOCKED_TERMS.iter().map(|t| (*t, fold(t))).collect());
static FOLDED_ENDINGS: LazyLock<Vec<String>> =
    LazyLock::new(|| ENDINGS.iter().map(|e| fold(e)).collect());

/// Whether a folded word is the folded term or one of its forms.
fn matches(word: &str, term: &str) -> bool {
    if let Some(stem) = term.strip_suffix('-') {
        return word.starts_with(stem);
    }
    let ending = |base: &str| {
        word.strip_prefix(base)
            .filter(|rest| rest.is_empty() || FOLDED_ENDINGS.iter().any(|e| e == rest))
    };
    ending(term).is_some()
        || term.strip_suffix('e').is_some_and(|base| {
            ending(base).is_some_and(|rest| rest.starts_with(['a', 'e', 'i', 'o', 'u', 'y']))
        })
}

/// The first blocked term the prompt uses, as a person reads it.
pub fn blocked_term(prompt: &str) -> Option<&'static str> {
    let folded = fold(prompt);
    folded.unicode_words().find_map(|word| {
        let word = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix("’s"))
            .unwrap_or(word);
        FOLDED_TERMS
            .iter()
            .find(|(_, folded_term)| matches(word, folded_term))
            .map(|(term, _)| *term)
    })
}

/// Ok when the prompt may be used.
pub fn check(prompt: &str) -> Result<(), Unsafe> {
    if prompt.trim().is_empty() {
        return Err(Unsafe::Empty);
    }
    let length = prompt.chars().count();
    if length > MAX_PROMPT_CHARS {
        return Err(Unsafe::TooLong(length));
    }
    match blocked_term(prompt) {
        Some(term) => Err(Unsafe::Term(term.trim_end_matches('-').to_owned())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_terms_and_their_forms() {
        for (prompt, term) in [
            ("a NUDE figure", "nude"),
            ("nudity in art", "nude"),
            ("two weapons on a table", "weapon"),
            ("harmful chemicals", "harm"),
            ("an abusive scene", "abuse"),
            ("discrimination at work", "discrimin-"),
            ("Violently shaking", "violent"),
            ("children playing", "child"),
            ("the child's toy", "child"),
            ("gory details", "gore"),
            ("drugs", "drug"),
            ("hateful crowd", "hate"),
        ] {
            assert_eq!(blocked_term(prompt), Some(term), "{prompt}");
        }
    }

    #[test]
    fn passes_innocent_words_that_contain_a_term() {
        for prompt in [
            "whatever you like, a chateau at dusk",
            "a pharmacy on a rainy street",
            "harmony of colors",
            "a grandchild hugging grandma",
            "shattered glass",
            "Scunthorpe town hall",
            "a drugstore sign", // compound, not a form of the term
            "hatred of rain",   // not a listed form: kept deliberately narrow
        ] {
            assert_eq!(blocked_term(prompt), None, "{prompt}");
        }
    }

    /// Ordinary prompts: none may be refused.
    const ORDINARY: &str = include_str!("../../../tests/data/safety/ordinary_prompts.txt");

    fn ordinary_prompts() -> Vec<&'static str> {
        ORDINARY
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    }

    /// The words every evasion is applied to: each term (a stem by a word it starts) and a
    /// few of their forms.
    fn blocked_words() -> Vec<&'static str> {
        let mut words: Vec<&str> = BLOCKED_TERMS
            .iter()
            .map(|t| {
                if *t == "discrimin-" {
                    "discrimination"
                } else {
                    t
                }
            })
            .collect();
        words.extend([
            "nudity", "weapons", "children", "abusive", "drugs", "hateful",
        ]);
        words
    }

    fn each_char(word: &str, f: impl Fn(char) -> String) -> String {
        word.chars().map(f).collect()
    }

    fn lookalike(c: char) -> String {
        // Cyrillic and Greek letters that look like Latin ones.
        match c {
            'a' => "а",
            'c' => "с",
            'e' => "е",
            'i' => "і",
            'o' => "ο",
            'p' => "р",
            's' => "ѕ",
            'x' => "х",
            'y' => "у",
            'v' => "ν",
            other => return other.to_string(),
        }
        .to_owned()
    }

    fn leet(c: char) -> String {
        match c {
            'o' => '0',
            'i' => '1',
            'l' => '1',
            'e' => '3',
            'a' => '4',
            's' => '5',
            't' => '7',
            other => other,
        }
        .to_string()
    }

    fn insert_after_first(word: &str, mark: &str) -> String {
        let mut chars = word.chars();
        let first = chars.next().unwrap();
        format!("{first}{mark}{}", chars.as_str())
    }

    /// Every evasion named in the issue, applied to one word; the name says which.
    fn evasions(word: &str) -> Vec<(&'static str, String)> {
        let middle = word.len() / 2;
        vec![
            ("soft hyphen", insert_after_first(word, "\u{AD}")),
            (
                "zero-width space",
                format!("{}\u{200B}{}", &word[..middle], &word[middle..]),
            ),
            ("zero-width joiner", insert_after_first(word, "\u{200D}")),
            (
                "zero-width non-joiner",
                insert_after_first(word, "\u{200C}"),
            ),
            ("word joiner", insert_after_first(word, "\u{2060}")),
            ("BOM inside", insert_after_first(word, "\u{FEFF}")),
            (
                "variation selectors",
                each_char(word, |c| format!("{c}\u{FE0F}")),
            ),
            (
                "full-width",
                each_char(word, |c| {
                    char::from_u32(c as u32 - 'a' as u32 + 0xFF41)
                        .unwrap()
                        .to_string()
                }),
            ),
            (
                "mathematical bold",
                each_char(word, |c| {
                    char::from_u32(c as u32 - 'a' as u32 + 0x1D41A)
                        .unwrap()
                        .to_string()
                }),
            ),
            ("Cyrillic and Greek lookalikes", each_char(word, lookalike)),
            ("leetspeak", each_char(word, leet)),
            (
                "leetspeak in capitals",
                each_char(word, leet).to_uppercase(),
            ),
            ("@ and $", word.replacen('a', "@", 1).replacen('s', "$", 1)),
            (
                "combining strokes",
                each_char(word, |c| format!("{c}\u{336}")),
            ),
            (
                "soft hyphen, lookalikes and leetspeak",
                insert_after_first(&each_char(&each_char(word, leet), lookalike), "\u{AD}"),
            ),
        ]
    }

    #[test]
    fn ordinary_prompts_pass_and_every_evasion_is_caught() {
        let ordinary = ordinary_prompts();
        let refused: Vec<_> = ordinary
            .iter()
            .filter_map(|p| blocked_term(p).map(|t| (p, t)))
            .collect();
        let mut variants = 0;
        let mut missed = Vec::new();
        for word in blocked_words() {
            for (how, variant) in evasions(word) {
                if variant == word {
                    continue; // the evasion changes nothing in this word
                }
                variants += 1;
                if blocked_term(&format!("a photo of {variant} at night")).is_none() {
                    missed.push((how, variant));
                }
            }
        }
        eprintln!(
            "safety filter: {} of {} ordinary prompts refused; {} of {variants} evasions caught",
            refused.len(),
            ordinary.len(),
            variants - missed.len()
        );
        assert!(ordinary.len() >= 300, "{} ordinary prompts", ordinary.len());
        assert!(refused.is_empty(), "false positives: {refused:?}");
        assert!(variants >= 300, "{variants} evasions");
        assert!(missed.is_empty(), "missed: {missed:?}");
    }

    #[test]
    fn a_term_without_its_e_takes_only_vowel_endings() {
        assert_eq!(blocked_term("a row of hats"), None);
        assert_eq!(blocked_term("a hatful of berries"), None);
        assert_eq!(blocked_term("haters"), Some("hate"));
        assert_eq!(blocked_term("a gory scene"), Some("gore"));
    }

    #[test]
    fn length_limits() {
        assert_eq!(check("   "), Err(Unsafe::Empty));
        assert_eq!(
            check(&"a".repeat(MAX_PROMPT_CHARS + 1)),
            Err(Unsafe::TooLong(MAX_PROMPT_CHARS + 1))
        );
        assert_eq!(check("a calm lake"), Ok(()));
        assert_eq!(
            check("explicit content").unwrap_err().to_string(),
            "explicit"
        );
    }
}
