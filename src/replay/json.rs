//! Histories in protobuf's JSON mapping, as `temporal workflow show -o json`, the Web UI's
//! download and every SDK write them, read into the SDK's `History` within a budget.

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage};
use temporalio_common::protos::temporal::api::history::v1::History;

/// A history file larger than this is refused before it is read: Temporal itself ends a
/// workflow whose history passes 50 MiB.
pub const MAX_HISTORY_BYTES: u64 = 64 << 20;
/// Temporal's own limit on a history's events (`limit.historyCount.error`).
pub const MAX_HISTORY_EVENTS: usize = 51_200;

const HISTORY_MESSAGE: &str = "temporal.api.history.v1.History";

/// The Temporal API's descriptors, decoded once (build.rs points at them).
fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(&include_bytes!(env!("TEMPORAL_API_DESCRIPTORS"))[..])
            .expect("temporalio-protos' descriptors decode")
    })
}

/// A JSON error by where it is and what kind it is, never by the text it met: the file
/// may be anything an operator pointed at, a secret among them, and serde quotes values.
fn located(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "cannot be read",
        serde_json::error::Category::Syntax => "is not JSON",
        serde_json::error::Category::Data => "does not fit a Temporal history",
        serde_json::error::Category::Eof => "ends too soon",
    };
    format!(
        "not a Temporal history in JSON: the text {kind} at line {}, column {}",
        error.line(),
        error.column()
    )
}

/// The history in `json` (read within `MAX_HISTORY_BYTES` by the caller); the error names
/// what does not fit.
pub fn parse(json: &[u8]) -> Result<History, String> {
    let descriptor = pool()
        .get_message_by_name(HISTORY_MESSAGE)
        .ok_or("the Temporal API descriptors have no History message")?;
    let mut reader = serde_json::Deserializer::from_slice(json);
    // Newer servers add fields; a history that has them still replays.
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let message = DynamicMessage::deserialize_with_options(descriptor, &mut reader, &options)
        .and_then(|message| reader.end().map(|()| message))
        .map_err(|e| located(&e))?;
    let history = History::decode(message.encode_to_vec().as_slice())
        .map_err(|e| format!("not a Temporal history: {e}"))?;
    if history.events.is_empty() {
        return Err("the history has no events".into());
    }
    if history.events.len() > MAX_HISTORY_EVENTS {
        return Err(format!(
            "the history has {} events; Temporal allows at most {MAX_HISTORY_EVENTS}",
            history.events.len()
        ));
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_format_is_read_with_its_enums_int64s_and_payloads() {
        let json = br#"{"events": [{"eventId": "1", "eventTime": "2026-12-03T07:47:38.898Z",
            "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "taskId": "1048587",
            "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"},
              "input": {"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="},
                "data": "e30="}]}, "workflowTaskTimeout": "10s", "attempt": 1}}]}"#;
        let history = parse(json).unwrap();
        let event = &history.events[0];
        assert_eq!(
            (event.event_id, event.event_type, event.task_id),
            (1, 1, 1048587)
        );
        use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
        let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = &event.attributes
        else {
            panic!("{:?}", event.attributes)
        };
        assert_eq!(started.workflow_type.as_ref().unwrap().name, "W");
        assert_eq!(started.input.as_ref().unwrap().payloads[0].data, b"{}");
    }

    #[test]
    fn what_is_not_a_history_is_named() {
        for (json, says) in [
            (&b"[1, 2]"[..], "not a Temporal history in JSON"),
            (b"{\"events\": []}", "no events"),
            (
                b"{\"events\": [{\"eventId\": \"x\"}]}",
                "not a Temporal history in JSON",
            ),
            (b"{", "not a Temporal history in JSON"),
            (
                b"{\"events\": []} trailing",
                "not a Temporal history in JSON",
            ),
        ] {
            let error = parse(json).unwrap_err();
            assert!(error.contains(says), "{error}");
        }
        // A value the file holds never shows in the error.
        let error = parse(br#"{"events": [{"eventId": "hunter2-secret"}]}"#).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(error.contains("line 1, column"), "{error}");
    }
}
