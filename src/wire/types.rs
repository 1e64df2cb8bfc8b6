//! The request and result types of the workflows: the one definition of each schema.
//! Field names are snake_case JSON, as Project-AI's dataclasses and every other Temporal SDK
//! send them; optional fields have defaults so old callers keep working. The Python
//! dataclasses in `app.temporal.workflows` mirror these, and a test checks that they agree
//! through `schemas()`.

use serde::{Deserialize, Serialize};

/// A type whose JSON form other clients must agree on.
pub trait Schema: Serialize + Default {
    const NAME: &'static str;
    /// Fields a caller must give; every other field has the default `Default` gives.
    const REQUIRED: &'static [&'static str];
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningRequest {
    pub content: String,
    pub source: String,
    pub category: String,
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningResult {
    pub success: bool,
    #[serde(default)]
    pub knowledge_id: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

fn photorealistic() -> String {
    "photorealistic".into()
}
fn square() -> String {
    "1024x1024".into()
}
fn huggingface() -> String {
    "huggingface".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageGenerationRequest {
    pub prompt: String,
    #[serde(default = "photorealistic")]
    pub style: String,
    #[serde(default = "square")]
    pub size: String,
    #[serde(default = "huggingface")]
    pub backend: String,
    #[serde(default)]
    pub user_id: Option<String>,
    /// For the local renderer: the same prompt, style and seed give the same image. None
    /// derives the seed from the prompt and style.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl Default for ImageGenerationRequest {
    fn default() -> Self {
        Self {
            prompt: String::new(),
            style: photorealistic(),
            size: square(),
            backend: huggingface(),
            user_id: None,
            seed: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageGenerationResult {
    pub success: bool,
    #[serde(default)]
    pub image_path: Option<String>,
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<String>,
    /// `image_path` relative to `artifacts_dir` (`/`-separated), the same on every host
    /// that mounts it.
    #[serde(default)]
    pub relative_image_path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataAnalysisRequest {
    pub file_path: String,
    /// statistics, clustering, correlation, visualization or full.
    pub analysis_type: String,
    #[serde(default)]
    pub user_id: Option<String>,
    /// Columns to cluster on; None means every numeric column.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    #[serde(default = "three")]
    pub n_clusters: u64,
    /// The XLSX sheet; None means the first.
    #[serde(default)]
    pub sheet: Option<String>,
}

fn three() -> u64 {
    3
}

impl Default for DataAnalysisRequest {
    fn default() -> Self {
        Self {
            file_path: String::new(),
            analysis_type: String::new(),
            user_id: None,
            columns: None,
            n_clusters: three(),
            sheet: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataAnalysisResult {
    pub success: bool,
    #[serde(default)]
    pub results: Option<serde_json::Value>,
    #[serde(default)]
    pub output_path: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// `output_path` relative to `artifacts_dir` (`/`-separated).
    #[serde(default)]
    pub relative_output_path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryExpansionRequest {
    pub conversation_id: String,
    pub messages: Vec<serde_json::Value>,
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryExpansionResult {
    pub success: bool,
    #[serde(default)]
    pub memory_count: u64,
    #[serde(default)]
    pub error: Option<String>,
}

/// OrchestrationProbeWorkflow's request: a payload carried through its four steps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeRequest {
    #[serde(default)]
    pub payload: String,
    /// Run the steps as local activities (same timeouts and retries).
    #[serde(default)]
    pub local_activities: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub success: bool,
    #[serde(default)]
    pub steps: u32,
    #[serde(default)]
    pub error: Option<String>,
}

macro_rules! schema {
    ($($t:ident: [$($required:literal),*]),* $(,)?) => {
        $(impl Schema for $t {
            const NAME: &'static str = stringify!($t);
            const REQUIRED: &'static [&'static str] = &[$($required),*];
        })*

        /// Every schema: (type name, required fields, each field with its default as JSON).
        pub fn schemas() -> Vec<(&'static str, Vec<&'static str>, serde_json::Map<String, serde_json::Value>)> {
            vec![$(describe::<$t>()),*]
        }
    };
}

schema!(
    LearningRequest: ["content", "source", "category"],
    LearningResult: ["success"],
    ImageGenerationRequest: ["prompt"],
    ImageGenerationResult: ["success"],
    DataAnalysisRequest: ["file_path", "analysis_type"],
    DataAnalysisResult: ["success"],
    MemoryExpansionRequest: ["conversation_id", "messages"],
    MemoryExpansionResult: ["success"],
    ProbeRequest: [],
    ProbeResult: ["success"],
);

pub(crate) fn describe<T: Schema>() -> (
    &'static str,
    Vec<&'static str>,
    serde_json::Map<String, serde_json::Value>,
) {
    let fields = match serde_json::to_value(T::default()) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    (T::NAME, T::REQUIRED.to_vec(), fields)
}

impl LearningResult {
    pub fn failed(error: impl Into<String>) -> Self {
        LearningResult {
            success: false,
            knowledge_id: None,
            error: Some(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_may_be_missing() {
        let r: LearningRequest =
            serde_json::from_str(r#"{"content": "c", "source": "s", "category": "tips"}"#).unwrap();
        assert_eq!(r.user_id, None);
        let i: ImageGenerationRequest = serde_json::from_str(r#"{"prompt": "a cat"}"#).unwrap();
        assert_eq!(
            (i.style.as_str(), i.size.as_str(), i.backend.as_str()),
            ("photorealistic", "1024x1024", "huggingface")
        );
        assert!(serde_json::from_str::<LearningRequest>(r#"{"content": "c"}"#).is_err());
    }

    #[test]
    fn required_fields_exist() {
        for (name, required, fields) in schemas() {
            for field in required {
                assert!(fields.contains_key(field), "{name}.{field}");
            }
        }
    }
}
