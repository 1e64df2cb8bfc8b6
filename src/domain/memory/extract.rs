//! extract_memory_information's work: which messages to keep as conversation text, and the
//! typed memories in the user's messages. Pure and deterministic: a retry or a re-run of
//! the same conversation extracts the same memories.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use super::rules::{Found, sentence_memories};
use super::tokens::sentences;
use crate::domain::learning::text::keywords;
use crate::wire::memory::{Memory, MemoryKind};

/// A message is kept as conversation text when its content has more than this many
/// characters (the original's rule).
pub const MIN_SUBSTANTIVE_CHARS: usize = 20;
/// Keywords per conversation.
pub const MAX_KEYWORDS: usize = 10;
/// A keyword occurs at least this often in the user's messages.
pub const MIN_KEYWORD_COUNT: usize = 2;
/// The rules' own words say nothing about a conversation's subject.
const RULE_WORDS: &[&str] = &[
    "adore",
    "based",
    "called",
    "come",
    "detest",
    "dislike",
    "enjoy",
    "favorite",
    "favourite",
    "forget",
    "hate",
    "job",
    "like",
    "live",
    "love",
    "mind",
    "moved",
    "name",
    "note",
    "prefer",
    "remember",
    "role",
    "work",
];
/// Typed memories of one run stop at about this many bytes (text, subject, value and
/// fields), so the extraction plus the messages fit in one Temporal payload (2 MiB).
pub const MAX_TYPED_MEMORY_BYTES: usize = 512 * 1024;

/// One message of a conversation, as checked by the request rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// What extraction found: the messages kept as conversation text (by index, so the text
/// does not travel through workflow history twice) and the typed memories.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    pub kept: Vec<u32>,
    pub memories: Vec<Memory>,
    /// True when typed memories were left out to stay within `MAX_TYPED_MEMORY_BYTES`.
    pub truncated: bool,
}

/// Facts, preferences and requests come from the user's messages only.
pub fn is_user(role: &str) -> bool {
    role.trim().eq_ignore_ascii_case("user")
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The memory that keeps message `i` as conversation text.
pub fn message_memory(i: u32, message: &Message) -> Memory {
    Memory {
        kind: MemoryKind::Message,
        text: message.content.clone(),
        subject: None,
        value: None,
        role: message.role.clone(),
        message_index: i,
        timestamp: message.timestamp.clone(),
        confidence: 1.0,
    }
}

fn cost(m: &Memory) -> usize {
    let len = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    m.text.len() + len(&m.subject) + len(&m.value) + len(&m.timestamp) + m.role.len() + 128
}

fn memory(found: Found, i: usize, message: &Message) -> Memory {
    Memory {
        kind: found.kind,
        text: found.text,
        subject: found.subject,
        value: found.value,
        role: message.role.clone(),
        message_index: index(i),
        timestamp: message.timestamp.clone(),
        confidence: found.confidence,
    }
}

/// The conversation's keywords (the most frequent meaningful words of the user's messages,
/// seen at least twice, not the rules' own words), each pointing at the first user message
/// that has it.
fn keyword_memories(messages: &[Message]) -> Vec<Memory> {
    let user: Vec<(usize, &Message)> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| is_user(&m.role))
        .collect();
    let all: Vec<&str> = user.iter().map(|(_, m)| m.content.as_str()).collect();
    let lowered: Vec<(usize, &Message, HashSet<String>)> = user
        .iter()
        .map(|(i, m)| {
            (
                *i,
                *m,
                m.content
                    .to_lowercase()
                    .unicode_words()
                    .map(str::to_owned)
                    .collect(),
            )
        })
        .collect();
    let all = all.join("\n");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for word in all.to_lowercase().unicode_words() {
        *counts.entry(word.to_owned()).or_default() += 1;
    }
    keywords(&all, MAX_KEYWORDS + RULE_WORDS.len())
        .into_iter()
        .filter(|w| {
            counts.get(w).is_some_and(|&n| n >= MIN_KEYWORD_COUNT)
                && !RULE_WORDS.contains(&w.as_str())
        })
        .take(MAX_KEYWORDS)
        .filter_map(|word| {
            let (i, message, _) = lowered.iter().find(|(_, _, words)| words.contains(&word))?;
            Some(memory(
                Found {
                    kind: MemoryKind::Keyword,
                    text: word,
                    subject: None,
                    value: None,
                    confidence: 0.5,
                },
                *i,
                message,
            ))
        })
        .collect()
}

/// Keeps the substantive messages and extracts the typed memories of the user's messages.
pub fn extract(messages: &[Message]) -> Extraction {
    let kept = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.content.chars().count() > MIN_SUBSTANTIVE_CHARS)
        .map(|(i, _)| index(i))
        .collect();
    let mut extraction = Extraction {
        kept,
        ..Default::default()
    };
    let mut budget = MAX_TYPED_MEMORY_BYTES;
    let mut add = |extraction: &mut Extraction, m: Memory| {
        let c = cost(&m);
        if c > budget {
            extraction.truncated = true;
            return false;
        }
        budget -= c;
        extraction.memories.push(m);
        true
    };
    for m in keyword_memories(messages) {
        add(&mut extraction, m);
    }
    'messages: for (i, message) in messages.iter().enumerate() {
        // Its activity was cancelled: what it returns is dropped unread.
        if crate::interrupt::requested() {
            break;
        }
        if !is_user(&message.role) {
            continue;
        }
        let lowercase = !message.content.chars().any(char::is_uppercase);
        let mut seen = HashSet::new();
        for sentence in sentences(&message.content) {
            for found in sentence_memories(sentence, lowercase) {
                let key = (
                    found.kind,
                    found.text.clone(),
                    found.subject.clone(),
                    found.value.clone(),
                );
                if seen.insert(key) && !add(&mut extraction, memory(found, i, message)) {
                    break 'messages;
                }
            }
        }
    }
    extraction
}
