//! What each workflow's first steps would refuse in a request, found without I/O, so that a
//! client can refuse it before starting a workflow that would only fail (the CLI does).
//! The rules are the steps' own, called from here; the one added is that an empty file path
//! names no data file (validate_data_file would refuse it). Safety checks of prompts and
//! content are left to the workflows: failing them is a result, not a usage error.

use serde_json::Value;

use super::analysis::report::AnalysisType;
use super::image::backends::Backend;
use super::image::prompt;
use super::learning::validate;
use super::memory::request as memory_request;
use crate::wire::input::decode_value;
use crate::wire::types::{DataAnalysisRequest, ImageGenerationRequest, LearningRequest};

/// The first problem the workflow named `workflow_type` would find in `request`; None when
/// there is none, or for a workflow type without such checks.
pub fn problem(workflow_type: &str, request: Value) -> Option<String> {
    let found = match workflow_type {
        "AILearningWorkflow" => learning(request),
        "ImageGenerationWorkflow" => image(request),
        "DataAnalysisWorkflow" => data(request),
        "MemoryExpansionWorkflow" => memory_request::check(&request).map(|_| ()),
        _ => Ok(()),
    };
    found.err()
}

fn learning(request: Value) -> Result<(), String> {
    let request: LearningRequest = decode_value(request)?;
    validate::rejection(&request).map_or(Ok(()), Err)
}

fn image(request: Value) -> Result<(), String> {
    let request: ImageGenerationRequest = decode_value(request)?;
    prompt::parse_size(&request.size)?;
    prompt::enhanced(&request.prompt, &request.style)?;
    Backend::parse(&request.backend).map(|_| ())
}

fn data(request: Value) -> Result<(), String> {
    let request: DataAnalysisRequest = decode_value(request)?;
    if request.file_path.trim().is_empty() {
        return Err("file_path is empty: name the data file to analyse".to_owned());
    }
    AnalysisType::parse(&request.analysis_type).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_workflows_rules_apply() {
        let learn = |category: &str| json!({"content": "long enough content", "source": "cli", "category": category});
        assert_eq!(problem("AILearningWorkflow", learn("tips")), None);
        let found = problem("AILearningWorkflow", learn("gossip")).unwrap();
        assert!(
            found.starts_with("category \"gossip\" is not one of security"),
            "{found}"
        );
        let draw = |field: &str, value: &str| {
            let mut request = json!({"prompt": "a fox", "size": "256x256", "backend": "local"});
            request[field] = json!(value);
            problem("ImageGenerationWorkflow", request)
        };
        assert_eq!(draw("style", "anime"), None);
        assert!(draw("style", "sketch").unwrap().contains("is not one of"));
        assert!(draw("size", "10x10").unwrap().contains("WIDTHxHEIGHT"));
        assert!(
            draw("backend", "paint")
                .unwrap()
                .contains("local, openai, huggingface")
        );
        let analyse = |path: &str, kind: &str| {
            let request = json!({"file_path": path, "analysis_type": kind});
            problem("DataAnalysisWorkflow", request)
        };
        assert_eq!(analyse("a.csv", "full"), None);
        assert!(
            analyse("a.csv", "magic")
                .unwrap()
                .contains("statistics, clustering")
        );
        assert!(analyse(" ", "full").unwrap().contains("file_path is empty"));
        let memory = json!({"conversation_id": "", "messages": []});
        assert!(problem("MemoryExpansionWorkflow", memory).is_some());
        assert_eq!(problem("NoSuchWorkflow", json!({})), None);
    }
}
