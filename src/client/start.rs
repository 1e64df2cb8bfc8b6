//! Starting a workflow by its type name.

use std::collections::HashMap;
use std::time::Duration;

use temporalio_client::grpc::WorkflowService;
use temporalio_client::tonic::{Code, IntoRequest};
use temporalio_common::protos::temporal::api::common::v1::{
    Memo, RetryPolicy, SearchAttributes, WorkflowType,
};
use temporalio_common::protos::temporal::api::enums::v1::{
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
};
use temporalio_common::protos::temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure;
use temporalio_common::protos::temporal::api::taskqueue::v1::TaskQueue;
use temporalio_common::protos::temporal::api::workflowservice::v1::StartWorkflowExecutionRequest;
use temporalio_common::protos::utilities::decode_status_detail;

use super::error::ClientError;
use super::{TemporalClient, payload};

/// What may happen when a closed workflow with the same id exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdReusePolicy {
    #[default]
    AllowDuplicate,
    AllowDuplicateFailedOnly,
    RejectDuplicate,
}

/// What may happen when a running workflow with the same id exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdConflictPolicy {
    #[default]
    Fail,
    UseExisting,
    TerminateExisting,
}

impl IdReusePolicy {
    pub fn parse(name: &str) -> Result<Self, ClientError> {
        Ok(match name {
            "allow_duplicate" => Self::AllowDuplicate,
            "allow_duplicate_failed_only" => Self::AllowDuplicateFailedOnly,
            "reject_duplicate" => Self::RejectDuplicate,
            other => {
                return Err(ClientError::Settings(format!(
                    "id_reuse_policy {other:?} is not one of allow_duplicate, allow_duplicate_failed_only, reject_duplicate (for a running workflow, use id_conflict_policy)"
                )));
            }
        })
    }

    fn proto(self) -> WorkflowIdReusePolicy {
        match self {
            Self::AllowDuplicate => WorkflowIdReusePolicy::AllowDuplicate,
            Self::AllowDuplicateFailedOnly => WorkflowIdReusePolicy::AllowDuplicateFailedOnly,
            Self::RejectDuplicate => WorkflowIdReusePolicy::RejectDuplicate,
        }
    }
}

impl IdConflictPolicy {
    pub fn parse(name: &str) -> Result<Self, ClientError> {
        Ok(match name {
            "fail" => Self::Fail,
            "use_existing" => Self::UseExisting,
            "terminate_existing" => Self::TerminateExisting,
            other => {
                return Err(ClientError::Settings(format!(
                    "id_conflict_policy {other:?} is not one of fail, use_existing, terminate_existing"
                )));
            }
        })
    }

    fn proto(self) -> WorkflowIdConflictPolicy {
        match self {
            Self::Fail => WorkflowIdConflictPolicy::Fail,
            Self::UseExisting => WorkflowIdConflictPolicy::UseExisting,
            Self::TerminateExisting => WorkflowIdConflictPolicy::TerminateExisting,
        }
    }
}

/// A retry policy for the workflow itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryPolicySpec {
    pub initial_interval: Option<Duration>,
    pub backoff_coefficient: Option<f64>,
    pub maximum_interval: Option<Duration>,
    /// 0 means unlimited.
    pub maximum_attempts: u32,
    pub non_retryable_error_types: Vec<String>,
}

impl RetryPolicySpec {
    pub fn proto(&self) -> RetryPolicy {
        RetryPolicy {
            initial_interval: self.initial_interval.and_then(|d| d.try_into().ok()),
            backoff_coefficient: self.backoff_coefficient.unwrap_or(2.0),
            maximum_interval: self.maximum_interval.and_then(|d| d.try_into().ok()),
            maximum_attempts: i32::try_from(self.maximum_attempts).unwrap_or(i32::MAX),
            non_retryable_error_types: self.non_retryable_error_types.clone(),
        }
    }
}

/// A workflow start. Arguments, memo values and search attributes are JSON text.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub workflow_type: String,
    pub workflow_id: String,
    pub task_queue: String,
    pub args: Vec<Vec<u8>>,
    pub execution_timeout: Option<Duration>,
    pub run_timeout: Option<Duration>,
    pub task_timeout: Option<Duration>,
    pub id_reuse_policy: IdReusePolicy,
    pub id_conflict_policy: IdConflictPolicy,
    pub retry_policy: Option<RetryPolicySpec>,
    pub memo: Vec<(String, Vec<u8>)>,
    pub search_attributes: Vec<(String, Vec<u8>)>,
    /// Ask the server to hand the first workflow task straight back to a worker built on
    /// this client's connection, skipping a poll round trip; ignored when no such worker
    /// has a free slot.
    pub eager: bool,
}

fn payload_map(
    values: &[(String, Vec<u8>)],
) -> Result<
    HashMap<String, temporalio_common::protos::temporal::api::common::v1::Payload>,
    ClientError,
> {
    values
        .iter()
        .map(|(k, v)| Ok((k.clone(), payload::encode(v)?)))
        .collect()
}

impl TemporalClient {
    /// Starts the workflow and returns its run id.
    pub async fn start_workflow(&self, options: &StartOptions) -> Result<String, ClientError> {
        for (what, value) in [
            ("workflow type", &options.workflow_type),
            ("workflow id", &options.workflow_id),
            ("task queue", &options.task_queue),
        ] {
            if value.trim().is_empty() {
                return Err(ClientError::Settings(format!(
                    "the {what} must not be empty"
                )));
            }
        }
        let memo = (!options.memo.is_empty())
            .then(|| payload_map(&options.memo))
            .transpose()?;
        let search = (!options.search_attributes.is_empty())
            .then(|| payload_map(&options.search_attributes))
            .transpose()?;
        let request = StartWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_id: options.workflow_id.clone(),
            workflow_type: Some(WorkflowType {
                name: options.workflow_type.clone(),
            }),
            task_queue: Some(TaskQueue {
                name: options.task_queue.clone(),
                ..Default::default()
            }),
            input: payload::encode_all(&options.args)?,
            workflow_execution_timeout: options.execution_timeout.and_then(|d| d.try_into().ok()),
            workflow_run_timeout: options.run_timeout.and_then(|d| d.try_into().ok()),
            workflow_task_timeout: options.task_timeout.and_then(|d| d.try_into().ok()),
            identity: self.identity.clone(),
            request_id: Self::request_id(),
            workflow_id_reuse_policy: options.id_reuse_policy.proto() as i32,
            workflow_id_conflict_policy: options.id_conflict_policy.proto() as i32,
            retry_policy: options.retry_policy.as_ref().map(RetryPolicySpec::proto),
            memo: memo.map(|fields| Memo { fields }),
            search_attributes: search.map(|indexed_fields| SearchAttributes { indexed_fields }),
            request_eager_execution: options.eager,
            ..Default::default()
        };
        match self
            .service()
            .start_workflow_execution(request.into_request())
            .await
        {
            Ok(response) => Ok(response.into_inner().run_id),
            Err(status) if status.code() == Code::AlreadyExists => {
                Err(ClientError::AlreadyStarted {
                    workflow_id: options.workflow_id.clone(),
                    run_id: decode_status_detail::<WorkflowExecutionAlreadyStartedFailure>(
                        status.details(),
                    )
                    .map(|d| d.run_id),
                })
            }
            Err(status) => Err(ClientError::rpc("StartWorkflowExecution", &status)),
        }
    }
}
