//! A memory and its kinds (one name each), as extraction makes them, the store keeps them
//! and Python reads them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryKind {
    /// A substantive message (over 20 characters), kept verbatim as conversation text.
    Message,
    /// Something about the user: name, location, hometown, employer, role.
    Fact,
    /// What the user likes, loves, prefers, enjoys, hates or dislikes; or a favourite.
    Preference,
    /// What the user explicitly asked to remember.
    Request,
    /// A date or deadline the user mentioned.
    Date,
    /// One of the conversation's most frequent meaningful words.
    Keyword,
}

impl MemoryKind {
    pub const ALL: [MemoryKind; 6] = [
        MemoryKind::Message,
        MemoryKind::Fact,
        MemoryKind::Preference,
        MemoryKind::Request,
        MemoryKind::Date,
        MemoryKind::Keyword,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Message => "message",
            MemoryKind::Fact => "fact",
            MemoryKind::Preference => "preference",
            MemoryKind::Request => "request",
            MemoryKind::Date => "date",
            MemoryKind::Keyword => "keyword",
        }
    }

    /// The kind named `name`, or an error listing the kinds.
    pub fn parse(name: &str) -> Result<MemoryKind, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!("kind {name:?} is not one of {}", names.join(", "))
            })
    }
}

/// One memory, as extracted and as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub kind: MemoryKind,
    pub text: String,
    pub subject: Option<String>,
    pub value: Option<String>,
    /// The role of the message it came from.
    pub role: String,
    /// The position of that message in the request (0-based).
    pub message_index: u32,
    /// That message's timestamp, as given.
    pub timestamp: Option<String>,
    /// How sure the rule is, 0 to 1.
    pub confidence: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for kind in MemoryKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(MemoryKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(
            MemoryKind::parse("facts")
                .unwrap_err()
                .contains("message, fact, preference")
        );
    }
}
