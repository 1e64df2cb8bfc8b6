//! A workflow's request as it arrived. Other clients start workflows by type name with any
//! JSON; if the SDK decoded that JSON into the request type itself, a wrong field type or a
//! missing field would fail the first workflow task, which Temporal retries forever. Every
//! workflow takes its request as `Input<T>` instead: decoding never fails the task, and a
//! request that is not a `T` becomes a `success=false` result naming the field and what the
//! request type allows.

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use temporalio_common::data_converters::{
    PayloadConversionError, SerializationContext, TemporalDeserializable,
};
use temporalio_common::protos::temporal::api::common::v1::Payload;

use super::types::{Schema, describe};

/// The request, or why the payloads the workflow was started with are not one.
#[derive(Debug, Clone, PartialEq)]
pub struct Input<T>(Result<T, String>);

impl<T> Input<T> {
    /// The request, or the error a `success=false` result should carry.
    pub fn into_request(self) -> Result<T, String> {
        self.0
    }
}

impl<T> From<T> for Input<T> {
    fn from(request: T) -> Self {
        Input(Ok(request))
    }
}

/// A typed Rust client sends the request itself (never an undecodable one).
impl<T: Serialize> Serialize for Input<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(request) => request.serialize(serializer),
            Err(_) => serializer.serialize_none(),
        }
    }
}

/// Decodes the raw payloads here (the SDK's composite converter asks wrapper types first),
/// so that no payload, several, a foreign encoding or bad JSON are all answered too.
impl<T: DeserializeOwned + Schema> TemporalDeserializable for Input<T> {
    fn from_payloads(
        _: &SerializationContext<'_>,
        payloads: Vec<Payload>,
    ) -> Result<Self, PayloadConversionError> {
        Ok(Input(decode_payloads(&payloads)))
    }

    fn from_payload(
        _: &SerializationContext<'_>,
        payload: Payload,
    ) -> Result<Self, PayloadConversionError> {
        Ok(Input(decode_payloads(&[payload])))
    }
}

/// The request the payloads hold, or an error that says what was wrong and what `T` takes.
pub fn decode_payloads<T: DeserializeOwned + Schema>(payloads: &[Payload]) -> Result<T, String> {
    let problem = match payloads {
        [payload] => match encoding(payload) {
            "json/plain" => match decode_json::<T>(&payload.data) {
                Ok(request) => return Ok(request),
                Err(problem) => problem,
            },
            "binary/null" => "the input is null".to_owned(),
            other => format!("the input is encoded as {other:?}, not json/plain"),
        },
        [] => "no input was given".to_owned(),
        many => format!("{} inputs were given, not one", many.len()),
    };
    Err(format!(
        "Invalid {} input: {problem}; {}",
        T::NAME,
        allowed::<T>()
    ))
}

/// `T` from JSON text; the error names the field (its path) that does not fit.
pub fn decode_json<T: DeserializeOwned>(data: &[u8]) -> Result<T, String> {
    let value: serde_json::Value =
        serde_json::from_slice(data).map_err(|e| format!("the input is not valid JSON ({e})"))?;
    // serde would also take an array as the fields in order; a request is an object.
    let other = match &value {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("an array"),
        serde_json::Value::String(_) => Some("a string"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::Bool(_) => Some("a boolean"),
        serde_json::Value::Null => Some("null"),
    };
    if let Some(other) = other {
        return Err(format!("the input is {other}, not a JSON object"));
    }
    decode_value(value)
}

/// `T` from a JSON value; the error names the field (its path) that does not fit.
pub fn decode_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        match path.as_str() {
            "." => e.into_inner().to_string(),
            field => format!("field {field:?}: {}", e.into_inner()),
        }
    })
}

/// "expected a JSON object with fields a (required), b, ..." for `T`.
pub fn allowed<T: Schema>() -> String {
    let (_, required, fields) = describe::<T>();
    let fields: Vec<String> = fields
        .keys()
        .map(|name| {
            if required.contains(&name.as_str()) {
                format!("{name} (required)")
            } else {
                name.clone()
            }
        })
        .collect();
    format!("expected a JSON object with fields {}", fields.join(", "))
}

fn encoding(payload: &Payload) -> &str {
    payload
        .metadata
        .get("encoding")
        .and_then(|e| std::str::from_utf8(e).ok())
        .unwrap_or("(none)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::types::{DataAnalysisRequest, LearningRequest};

    fn json(text: &str) -> Payload {
        Payload {
            metadata: [("encoding".to_owned(), b"json/plain".to_vec())].into(),
            data: text.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn a_wrong_field_type_names_the_field_and_the_fields_allowed() {
        let e = decode_payloads::<DataAnalysisRequest>(&[json(
            r#"{"file_path": "a.csv", "analysis_type": "full", "n_clusters": "three"}"#,
        )])
        .unwrap_err();
        assert!(e.starts_with("Invalid DataAnalysisRequest input: "), "{e}");
        assert!(
            e.contains(r#"field "n_clusters": invalid type: string "three""#),
            "{e}"
        );
        assert!(e.contains("file_path (required)"), "{e}");
        assert!(e.contains("n_clusters"), "{e}");
    }

    #[test]
    fn missing_fields_bad_json_and_other_encodings_are_errors() {
        let e = decode_payloads::<LearningRequest>(&[json(r#"{"content": "x"}"#)]).unwrap_err();
        assert!(e.contains("missing field `source`"), "{e}");
        let e = decode_payloads::<LearningRequest>(&[json("{\"content\": ")]).unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = decode_payloads::<LearningRequest>(&[json("[1, 2]")]).unwrap_err();
        assert!(
            e.contains("the input is an array, not a JSON object"),
            "{e}"
        );
        let e = decode_payloads::<LearningRequest>(&[]).unwrap_err();
        assert!(e.contains("no input was given"), "{e}");
        let mut raw = json("{}");
        raw.metadata
            .insert("encoding".into(), b"binary/plain".to_vec());
        let e = decode_payloads::<LearningRequest>(&[raw]).unwrap_err();
        assert!(e.contains("binary/plain"), "{e}");
        let e = decode_payloads::<LearningRequest>(&[json("{}"), json("{}")]).unwrap_err();
        assert!(e.contains("2 inputs"), "{e}");
    }

    #[test]
    fn a_good_request_decodes() {
        let r = decode_payloads::<LearningRequest>(&[json(
            r#"{"content": "c", "source": "s", "category": "tips", "extra": 1}"#,
        )])
        .unwrap();
        assert_eq!(r.category, "tips");
    }
}
