//! Working with one workflow execution: its result, queries, signals, cancel, terminate.

use temporalio_client::grpc::WorkflowService;
use temporalio_client::tonic::IntoRequest;
use temporalio_common::protos::temporal::api::enums::v1::{
    HistoryEventFilterType, QueryRejectCondition,
};
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use temporalio_common::protos::temporal::api::query::v1::WorkflowQuery;
use temporalio_common::protos::temporal::api::workflowservice::v1::{
    GetWorkflowExecutionHistoryRequest, QueryWorkflowRequest,
    RequestCancelWorkflowExecutionRequest, SignalWorkflowExecutionRequest,
    TerminateWorkflowExecutionRequest,
};

use super::error::{ClientError, FailureLink, WorkflowEnd};
use super::{TemporalClient, failure, payload};

/// How a run closed, as its close event says.
enum Closed {
    Completed(Vec<u8>),
    Ended(WorkflowEnd, Vec<FailureLink>),
    /// The workflow goes on in a new run (continue-as-new, retry, cron).
    NextRun(String),
}

impl TemporalClient {
    /// Waits for the workflow to close and returns its result as JSON text, following
    /// continue-as-new and retries when `follow_runs`.
    pub async fn result(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        follow_runs: bool,
    ) -> Result<Vec<u8>, ClientError> {
        let mut run_id = run_id.unwrap_or_default().to_owned();
        loop {
            match self.wait_closed(workflow_id, &run_id).await? {
                Closed::Completed(json) => return Ok(json),
                Closed::NextRun(next) if follow_runs => run_id = next,
                Closed::NextRun(next) => {
                    return Err(ClientError::WorkflowEnded {
                        workflow_id: workflow_id.to_owned(),
                        run_id,
                        end: WorkflowEnd::Failed,
                        chain: vec![FailureLink {
                            kind: "ContinuedAsNew".into(),
                            message: format!("continued as run {next}"),
                        }],
                    });
                }
                Closed::Ended(end, chain) => {
                    return Err(ClientError::WorkflowEnded {
                        workflow_id: workflow_id.to_owned(),
                        run_id,
                        end,
                        chain,
                    });
                }
            }
        }
    }

    async fn wait_closed(&self, workflow_id: &str, run_id: &str) -> Result<Closed, ClientError> {
        let mut token = Vec::new();
        loop {
            let request = GetWorkflowExecutionHistoryRequest {
                namespace: self.namespace.clone(),
                execution: Self::execution(workflow_id, Some(run_id)),
                next_page_token: token,
                wait_new_event: true,
                history_event_filter_type: HistoryEventFilterType::CloseEvent as i32,
                skip_archival: true,
                ..Default::default()
            };
            let response = self
                .service()
                .get_workflow_execution_history(request.into_request())
                .await
                .map_err(|s| ClientError::rpc("GetWorkflowExecutionHistory", &s))?
                .into_inner();
            let close = response
                .history
                .and_then(|h| h.events.into_iter().last())
                .and_then(|e| e.attributes);
            if let Some(attributes) = close {
                return closed(attributes);
            }
            // An empty page: the long poll ran out before the workflow closed; ask again.
            token = response.next_page_token;
        }
    }

    /// Runs the query and returns its answer as JSON text. `reject_condition` (none,
    /// not_open, not_completed_cleanly) says when a closed workflow refuses it instead of
    /// answering from its final state.
    pub async fn query(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        query: &str,
        args: &[Vec<u8>],
        reject_condition: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let reject_condition = match reject_condition {
            "none" => QueryRejectCondition::None,
            "not_open" => QueryRejectCondition::NotOpen,
            "not_completed_cleanly" => QueryRejectCondition::NotCompletedCleanly,
            other => {
                return Err(ClientError::Settings(format!(
                    "reject_condition {other:?} is not one of none, not_open, not_completed_cleanly"
                )));
            }
        };
        let request = QueryWorkflowRequest {
            namespace: self.namespace.clone(),
            execution: Self::execution(workflow_id, run_id),
            query: Some(WorkflowQuery {
                query_type: query.to_owned(),
                query_args: payload::encode_all(args)?,
                header: None,
            }),
            query_reject_condition: reject_condition.into(),
        };
        let response = self
            .service()
            .query_workflow(request.into_request())
            .await
            .map_err(|s| ClientError::rpc("QueryWorkflow", &s))?
            .into_inner();
        if let Some(rejected) = response.query_rejected {
            return Err(ClientError::QueryRejected {
                workflow_id: workflow_id.to_owned(),
                query: query.to_owned(),
                reason: format!("the workflow is {:?}", rejected.status()),
            });
        }
        payload::decode_first(response.query_result.as_ref())
    }

