//! Property tests: arbitrary and near-valid input to every parser and decoder that reads
//! what a user or another client wrote. None may panic; every refusal is an error with a
//! message. The number of cases per property is `PROPTEST_CASES` (default 256 here).

use std::path::Path;

use project_ai_temporal::activities::faults::Faults;
use project_ai_temporal::client::payload;
use project_ai_temporal::config::{LoadOptions, TemporalConfig};
use project_ai_temporal::domain::analysis::access::Capped;
use project_ai_temporal::domain::analysis::limits::Limits;
use project_ai_temporal::domain::analysis::load::{load_delimited, load_json, load_json_lines};
use project_ai_temporal::domain::analysis::spreadsheet::load_xlsx;
use project_ai_temporal::domain::image::safety;
use project_ai_temporal::domain::memory::extract::{Message, extract};
use project_ai_temporal::domain::memory::request;
use project_ai_temporal::wire::input::{decode_json, decode_payloads};
use project_ai_temporal::wire::types::{
    DataAnalysisRequest, ImageGenerationRequest, LearningRequest, MemoryExpansionRequest,
};
use proptest::prelude::*;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// Text that looks like the format more often than random bytes would.
fn texty(alphabet: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(alphabet.chars().collect::<Vec<_>>()),
        0..200,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

const ENV_CHARS: &str = "TEMPORAL_HOSTNAMESPACEPIKY=\"'#\n \\:/.0123456789-_xyz\u{e9}\u{0}";
const TOML_CHARS: &str =
    "[]{}=\"'#\n ,.:profile.default addresnamespace tls api_key 0123456789truefalse\u{e9}";
const CSV_CHARS: &str = "a,b;c\t|\"\n\r 0123456789.-eNaN TRUEfalse\u{e9}";
const JSON_CHARS: &str = "{}[]\":,\n 0123456789.-eabtrufalsnul\\\u{e9}";

fn message_of(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "an error without a message");
    text
}

fn config_from(folder: &Path, env_file: &str, toml: &str) -> Result<TemporalConfig, String> {
    let env_path = folder.join(".env.temporal");
    let toml_path = folder.join("temporal.toml");
    std::fs::write(&env_path, env_file).unwrap();
    std::fs::write(&toml_path, toml).unwrap();
    TemporalConfig::load(&LoadOptions {
        env_file: Some(env_path),
        config_file: Some(toml_path),
        environment: Some(Vec::new()),
        ..LoadOptions::default()
    })
    .map_err(message_of)
}

