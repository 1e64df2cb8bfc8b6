//! Looking at workflows: describe one, read its history, list and count by visibility query.

use serde::Serialize;
use temporalio_client::grpc::WorkflowService;
use temporalio_client::tonic::IntoRequest;
use temporalio_common::protos::temporal::api::enums::v1::{EventType, WorkflowExecutionStatus};
use temporalio_common::protos::temporal::api::history::v1::{
    History, HistoryEvent as ApiHistoryEvent,
};
use temporalio_common::protos::temporal::api::workflow::v1::WorkflowExecutionInfo;
use temporalio_common::protos::temporal::api::workflowservice::v1::{
    CountWorkflowExecutionsRequest, DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest, ListWorkflowExecutionsRequest,
};

use super::TemporalClient;
use super::error::ClientError;

/// One workflow execution as describe and list report it. Times are seconds since the epoch.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowSummary {
    pub workflow_id: String,
    pub run_id: String,
    pub workflow_type: String,
    /// running, completed, failed, canceled, terminated, continued_as_new, timed_out.
    pub status: String,
    pub task_queue: String,
    pub start_time: Option<f64>,
    pub close_time: Option<f64>,
    pub execution_time: Option<f64>,
    pub history_length: i64,
}

/// One history event: its id, type (e.g. ActivityTaskScheduled), time and attributes.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEvent {
    pub event_id: i64,
    pub event_type: String,
    pub event_time: Option<f64>,
    pub attributes: serde_json::Value,
}

/// A protobuf timestamp as seconds since the epoch.
macro_rules! seconds {
    ($t:expr) => {
        $t.as_ref()
            .map(|t| t.seconds as f64 + f64::from(t.nanos) / 1e9)
    };
}

fn status_name(status: i32) -> String {
    let name = WorkflowExecutionStatus::try_from(status)
        .map_or("WORKFLOW_EXECUTION_STATUS_UNSPECIFIED", |s| s.as_str_name());
    name.trim_start_matches("WORKFLOW_EXECUTION_STATUS_")
        .to_ascii_lowercase()
}

fn summary(info: WorkflowExecutionInfo) -> WorkflowSummary {
    let execution = info.execution.unwrap_or_default();
    WorkflowSummary {
        workflow_id: execution.workflow_id,
        run_id: execution.run_id,
        workflow_type: info.r#type.map(|t| t.name).unwrap_or_default(),
        status: status_name(info.status),
        task_queue: info.task_queue,
        start_time: seconds!(info.start_time),
        close_time: seconds!(info.close_time),
        execution_time: seconds!(info.execution_time),
        history_length: info.history_length,
    }
}

fn event_type_name(event_type: i32) -> String {
    let name =
        EventType::try_from(event_type).map_or("EVENT_TYPE_UNSPECIFIED", |t| t.as_str_name());
    // EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> ActivityTaskScheduled, as the Web UI shows it.
    name.trim_start_matches("EVENT_TYPE_")
        .split('_')
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_string() + &chars.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect()
}

/// An event with its type as the Web UI names it and its attributes as plain JSON.
fn readable(event: ApiHistoryEvent) -> HistoryEvent {
    let attributes = match event.attributes.as_ref().map(serde_json::to_value) {
        // The oneof serializes as {"XEventAttributes": {...}}; keep the inside.
        Some(Ok(serde_json::Value::Object(mut outer))) if outer.len() == 1 => outer
            .values_mut()
            .next()
            .map(std::mem::take)
            .unwrap_or_default(),
        Some(Ok(other)) => other,
        _ => serde_json::Value::Null,
    };
    HistoryEvent {
        event_id: event.event_id,
        event_type: event_type_name(event.event_type),
        event_time: seconds!(event.event_time),
        attributes,
    }
}

impl TemporalClient {
    pub async fn describe(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
    ) -> Result<WorkflowSummary, ClientError> {
        let request = DescribeWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            execution: Self::execution(workflow_id, run_id),
        };
        let response = self
            .service()
            .describe_workflow_execution(request.into_request())
            .await
            .map_err(|s| ClientError::rpc("DescribeWorkflowExecution", &s))?
            .into_inner();
        Ok(summary(
            response.workflow_execution_info.unwrap_or_default(),
        ))
    }

    /// Every event of the run so far, as the API holds them (what replay reads); more than
    /// `max_events`, or a page without events that promises more, is an error.
    pub async fn raw_history(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        max_events: usize,
    ) -> Result<History, ClientError> {
        let mut events = Vec::new();
        let mut token = Vec::new();
        loop {
            let request = GetWorkflowExecutionHistoryRequest {
                namespace: self.namespace.clone(),
                execution: Self::execution(workflow_id, run_id),
                next_page_token: token,
                ..Default::default()
            };
            let response = self
                .service()
                .get_workflow_execution_history(request.into_request())
                .await
                .map_err(|s| ClientError::rpc("GetWorkflowExecutionHistory", &s))?
                .into_inner();
            let page = response.history.map(|h| h.events).unwrap_or_default();
            let endless = page.is_empty() && !response.next_page_token.is_empty();
            events.extend(page);
            if events.len() > max_events || endless {
                return Err(ClientError::Payload(format!(
                    "the server sent {} events of {workflow_id} and {}; at most {max_events} are read",
                    events.len(),
                    if endless {
                        "an empty page promising more"
                    } else {
                        "more"
                    }
                )));
            }
            if response.next_page_token.is_empty() {
                return Ok(History { events });
            }
            token = response.next_page_token;
        }
    }

    /// Every event of the run so far.
    pub async fn history(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
    ) -> Result<Vec<HistoryEvent>, ClientError> {
        let history = self.raw_history(workflow_id, run_id, usize::MAX).await?;
        Ok(history.events.into_iter().map(readable).collect())
    }

    /// One page of the workflows matching a visibility query, and the token of the next.
    pub async fn list_page(
        &self,
        query: &str,
        page_size: i32,
        token: Vec<u8>,
    ) -> Result<(Vec<WorkflowSummary>, Vec<u8>), ClientError> {
        let request = ListWorkflowExecutionsRequest {
            namespace: self.namespace.clone(),
            page_size,
            next_page_token: token,
            query: query.to_owned(),
        };
        let response = self
            .service()
            .list_workflow_executions(request.into_request())
            .await
            .map_err(|s| ClientError::rpc("ListWorkflowExecutions", &s))?
            .into_inner();
        Ok((
            response.executions.into_iter().map(summary).collect(),
            response.next_page_token,
        ))
    }

    pub async fn count(&self, query: &str) -> Result<u64, ClientError> {
        let request = CountWorkflowExecutionsRequest {
            namespace: self.namespace.clone(),
            query: query.to_owned(),
        };
        let response = self
            .service()
            .count_workflow_executions(request.into_request())
            .await
            .map_err(|s| ClientError::rpc("CountWorkflowExecutions", &s))?
            .into_inner();
        Ok(u64::try_from(response.count).unwrap_or(0))
    }
}
