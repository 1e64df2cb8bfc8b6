//! A search hit's snippet, made in Rust from the memory's row: the same text FTS5's
//! `snippet(memories_fts, -1, '[', ']', '…', 12)` returns, to the byte, without asking
//! FTS5 for it. Asking costs a seek into the full-text index for the hit's row and a
//! second read of it, most of what a hit cost once the search index had found it.
//!
//! FTS5's algorithm (fts5_aux.c), restated: every phrase instance in a column proposes a
//! window of 12 tokens starting at it; a window scores 1000 for each query phrase in it
//! and 1 for each repeat; the window is then centred on its matches. A window starting at
//! the sentence before the instance (after a `.` or `:` and white space) gets 100 more,
//! 120 for the column's first sentence. The best window of the best column wins (the
//! first found on a tie), its matches are bracketed (overlapping or touching ones
//! together), and `…` marks text left out at either end. Here a window is scored from
//! the instances inside it and a repeated query word is one phrase with a count, so a
//! long memory with many matches costs time and memory in proportion to its length,
//! where FTS5 scans every instance for each window.

use std::collections::HashMap;

use super::tokens::{Purpose, Span, Tokenizer};

/// snippet()'s arguments, as FTS5 would be called with them (a test does).
pub const OPEN: &str = "[";
pub const CLOSE: &str = "]";
pub const ELLIPSIS: &str = "…";
pub const TOKENS: i64 = 12;

/// A query's phrases as FTS5 parses `every_word`: each word's tokens, in query order.
/// A word the query repeats is one phrase to FTS5 each time; here its copies are one
/// `Phrase` that counts them, so a memory costs the same however often a query repeats a
/// word (FTS5 lists an instance per copy).
pub struct Phrases {
    phrases: Vec<Phrase>,
    /// The phrases each first token starts, in the order of their last copy.
    by_first: HashMap<String, Vec<usize>>,
}

struct Phrase {
    tokens: Vec<String>,
    /// How many times the query names it.
    copies: i64,
}

impl Phrases {
    /// `words`: each query word's tokens (FTS5's tokenizer, `Purpose::Query`).
    pub fn new(words: &[Vec<String>]) -> Self {
        let mut phrases: Vec<Phrase> = Vec::new();
        // Each phrase's index in the query, for its last copy: FTS5 lists instances at the
        // same offset by phrase index, and the order decides which ends a window.
        let mut last_copy: Vec<usize> = Vec::new();
        for (at, tokens) in words.iter().enumerate() {
            if tokens.is_empty() {
                continue;
            }
            match phrases.iter().position(|p| p.tokens == *tokens) {
                Some(known) => {
                    phrases[known].copies += 1;
                    last_copy[known] = at;
                }
                None => {
                    phrases.push(Phrase {
                        tokens: tokens.clone(),
                        copies: 1,
                    });
                    last_copy.push(at);
                }
            }
        }
        let mut order: Vec<usize> = (0..phrases.len()).collect();
        order.sort_by_key(|&p| last_copy[p]);
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for p in order {
            by_first
                .entry(phrases[p].tokens[0].clone())
                .or_default()
                .push(p);
        }
        Self { phrases, by_first }
    }
}

/// Where one phrase's tokens appear in a column, in tokens.
#[derive(Clone, Copy)]
struct Instance {
    offset: i64,
    phrase: usize,
    size: i64,
    copies: i64,
}

/// A column's text, its tokens, and the query's instances in it in FTS5's order
/// (by offset, then phrase).
struct Column<'a> {
    text: &'a str,
    spans: Vec<Span>,
    instances: Vec<Instance>,
}

impl<'a> Column<'a> {
    fn new(tokenizer: &Tokenizer, phrases: &Phrases, text: &'a str) -> rusqlite::Result<Self> {
        let spans = tokenizer.spans(text, Purpose::Snippet)?;
        let mut instances = Vec::new();
        for (at, span) in spans.iter().enumerate() {
            let Some(starting) = phrases.by_first.get(&span.token) else {
                continue;
            };
            for &p in starting {
                let phrase = &phrases.phrases[p];
                let fits = spans.len() - at >= phrase.tokens.len()
                    && (phrase.tokens.iter())
                        .zip(&spans[at..])
                        .all(|(t, s)| *t == s.token);
                if fits {
                    instances.push(Instance {
                        offset: position(at),
                        phrase: p,
                        size: position(phrase.tokens.len()),
                        copies: phrase.copies,
                    });
                }
            }
        }
        Ok(Self {
            text,
            spans,
            instances,
        })
    }

    fn size(&self) -> i64 {
        position(self.spans.len())
    }

    /// The first token of each sentence: the column's first, and each one that follows a
    /// `.` or `:` and at least one space, tab or line break.
    fn sentences(&self) -> Vec<i64> {
        let bytes = self.text.as_bytes();
        let mut firsts = Vec::new();
        for (at, span) in self.spans.iter().enumerate() {
            let before = &bytes[..span.start.min(bytes.len())];
            let gap = before
                .iter()
                .rev()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            let mark = before.len().checked_sub(gap + 1).map(|i| before[i]);
            if at == 0 || (gap > 0 && matches!(mark, Some(b'.' | b':'))) {
                firsts.push(position(at));
            }
        }
        firsts
    }

