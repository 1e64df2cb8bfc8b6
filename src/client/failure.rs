//! A Temporal `Failure` as a readable cause chain.

use temporalio_common::protos::temporal::api::failure::v1::Failure;
use temporalio_common::protos::temporal::api::failure::v1::failure::FailureInfo;

use super::error::FailureLink;

/// The failure and its causes, outermost first.
pub fn chain(failure: Option<&Failure>) -> Vec<FailureLink> {
    let mut links = Vec::new();
    let mut next = failure;
    while let Some(f) = next {
        links.push(FailureLink {
            kind: kind(f),
            message: f.message.clone(),
        });
        next = f.cause.as_deref();
    }
    links
}

fn kind(failure: &Failure) -> String {
    match &failure.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(info)) if !info.r#type.is_empty() => {
            info.r#type.clone()
        }
        Some(FailureInfo::ApplicationFailureInfo(_)) => "ApplicationError".into(),
        Some(FailureInfo::ActivityFailureInfo(info)) => {
            format!(
                "ActivityError in {}",
                info.activity_type.as_ref().map_or("?", |t| t.name.as_str())
            )
        }
        Some(FailureInfo::TimeoutFailureInfo(_)) => "TimeoutError".into(),
        Some(FailureInfo::CanceledFailureInfo(_)) => "CancelledError".into(),
        Some(FailureInfo::TerminatedFailureInfo(_)) => "TerminatedError".into(),
        Some(FailureInfo::ServerFailureInfo(_)) => "ServerError".into(),
        Some(FailureInfo::ChildWorkflowExecutionFailureInfo(_)) => "ChildWorkflowError".into(),
        _ => "Failure".into(),
    }
}
