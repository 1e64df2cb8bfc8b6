//! Client errors. Messages say what failed and what to do; they never carry secrets.

use std::fmt;

/// Why a connection failed, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectCause {
    Refused,
    NameLookup,
    Tls,
    Timeout,
    Rejected,
    /// Something that speaks HTTP/1 answered: a web server, often the Web UI's port.
    NotGrpc,
    Other,
}

impl fmt::Display for ConnectCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectCause::Refused => "connection refused",
            ConnectCause::NameLookup => "name lookup failed",
            ConnectCause::Tls => "TLS handshake failed",
            ConnectCause::Timeout => "timed out",
            ConnectCause::Rejected => "the server rejected the connection",
            ConnectCause::NotGrpc => {
                "an HTTP server answered, not Temporal's gRPC frontend: this looks like the Web UI port; the gRPC port is usually 7233"
            }
            ConnectCause::Other => "connection failed",
        })
    }
}

/// One link of a failure's cause chain: its type (the failure type name, or the kind of
/// failure such as "ActivityFailure") and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureLink {
    pub kind: String,
    pub message: String,
}

/// How a workflow ended other than by completing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowEnd {
    Failed,
    Cancelled,
    Terminated,
    TimedOut,
}

impl fmt::Display for WorkflowEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WorkflowEnd::Failed => "failed",
            WorkflowEnd::Cancelled => "was cancelled",
            WorkflowEnd::Terminated => "was terminated",
            WorkflowEnd::TimedOut => "timed out",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot connect to Temporal at {address}: {cause} ({detail}); check that the server runs and the address, TLS settings and credentials are right"
    )]
    Connect {
        address: String,
        cause: ConnectCause,
        detail: String,
    },
    #[error("invalid client settings: {0}")]
    Settings(String),
    #[error("workflow {workflow_id} is already started{}; use another id or an id_conflict_policy", run_id.as_ref().map(|r| format!(" (run {r})")).unwrap_or_default())]
    AlreadyStarted {
        workflow_id: String,
        run_id: Option<String>,
    },
    #[error("workflow {workflow_id} {end}{}", describe_chain(chain))]
    WorkflowEnded {
        workflow_id: String,
        run_id: String,
        end: WorkflowEnd,
        chain: Vec<FailureLink>,
    },
    #[error("query {query:?} on workflow {workflow_id} was rejected: {reason}")]
    QueryRejected {
        workflow_id: String,
        query: String,
        reason: String,
    },
    #[error("{operation} failed: {message} (gRPC status {code_name})")]
    Rpc {
        operation: &'static str,
        code: i32,
        code_name: String,
        message: String,
    },
    #[error("{0}")]
    Payload(String),
    #[error("timed out after {0:?} waiting for the workflow result")]
    ResultTimeout(std::time::Duration),
}

fn describe_chain(chain: &[FailureLink]) -> String {
    chain
        .iter()
        .map(|l| format!(": {} ({})", l.message, l.kind))
        .collect()
}

impl ClientError {
    pub fn rpc(operation: &'static str, status: &temporalio_client::tonic::Status) -> Self {
        ClientError::Rpc {
            operation,
            code: status.code() as i32,
            code_name: format!("{:?}", status.code()),
            message: status.message().to_owned(),
        }
    }
}
