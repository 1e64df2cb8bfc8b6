//! The checks a MemoryExpansionWorkflow request must pass before any work: the one place
//! its limits are defined. The workflow reads the request as plain JSON, so a malformed one
//! comes back as a failure result naming the problem instead of a workflow task that fails
//! over and over.

use serde_json::Value;

use super::extract::Message;

/// Most messages in one request.
pub const MAX_MESSAGES: usize = 10_000;
/// Largest `messages` list, as compact JSON (UTF-8 bytes): 1 MiB.
pub const MAX_MESSAGES_BYTES: usize = 1_048_576;
/// Longest conversation_id or user_id (characters).
pub const MAX_ID_CHARS: usize = 256;

/// A request that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRequest {
    pub conversation_id: String,
    pub user_id: Option<String>,
    pub messages: Vec<Message>,
}

/// What a JSON value is, for messages: "a string", "a list", ...
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An id field (conversation_id, user_id): a non-empty string of at most `MAX_ID_CHARS`
/// characters; when not `required`, missing or null is None.
pub fn id(value: Option<&Value>, name: &str, required: bool) -> Result<Option<String>, String> {
    let text = match value {
        None | Some(Value::Null) if !required => return Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(other) => {
            return Err(format!(
                "{name} must be a non-empty string{}, got {}",
                if required { "" } else { " or null" },
                match other {
                    Value::String(_) => "an empty string",
                    v => type_name(v),
                }
            ));
        }
        None => return Err(format!("{name} is missing; it must be a non-empty string")),
    };
    let chars = text.chars().count();
    if chars > MAX_ID_CHARS {
        return Err(format!(
            "{name} has {chars} characters; at most {MAX_ID_CHARS} are allowed"
        ));
    }
    Ok(Some(text.clone()))
}

/// The number and JSON size of a list of messages against the limits.
pub fn check_size(count: usize, bytes: usize) -> Result<(), String> {
    if count > MAX_MESSAGES {
        return Err(format!(
            "messages has {count} entries; at most {MAX_MESSAGES} are allowed"
        ));
    }
    if bytes > MAX_MESSAGES_BYTES {
        return Err(format!(
            "messages are {bytes} bytes of JSON; at most {MAX_MESSAGES_BYTES} are allowed"
        ));
    }
    Ok(())
}

/// A timestamp as given (text), or seconds since the epoch as RFC 3339 UTC text.
fn timestamp(value: Option<&Value>, at: usize) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| s.is_finite())
            .and_then(|s| {
                let whole = s.floor();
                let nanos = ((s - whole) * 1e9).round().min(999_999_999.0) as u32;
                chrono::DateTime::from_timestamp(whole as i64, nanos)
            })
            .map(|t| Some(t.to_rfc3339()))
            .ok_or_else(|| format!("messages[{at}].timestamp {n} is not a time")),
        Some(other) => Err(format!(
            "messages[{at}].timestamp must be a string, a number (seconds since the epoch) or null, got {}",
            type_name(other)
        )),
    }
}

fn message(value: &Value, at: usize) -> Result<Message, String> {
    let Value::Object(fields) = value else {
        return Err(format!(
            "messages[{at}] must be an object with role, content and an optional timestamp, got {}",
            type_name(value)
        ));
    };
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(format!("messages[{at}] has no {name}")),
        Some(other) => Err(format!(
            "messages[{at}].{name} must be a string, got {}",
            type_name(other)
        )),
    };
    let role = text("role")?;
    if role.trim().is_empty() {
        return Err(format!("messages[{at}].role must not be empty"));
    }
    Ok(Message {
        role,
        content: text("content")?,
        timestamp: timestamp(fields.get("timestamp"), at)?,
    })
}

/// The request, checked: conversation_id a non-empty string; user_id a non-empty string or
/// null; messages a list of `{role, content, timestamp?}` objects (other keys are ignored),
/// at most `MAX_MESSAGES` of them and `MAX_MESSAGES_BYTES` in all. Otherwise the problem.
pub fn check(request: &Value) -> Result<CheckedRequest, String> {
    let Value::Object(fields) = request else {
        return Err(format!(
            "the request must be an object with conversation_id and messages, got {}",
            type_name(request)
        ));
    };
    let conversation_id =
        id(fields.get("conversation_id"), "conversation_id", true)?.unwrap_or_default();
    let user_id = id(fields.get("user_id"), "user_id", false)?;
    Ok(CheckedRequest {
        conversation_id,
        user_id,
        messages: messages(fields.get("messages"))?,
    })
}

