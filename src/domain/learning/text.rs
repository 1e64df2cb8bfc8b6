//! Turning learning content into knowledge: its canonical form (`crate::canonical`),
//! title, summary, ranked keywords, word count. Deterministic, so a retry or a re-run gives the same entry.

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

use crate::canonical::canonical;

/// Common English words that say nothing about a text's subject.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "even",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "like",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "using",
    "very",
    "via",
    "was",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

pub const MAX_KEYWORDS: usize = 10;
const SUMMARY_SENTENCES: usize = 3;
const SUMMARY_MAX_CHARS: usize = 500;
const TITLE_MAX_CHARS: usize = 120;

/// What processing finds in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInsight {
    pub normalized: String,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub word_count: usize,
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Lower-case words that carry meaning: letters (digits allowed), at least 3 characters,
/// not a stop word.
fn content_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.unicode_words().map(str::to_lowercase).filter(|w| {
        w.chars().count() >= 3 && w.chars().any(char::is_alphabetic) && !is_stop_word(w)
    })
}

/// The most frequent content words, ties broken by first appearance.
pub fn keywords(text: &str, limit: usize) -> Vec<String> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (position, word) in content_words(text).enumerate() {
        counts.entry(word).or_insert((0, position)).0 += 1;
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by(|(_, (ca, pa)), (_, (cb, pb))| cb.cmp(ca).then(pa.cmp(pb)));
    ranked.into_iter().take(limit).map(|(w, _)| w).collect()
}

/// Cuts text to at most `max` characters, at a word, marking the cut with "…".
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// The first Markdown heading, else the first sentence, at most 120 characters.
pub fn title(normalized: &str) -> String {
    let heading = normalized
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_owned())
        .filter(|h| !h.is_empty());
    let first = || {
        normalized
            .lines()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.unicode_sentences().next())
            .unwrap_or_default()
            .trim()
            .trim_end_matches(['.', '!', '?'])
            .to_owned()
    };
    truncate(&heading.unwrap_or_else(first), TITLE_MAX_CHARS)
}

/// The three sentences richest in the text's keywords, in their original order, at most
/// 500 characters.
pub fn summary(normalized: &str, keywords: &[String]) -> String {
    let body: String = normalized
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ");
    let sentences: Vec<&str> = body
        .unicode_sentences()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let weight: HashMap<&str, usize> = keywords
        .iter()
        .enumerate()
        .map(|(rank, w)| (w.as_str(), keywords.len() - rank))
        .collect();
    let mut scored: Vec<(usize, f64)> = sentences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let words: Vec<String> = content_words(s).collect();
            let score: usize = words.iter().filter_map(|w| weight.get(w.as_str())).sum();
            (i, score as f64 / (words.len() as f64 + 1.0).sqrt())
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = scored
        .into_iter()
        .take(SUMMARY_SENTENCES)
        .map(|(i, _)| i)
        .collect();
    chosen.sort_unstable();
    truncate(
        &chosen
            .iter()
            .map(|&i| sentences[i])
            .collect::<Vec<_>>()
            .join(" "),
        SUMMARY_MAX_CHARS,
    )
}

pub fn word_count(text: &str) -> usize {
    text.unicode_words().count()
}

pub fn analyse(content: &str) -> TextInsight {
    let normalized = canonical(content);
    let keywords = keywords(&normalized, MAX_KEYWORDS);
    TextInsight {
        title: title(&normalized),
        summary: summary(&normalized, &keywords),
        word_count: word_count(&normalized),
        keywords,
        normalized,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn title_prefers_a_heading() {
        assert_eq!(
            title("intro line.\n# Rust Ownership\nbody"),
            "Rust Ownership"
        );
        assert_eq!(title("Rust owns memory. It frees it."), "Rust owns memory");
    }

    #[test]
    fn keywords_rank_by_frequency_without_stop_words() {
        let text = "Rust ownership rules. Ownership moves values; borrowing lends them. The borrow checker checks ownership.";
        let k = keywords(text, 3);
        assert_eq!(k[0], "ownership");
        assert!(!k.iter().any(|w| w == "the" || w == "them"));
    }

    #[test]
    fn summary_and_counts() {
        let text = "Rust is a language. Ownership makes Rust memory safe. Cats are nice. Rust ownership has rules.";
        let insight = analyse(text);
        assert!(
            insight
                .summary
                .contains("Ownership makes Rust memory safe.")
        );
        assert_eq!(insight.word_count, 16);
        assert!(insight.summary.chars().count() <= SUMMARY_MAX_CHARS);
        assert_eq!(analyse(text), insight, "deterministic");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let t = title(&"word ".repeat(100));
        assert!(t.chars().count() <= TITLE_MAX_CHARS && t.ends_with('…'));
    }
}
