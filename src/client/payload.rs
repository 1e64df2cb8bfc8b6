//! Payloads as other Temporal SDKs write them: JSON as `json/plain`, null as `binary/null`.
//! Values cross into and out of this module as JSON text, so no conversion happens here
//! beyond checking that the text is JSON.

use std::collections::HashMap;

use temporalio_common::protos::temporal::api::common::v1::{Payload, Payloads};

use super::error::ClientError;

/// The server refuses larger payloads; refusing them here gives a clear error instead.
pub const MAX_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;

const ENCODING: &str = "encoding";
const JSON: &[u8] = b"json/plain";
const NULL: &[u8] = b"binary/null";

/// A payload holding `json`, which must be one JSON document.
pub fn encode(json: &[u8]) -> Result<Payload, ClientError> {
    let value: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| ClientError::Payload(format!("a value is not valid JSON: {e}")))?;
    if json.len() > MAX_PAYLOAD_BYTES {
        return Err(ClientError::Payload(format!(
            "a value of {} bytes is over the {MAX_PAYLOAD_BYTES}-byte payload limit; keep large data on disk and pass its path",
            json.len()
        )));
    }
    let (encoding, data) = if value.is_null() {
        (NULL, Vec::new())
    } else {
        (JSON, json.to_vec())
    };
    Ok(Payload {
        metadata: HashMap::from([(ENCODING.to_owned(), encoding.to_vec())]),
        data,
        ..Default::default()
    })
}

/// Payloads for a list of JSON values, each its own payload (as the official SDKs pass
/// several arguments), within the total limit.
pub fn encode_all(values: &[Vec<u8>]) -> Result<Option<Payloads>, ClientError> {
    let total: usize = values.iter().map(Vec::len).sum();
    if total > MAX_PAYLOAD_BYTES {
        return Err(ClientError::Payload(format!(
            "the arguments total {total} bytes, over the {MAX_PAYLOAD_BYTES}-byte payload limit; keep large data on disk and pass its path"
        )));
    }
    if values.is_empty() {
        return Ok(None);
    }
    Ok(Some(Payloads {
        payloads: values.iter().map(|v| encode(v)).collect::<Result<_, _>>()?,
    }))
}

/// The JSON text a payload holds (`null` for `binary/null`); other encodings are an error
/// naming them, as this client speaks JSON only.
pub fn decode(payload: &Payload) -> Result<Vec<u8>, ClientError> {
    match payload.metadata.get(ENCODING).map(Vec::as_slice) {
        Some(JSON) => Ok(payload.data.clone()),
        Some(NULL) => Ok(b"null".to_vec()),
        Some(other) => Err(ClientError::Payload(format!(
            "a payload has encoding {:?}; this client reads json/plain and binary/null only",
            String::from_utf8_lossy(other)
        ))),
        None => Err(ClientError::Payload("a payload has no encoding".into())),
    }
}

/// The first payload's JSON, `null` when there is none.
pub fn decode_first(payloads: Option<&Payloads>) -> Result<Vec<u8>, ClientError> {
    match payloads.and_then(|p| p.payloads.first()) {
        Some(payload) => decode(payload),
        None => Ok(b"null".to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_null() {
        let p = encode(br#"{"a":1}"#).unwrap();
        assert_eq!(p.metadata[ENCODING], JSON);
        assert_eq!(decode(&p).unwrap(), br#"{"a":1}"#);
        let n = encode(b"null").unwrap();
        assert_eq!(n.metadata[ENCODING], NULL);
        assert_eq!(decode(&n).unwrap(), b"null");
        assert_eq!(decode_first(None).unwrap(), b"null");
    }

    #[test]
    fn limits_and_bad_input() {
        assert!(
            encode(b"{not json")
                .unwrap_err()
                .to_string()
                .contains("not valid JSON")
        );
        let big = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES));
        assert!(
            encode(big.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("payload limit")
        );
        let half = format!("\"{}\"", "x".repeat(MAX_PAYLOAD_BYTES / 2 + 10));
        let err = encode_all(&[half.clone().into_bytes(), half.into_bytes()]).unwrap_err();
        assert!(err.to_string().contains("arguments total"));
        let mut other = encode(b"1").unwrap();
        other
            .metadata
            .insert(ENCODING.into(), b"binary/protobuf".to_vec());
        assert!(
            decode(&other)
                .unwrap_err()
                .to_string()
                .contains("binary/protobuf")
        );
    }
}