/// The messages, checked: a list of `{role, content, timestamp?}` objects (other keys are
/// ignored), at most `MAX_MESSAGES` of them and `MAX_MESSAGES_BYTES` in all.
pub fn messages(value: Option<&Value>) -> Result<Vec<Message>, String> {
    let list = match value {
        Some(Value::Array(list)) => list,
        None => {
            return Err(
                "messages is missing; it must be a list of {role, content, timestamp?} objects"
                    .into(),
            );
        }
        Some(other) => {
            return Err(format!(
                "messages must be a list of {{role, content, timestamp?}} objects, got {}",
                type_name(other)
            ));
        }
    };
    let bytes = serde_json::to_vec(list)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    check_size(list.len(), bytes)?;
    list.iter()
        .enumerate()
        .map(|(at, m)| message(m, at))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(request: Value) -> String {
        check(&request).unwrap_err()
    }

    #[test]
    fn a_good_request() {
        let r = check(&json!({
            "conversation_id": "c1",
            "user_id": null,
            "messages": [
                {"role": "user", "content": "hi", "timestamp": "2026-11-27T10:00:00"},
                {"role": "assistant", "content": "hello", "ts": 1.5, "context": {}},
                {"role": "user", "content": "x", "timestamp": 1_800_000_000.25}
            ]
        }))
        .unwrap();
        assert_eq!(r.conversation_id, "c1");
        assert_eq!(r.user_id, None);
        assert_eq!(
            r.messages[0].timestamp.as_deref(),
            Some("2026-11-27T10:00:00")
        );
        assert_eq!(r.messages[1].timestamp, None);
        assert_eq!(
            r.messages[2].timestamp.as_deref(),
            Some("2027-01-15T08:00:00.250+00:00")
        );
    }

    #[test]
    fn problems_are_named() {
        let m = json!([{"role": "user", "content": "hi"}]);
        assert!(problem(json!("text")).contains("must be an object"));
        assert!(problem(json!({"messages": m})).contains("conversation_id is missing"));
        assert!(
            problem(json!({"conversation_id": " ", "messages": m})).contains("got an empty string")
        );
        assert!(problem(json!({"conversation_id": 5, "messages": m})).contains("got a number"));
        assert!(
            problem(json!({"conversation_id": "x".repeat(257), "messages": m}))
                .contains("at most 256")
        );
        assert!(
            problem(json!({"conversation_id": "c", "user_id": "", "messages": m}))
                .contains("user_id must be a non-empty string or null")
        );
        assert!(problem(json!({"conversation_id": "c"})).contains("messages is missing"));
        assert!(
            problem(json!({"conversation_id": "c", "messages": "hi"})).contains(
                "messages must be a list of {role, content, timestamp?} objects, got a string"
            )
        );
        assert_eq!(
            problem(json!({"conversation_id": "c", "messages": ["hi"]})),
            "messages[0] must be an object with role, content and an optional timestamp, got a string"
        );
        assert_eq!(
            problem(json!({"conversation_id": "c", "messages": [{"role": "user"}]})),
            "messages[0] has no content"
        );
        assert_eq!(
            problem(json!({"conversation_id": "c", "messages": [{"content": "x"}]})),
            "messages[0] has no role"
        );
        assert_eq!(
            problem(json!({"conversation_id": "c", "messages": [{"role": "user", "content": 3}]})),
            "messages[0].content must be a string, got a number"
        );
        assert!(problem(json!({"conversation_id": "c", "messages": [{"role": "user", "content": "x", "timestamp": []}]})).contains("timestamp must be a string, a number"));
    }

    #[test]
    fn limits() {
        let one = json!({"role": "user", "content": "x"});
        let at_most: Vec<Value> = vec![one.clone(); MAX_MESSAGES];
        assert!(check(&json!({"conversation_id": "c", "messages": at_most})).is_ok());
        let too_many: Vec<Value> = vec![one; MAX_MESSAGES + 1];
        assert_eq!(
            problem(json!({"conversation_id": "c", "messages": too_many})),
            "messages has 10001 entries; at most 10000 are allowed"
        );
        // [{"role":"user","content":"..."}] is 30 bytes around the content.
        let fits = "é".repeat((MAX_MESSAGES_BYTES - 30) / 2);
        assert!(
            check(
                &json!({"conversation_id": "c", "messages": [{"role": "user", "content": fits}]})
            )
            .is_ok()
        );
        let big = "é".repeat((MAX_MESSAGES_BYTES - 30) / 2 + 1);
        assert_eq!(
            problem(
                json!({"conversation_id": "c", "messages": [{"role": "user", "content": big}]})
            ),
            "messages are 1048578 bytes of JSON; at most 1048576 are allowed"
        );
    }
}
