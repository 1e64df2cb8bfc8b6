//! Words, sentences and clauses of a message, as the extraction rules read them: lower-case
//! words with contractions spelled out ("i'm" -> "i am"), each pointing back at its span in
//! the original text so a rule can quote what the user wrote.

use unicode_segmentation::UnicodeSegmentation;

/// One word: its lower-case form and its byte span in the text it came from. A contraction
/// becomes several words sharing one span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub lower: String,
    pub start: usize,
    pub end: usize,
}

/// Contractions spelled out, so that "I'm" matches the rules written for "i am".
const CONTRACTIONS: &[(&str, &[&str])] = &[
    ("i'm", &["i", "am"]),
    ("im", &["i", "am"]),
    ("i've", &["i", "have"]),
    ("i'd", &["i", "would"]),
    ("i'll", &["i", "will"]),
    ("name's", &["name", "is"]),
    ("job's", &["job", "is"]),
    ("role's", &["role", "is"]),
    ("it's", &["it", "is"]),
    ("what's", &["what", "is"]),
    ("where's", &["where", "is"]),
    ("who's", &["who", "is"]),
    ("when's", &["when", "is"]),
    ("deadline's", &["deadline", "is"]),
];

/// Words that negate what follows them; a negated clause states no fact or preference.
pub const NEGATIONS: &[&str] = &[
    "ain't",
    "aren't",
    "barely",
    "can't",
    "cannot",
    "cant",
    "didn't",
    "didnt",
    "doesn't",
    "doesnt",
    "don't",
    "dont",
    "hadn't",
    "hardly",
    "hasn't",
    "haven't",
    "isn't",
    "isnt",
    "neither",
    "never",
    "no",
    "nobody",
    "none",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "shouldn't",
    "wasn't",
    "weren't",
    "won't",
    "wouldn't",
];

pub fn is_negation(word: &str) -> bool {
    NEGATIONS.contains(&word)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_mark(c)
}

/// Combining marks (a decomposed "é" is "e" and U+0301) belong to their word.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Apostrophes and hyphens join words ("don't", "co-founder", "2027-05-03") only between
/// word characters.
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '-')
}

/// The words of `text`, in order.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut j = i + 1;
        while j < chars.len() {
            let c = chars[j].1;
            let joined = is_joiner(c) && chars.get(j + 1).is_some_and(|n| is_word_char(n.1));
            if is_word_char(c) || joined {
                j += 1;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(text.len(), |c| c.0);
        let lower = text[start..end].to_lowercase().replace('\u{2019}', "'");
        match CONTRACTIONS.iter().find(|(c, _)| *c == lower) {
            Some((_, parts)) => out.extend(parts.iter().map(|p| Word {
                lower: (*p).to_owned(),
                start,
                end,
            })),
            None => out.push(Word { lower, start, end }),
        }
        i = j;
    }
    out
}