    pub async fn signal(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        signal: &str,
        args: &[Vec<u8>],
    ) -> Result<(), ClientError> {
        let request = SignalWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_execution: Self::execution(workflow_id, run_id),
            signal_name: signal.to_owned(),
            input: payload::encode_all(args)?,
            identity: self.identity.clone(),
            request_id: Self::request_id(),
            ..Default::default()
        };
        self.service()
            .signal_workflow_execution(request.into_request())
            .await
            .map(drop)
            .map_err(|s| ClientError::rpc("SignalWorkflowExecution", &s))
    }

    /// Asks the workflow to cancel; it decides how.
    pub async fn cancel(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        reason: Option<&str>,
    ) -> Result<(), ClientError> {
        let request = RequestCancelWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_execution: Self::execution(workflow_id, run_id),
            identity: self.identity.clone(),
            request_id: Self::request_id(),
            reason: reason.unwrap_or_default().to_owned(),
            ..Default::default()
        };
        self.service()
            .request_cancel_workflow_execution(request.into_request())
            .await
            .map(drop)
            .map_err(|s| ClientError::rpc("RequestCancelWorkflowExecution", &s))
    }

    /// Ends the workflow at once.
    pub async fn terminate(
        &self,
        workflow_id: &str,
        run_id: Option<&str>,
        reason: Option<&str>,
    ) -> Result<(), ClientError> {
        let request = TerminateWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_execution: Self::execution(workflow_id, run_id),
            reason: reason.unwrap_or_default().to_owned(),
            identity: self.identity.clone(),
            ..Default::default()
        };
        self.service()
            .terminate_workflow_execution(request.into_request())
            .await
            .map(drop)
            .map_err(|s| ClientError::rpc("TerminateWorkflowExecution", &s))
    }
}

fn closed(attributes: Attributes) -> Result<Closed, ClientError> {
    let next = |run: String| (!run.is_empty()).then_some(run);
    Ok(match attributes {
        Attributes::WorkflowExecutionCompletedEventAttributes(a) => {
            match next(a.new_execution_run_id) {
                Some(run) => Closed::NextRun(run),
                None => Closed::Completed(payload::decode_first(a.result.as_ref())?),
            }
        }
        Attributes::WorkflowExecutionFailedEventAttributes(a) => match next(a.new_execution_run_id)
        {
            Some(run) => Closed::NextRun(run),
            None => Closed::Ended(WorkflowEnd::Failed, failure::chain(a.failure.as_ref())),
        },
        Attributes::WorkflowExecutionTimedOutEventAttributes(a) => {
            match next(a.new_execution_run_id) {
                Some(run) => Closed::NextRun(run),
                None => Closed::Ended(WorkflowEnd::TimedOut, Vec::new()),
            }
        }
        Attributes::WorkflowExecutionContinuedAsNewEventAttributes(a) => {
            Closed::NextRun(a.new_execution_run_id)
        }
        Attributes::WorkflowExecutionCanceledEventAttributes(_) => {
            Closed::Ended(WorkflowEnd::Cancelled, Vec::new())
        }
        Attributes::WorkflowExecutionTerminatedEventAttributes(a) => {
            let chain = (!a.reason.is_empty()).then(|| FailureLink {
                kind: "Terminated".into(),
                message: a.reason,
            });
            Closed::Ended(WorkflowEnd::Terminated, chain.into_iter().collect())
        }
        _ => {
            return Err(ClientError::Payload(
                "the history ends with an event that does not close the workflow".into(),
            ));
        }
    })
}
