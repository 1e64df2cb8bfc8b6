//! The rules learning content must meet.

use crate::wire::types::LearningRequest;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 100_000;
/// Project-AI's knowledge categories.
pub const CATEGORIES: &[&str] = &[
    "security",
    "programming",
    "data_science",
    "general",
    "tips",
    "facts",
];

/// None when the request may be learned, else why not.
pub fn rejection(request: &LearningRequest) -> Option<String> {
    let length = request.content.trim().chars().count();
    if length < MIN_CHARS {
        return Some(format!(
            "content has {length} characters after trimming; at least {MIN_CHARS} are needed"
        ));
    }
    if request.content.chars().count() > MAX_CHARS {
        return Some(format!(
            "content has {} characters; at most {MAX_CHARS} are allowed",
            request.content.chars().count()
        ));
    }
    if !CATEGORIES.contains(&request.category.as_str()) {
        return Some(format!(
            "category {:?} is not one of {}",
            request.category,
            CATEGORIES.join(", ")
        ));
    }
    if request.source.trim().is_empty() {
        return Some("source must not be empty".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content: &str, category: &str, source: &str) -> LearningRequest {
        LearningRequest {
            content: content.into(),
            source: source.into(),
            category: category.into(),
            user_id: None,
        }
    }

    #[test]
    fn rules() {
        assert_eq!(
            rejection(&request("long enough text", "tips", "docs")),
            None
        );
        assert!(
            rejection(&request("   short    ", "tips", "docs"))
                .unwrap()
                .contains("at least 10")
        );
        assert!(
            rejection(&request(&"x".repeat(MAX_CHARS + 1), "tips", "docs"))
                .unwrap()
                .contains("at most 100000")
        );
        assert!(
            rejection(&request("long enough text", "Tips", "docs"))
                .unwrap()
                .contains("security, programming")
        );
        assert!(
            rejection(&request("long enough text", "tips", " "))
                .unwrap()
                .contains("source")
        );
        // Characters, not bytes.
        assert_eq!(rejection(&request("ééééééééééé", "facts", "s")), None);
    }
}