fn json_payload(data: Vec<u8>, encoding: &str) -> Payload {
    Payload {
        metadata: [("encoding".to_owned(), encoding.as_bytes().to_vec())].into(),
        data,
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        // A failure prints its minimal input; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn config_files_never_panic(env_file in texty(ENV_CHARS), toml in texty(TOML_CHARS)) {
        let folder = tempfile::tempdir().unwrap();
        let _ = config_from(folder.path(), &env_file, &toml);
    }

    #[test]
    fn config_values_are_checked(field in proptest::sample::select(vec![
        "TEMPORAL_HOST", "TEMPORAL_NAMESPACE", "TEMPORAL_MAX_CONCURRENT_ACTIVITIES",
        "TEMPORAL_CONNECT_TIMEOUT", "TEMPORAL_TLS", "TEMPORAL_LOG_LEVEL", "TEMPORAL_ADDRESS",
        "TEMPORAL_INITIAL_RETRY_INTERVAL", "TEMPORAL_API_KEY",
    ]), value in "\\PC{0,40}") {
        let folder = tempfile::tempdir().unwrap();
        let line = format!("{field}={}\n", value.replace(['\n', '\r'], " "));
        if let Err(e) = config_from(folder.path(), &line, "") {
            // A refusal names the setting it refused.
            prop_assert!(e.contains("TEMPORAL_") || e.to_lowercase().contains(&field[9..].to_lowercase()), "{e}");
        }
    }

    #[test]
    fn delimited_files_never_panic(text in texty(CSV_CHARS), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        for bytes in [text.as_bytes(), raw.as_slice()] {
            if let Err(e) = load_delimited(Path::new("input.csv"), bytes, None, &Limits::default()) {
                message_of(e.0);
            }
        }
    }

    #[test]
    fn json_files_never_panic(text in texty(JSON_CHARS), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        for bytes in [text.as_bytes(), raw.as_slice()] {
            if let Err(e) = load_json(Path::new("input.json"), bytes, &Limits::default()) {
                message_of(e.0);
            }
            if let Err(e) = load_json_lines(Path::new("input.jsonl"), bytes, &Limits::default()) {
                message_of(e.0);
            }
        }
    }

    #[test]
    fn json_records_of_any_shape_never_panic(rows in proptest::collection::vec(
        proptest::collection::btree_map("[a-c]{1,2}", prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            "\\PC{0,8}".prop_map(serde_json::Value::from),
            Just(serde_json::json!([1, {"x": 2}])),
        ], 0..4), 0..20)) {
        let bytes = serde_json::to_vec(&rows).unwrap();
        if let Err(e) = load_json(Path::new("input.json"), &bytes, &Limits::default()) {
            message_of(e.0);
        }
        let lines: Vec<String> = rows.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
        if let Err(e) = load_json_lines(Path::new("input.jsonl"), lines.join("\n").as_bytes(), &Limits::default()) {
            message_of(e.0);
        }
    }

    #[test]
    fn xlsx_files_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..400), zip_like in any::<bool>()) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("input.xlsx");
        let mut bytes = if zip_like { b"PK\x03\x04".to_vec() } else { Vec::new() };
        bytes.extend(raw);
        std::fs::write(&path, bytes).unwrap();
        if let Err(e) = load_xlsx(&path, Capped::open(&path).unwrap(), None, &Limits::default()) {
            message_of(e.0);
        }
    }

    #[test]
    fn memory_extraction_never_panics_and_is_deterministic(
        contents in proptest::collection::vec("\\PC{0,200}", 0..8),
        user in any::<bool>(),
    ) {
        let messages: Vec<Message> = contents
            .into_iter()
            .map(|content| Message {
                role: if user { "user".into() } else { "assistant".into() },
                content,
                timestamp: None,
            })
            .collect();
        let first = extract(&messages);
        let again = extract(&messages);
        prop_assert_eq!(format!("{first:?}"), format!("{again:?}"));
    }

    #[test]
    fn memory_requests_of_any_shape_are_checked_not_panicked_on(text in texty(JSON_CHARS)) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
            && let Err(e) = request::check(&value)
        {
            prop_assert!(!e.is_empty());
        }
    }

    #[test]
    fn the_safety_filter_never_panics_and_agrees_with_itself(prompt in "\\PC{0,300}") {
        let blocked = safety::blocked_term(&prompt);
        match safety::check(&prompt) {
            Ok(()) => prop_assert!(blocked.is_none()),
            Err(e) => { message_of(e); }
        }
    }

    #[test]
    fn workflow_inputs_are_decoded_or_refused_with_the_fields_allowed(
        data in prop_oneof![texty(JSON_CHARS).prop_map(String::into_bytes), proptest::collection::vec(any::<u8>(), 0..100)],
        encoding in proptest::sample::select(vec!["json/plain", "binary/null", "binary/plain", ""]),
        count in 0usize..3,
    ) {
        let payloads = vec![json_payload(data, encoding); count];
        for e in [
            decode_payloads::<LearningRequest>(&payloads).err(),
            decode_payloads::<ImageGenerationRequest>(&payloads).err(),
            decode_payloads::<DataAnalysisRequest>(&payloads).err(),
            decode_payloads::<MemoryExpansionRequest>(&payloads).err(),
        ].into_iter().flatten() {
            prop_assert!(e.contains("expected a JSON object with fields"), "{e}");
        }
    }

    #[test]
    fn request_fields_of_the_wrong_type_are_named(
        field in proptest::sample::select(vec!["content", "source", "category", "user_id"]),
        value in prop_oneof![
            any::<i64>().prop_map(serde_json::Value::from),
            any::<bool>().prop_map(serde_json::Value::from),
            Just(serde_json::json!([])),
            Just(serde_json::json!({"a": 1})),
        ],
    ) {
        let mut request = serde_json::json!({"content": "c", "source": "s", "category": "tips"});
        request[field] = value;
        let e = decode_json::<LearningRequest>(&serde_json::to_vec(&request).unwrap()).unwrap_err();
        prop_assert!(e.contains(&format!("field {field:?}")), "{e}");
    }

    #[test]
    fn client_payloads_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..200),
        encoding in proptest::sample::select(vec!["json/plain", "binary/null", "binary/plain", "", "json/protobuf"]),
    ) {
        if let Err(e) = payload::encode(&data) {
            message_of(e);
        }
        if let Err(e) = payload::decode(&json_payload(data, encoding)) {
            message_of(e);
        }
    }

    #[test]
    fn the_fault_switch_never_panics(spec in texty("abc_=:,failsleppanic0123456789.-+infNaE ")) {
        if let Err(e) = Faults::parse(&spec) {
            prop_assert!(e.contains("PROJECT_AI_TEMPORAL_FAULTS"), "{e}");
        }
    }
}

#[test]
fn a_sleep_fault_of_infinite_seconds_is_an_error_not_a_panic() {
    for spec in ["a=sleep:inf", "a=sleep:1e400", "a=sleep:NaN"] {
        assert!(Faults::parse(spec).is_err(), "{spec}");
    }
}