/// The sentences of a text (Unicode sentence boundaries), trimmed, without empty ones.
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|line| line.unicode_sentences())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The clauses of a sentence: split at , ; : ( ) dashes and at the word "but", so that a
/// negation in one clause does not reach into the next.
pub fn clauses(sentence: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in split_punctuation(sentence) {
        let mut rest = part;
        loop {
            let lower = rest.to_lowercase();
            // Only split where lower-casing kept byte offsets (ASCII "but" is safe to find).
            match find_word(&lower, "but").filter(|_| lower.len() == rest.len()) {
                Some(at) => {
                    out.push(&rest[..at]);
                    rest = &rest[at + 3..];
                }
                None => {
                    out.push(rest);
                    break;
                }
            }
        }
    }
    out.into_iter()
        .map(|c| {
            c.trim()
                .trim_end_matches(['.', '!', '?', '\u{FF1F}'])
                .trim()
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Splits at clause punctuation; a comma before a digit ("May 3, 2027", "1,000") is no break.
fn split_punctuation(sentence: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, c) in sentence.char_indices() {
        let breaks = match c {
            ',' => !sentence[at + 1..]
                .trim_start()
                .starts_with(|d: char| d.is_ascii_digit()),
            ';' | ':' | '(' | ')' | '\u{2014}' | '\u{2013}' | '"' | '\u{201C}' | '\u{201D}' => true,
            _ => false,
        };
        if breaks {
            parts.push(&sentence[start..at]);
            start = at + c.len_utf8();
        }
    }
    parts.push(&sentence[start..]);
    parts
}

/// Byte offset of `word` in `text` where it stands as a whole word.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// Auxiliary verbs: an English sentence that starts with one asks something.
const AUXILIARIES: &[&str] = &[
    "am", "are", "can", "could", "did", "do", "does", "had", "has", "have", "is", "may", "might",
    "shall", "should", "was", "were", "will", "would", "aren't", "can't", "didn't", "doesn't",
    "don't", "isn't", "wasn't", "won't", "wouldn't",
];
const WH_WORDS: &[&str] = &[
    "how", "what", "when", "where", "which", "who", "whom", "whose", "why",
];

/// True for a question: it ends with a question mark, starts with an inverted one, starts
/// with an auxiliary verb ("do I like tea"), or with a wh-word followed by an auxiliary
/// ("where do I live"). "What I love is jazz" is a statement.
pub fn is_question(sentence: &str, words: &[Word]) -> bool {
    let trimmed = sentence.trim();
    if trimmed.ends_with(['?', '\u{FF1F}']) || trimmed.starts_with('\u{BF}') {
        return true;
    }
    let first = words.first().map(|w| w.lower.as_str());
    let second = words.get(1).map(|w| w.lower.as_str());
    match (first, second) {
        (Some(f), Some(_)) if AUXILIARIES.contains(&f) => true,
        (Some(f), Some(s)) => WH_WORDS.contains(&f) && AUXILIARIES.contains(&s),
        _ => false,
    }
}

/// Words that open a hypothetical: "if my name were Bob" states nothing.
pub fn is_hypothetical(words: &[Word]) -> bool {
    words.first().is_some_and(|w| {
        matches!(
            w.lower.as_str(),
            "if" | "unless"
                | "suppose"
                | "supposing"
                | "imagine"
                | "assuming"
                | "pretend"
                | "maybe"
                | "perhaps"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.lower).collect()
    }

    #[test]
    fn words_spell_out_contractions_and_keep_spans() {
        assert_eq!(
            lower("I'm Zoë, I don't know"),
            ["i", "am", "zoë", "i", "don't", "know"]
        );
        assert_eq!(lower("I\u{2019}m here"), ["i", "am", "here"]);
        let w = words("Hi José-Luis!");
        assert_eq!(&"Hi José-Luis!"[w[1].start..w[1].end], "José-Luis");
        assert_eq!(lower("due 2027-05-03."), ["due", "2027-05-03"]);
        assert_eq!(lower("'quoted' - dash"), ["quoted", "dash"]);
    }

    #[test]
    fn clauses_split_at_punctuation_and_but() {
        assert_eq!(
            clauses("I love tea, but I don't like coffee; fine."),
            ["I love tea", "I don't like coffee", "fine"]
        );
        assert_eq!(clauses("butter is good but bad"), ["butter is good", "bad"]);
    }

    #[test]
    fn questions() {
        for q in [
            "do I like tea",
            "Where do I live",
            "Is my name Bob",
            "my name?",
            "¿Qué tal",
        ] {
            assert!(is_question(q, &words(q)), "{q}");
        }
        for s in ["What I love is jazz", "I like tea", "My name is Bob."] {
            assert!(!is_question(s, &words(s)), "{s}");
        }
    }

    #[test]
    fn sentence_splitting() {
        let s: Vec<&str> = sentences("One here. Two there!\nThree").collect();
        assert_eq!(s, ["One here.", "Two there!", "Three"]);
    }
}