    /// The score of the window of TOKENS tokens from `start` (fts5SnippetScore), and where
    /// a window starting there would start once centred on its matches. `seen` is all
    /// false, and left so.
    fn score(&self, start: i64, seen: &mut [bool]) -> (i64, i64) {
        let from = self.instances.partition_point(|i| i.offset < start);
        let to = self
            .instances
            .partition_point(|i| i.offset < start + TOKENS);
        let window = &self.instances[from..to];
        let mut score = 0;
        for instance in window {
            // Each copy of the phrase scores: 1000 the first time, 1 after.
            let each = if seen[instance.phrase] { 1 } else { 1000 };
            score += each * instance.copies;
            seen[instance.phrase] = true;
        }
        for instance in window {
            seen[instance.phrase] = false;
        }
        let first = window.first().map_or(-1, |i| i.offset);
        let last = window.last().map_or(0, |i| i.offset + i.size);
        let mut centred = first - (TOKENS - (last - first)) / 2;
        if centred + TOKENS > self.size() {
            centred = self.size() - TOKENS;
        }
        (score, centred.max(0))
    }
}

/// The snippet of a memory whose `memories_fts` columns hold `columns` (None as FTS5
/// reads NULL: no text).
pub fn snippet(
    tokenizer: &Tokenizer,
    phrases: &Phrases,
    columns: &[Option<&str>],
) -> rusqlite::Result<String> {
    let columns: Vec<Column<'_>> = columns
        .iter()
        .map(|text| Column::new(tokenizer, phrases, text.unwrap_or("")))
        .collect::<rusqlite::Result<_>>()?;
    let mut seen = vec![false; phrases.phrases.len()];
    let (mut best_score, mut best_column, mut best_start) = (0, 0, 0);
    for (c, column) in columns.iter().enumerate() {
        let firsts = column.sentences();
        for instance in &column.instances {
            let (score, centred) = column.score(instance.offset, &mut seen);
            if score > best_score {
                (best_score, best_column, best_start) = (score, c, centred);
            }
            if column.size() <= TOKENS {
                continue;
            }
            // The start of the sentence the instance is in.
            let at = firsts
                .get(1..)
                .map_or(0, |later| later.partition_point(|&f| f <= instance.offset));
            let Some(&sentence) = firsts.get(at) else {
                continue;
            };
            if sentence < instance.offset {
                let bonus = if sentence == 0 { 120 } else { 100 };
                let score = column.score(sentence, &mut seen).0 + bonus;
                if score > best_score {
                    (best_score, best_column, best_start) = (score, c, sentence);
                }
            }
        }
    }
    Ok(columns
        .get(best_column)
        .map(|column| highlight(column, best_start))
        .unwrap_or_default())
}

/// The instances of a column with overlapping ones merged, as first and last token
/// (fts5CInstIterNext); (-1, -1) past the last.
struct Coalesced<'c> {
    instances: &'c [Instance],
    start: i64,
    end: i64,
}

impl<'c> Coalesced<'c> {
    fn new(instances: &'c [Instance]) -> Self {
        let mut merged = Self {
            instances,
            start: -1,
            end: -1,
        };
        merged.next();
        merged
    }

    fn next(&mut self) {
        (self.start, self.end) = (-1, -1);
        while let Some((instance, rest)) = self.instances.split_first() {
            let end = instance.offset + instance.size - 1;
            if self.start < 0 {
                (self.start, self.end) = (instance.offset, end);
            } else if instance.offset <= self.end {
                self.end = self.end.max(end);
            } else {
                break;
            }
            self.instances = rest;
        }
    }
}

/// The window of TOKENS tokens from `start` with its matches bracketed
/// (fts5HighlightCb, as snippet() drives it).
fn highlight(column: &Column<'_>, start: i64) -> String {
    let text = column.text.as_bytes();
    let end = start + TOKENS - 1;
    let mut out = Output::default();
    if start > 0 {
        out.push(ELLIPSIS.as_bytes());
    }
    let mut matches = Coalesced::new(&column.instances);
    while matches.start >= 0 && matches.start < start {
        matches.next();
    }
    let (mut copied, mut open) = (0, false);
    for (at, span) in column.spans.iter().enumerate() {
        let at = position(at);
        if at < start || at > end {
            continue;
        }
        if start > 0 && at == start {
            copied = span.start;
        }
        if open && (at <= matches.start || matches.start < 0) && span.start > copied {
            out.push(CLOSE.as_bytes());
            open = false;
        }
        if at == matches.start && !open {
            out.push(slice(text, copied, span.start));
            out.push(OPEN.as_bytes());
            copied = span.start;
            open = true;
        }
        if at == matches.end {
            if !open {
                out.push(OPEN.as_bytes());
                open = true;
            }
            out.push(slice(text, copied, span.end));
            copied = span.end;
            matches.next();
        }
        if at == end {
            if open {
                if matches.start >= 0 && at >= matches.start {
                    out.push(slice(text, copied, span.end));
                    copied = span.end;
                }
                out.push(CLOSE.as_bytes());
                open = false;
            }
            out.push(slice(text, copied, span.end));
            copied = span.end;
        }
    }
    if open {
        out.push(CLOSE.as_bytes());
    }
    if end >= column.size() - 1 {
        out.push(slice(text, copied, text.len()));
    } else {
        out.push(ELLIPSIS.as_bytes());
    }
    out.into_string()
}

/// The snippet's bytes. FTS5 builds it as a C string, so each piece ends at its first NUL.
#[derive(Default)]
struct Output(Vec<u8>);

impl Output {
    fn push(&mut self, piece: &[u8]) {
        let len = piece.iter().position(|&b| b == 0).unwrap_or(piece.len());
        self.0.extend_from_slice(&piece[..len]);
    }

    fn into_string(self) -> String {
        String::from_utf8(self.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

fn slice(text: &[u8], from: usize, to: usize) -> &[u8] {
    text.get(from..to).unwrap_or_default()
}

fn position(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}
