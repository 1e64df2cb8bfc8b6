//! The Temporal client: connect (TLS, mTLS, API keys), start workflows by type name with
//! JSON arguments, and work with running workflows (result, query, signal, cancel,
//! terminate, describe, history, list, count). Built on `temporalio-client`; values
//! travel as JSON text so any Temporal SDK or the `temporal` CLI interoperates.

mod connect;
pub mod error;
mod failure;
mod handle;
mod inspect;
mod namespace;
pub mod payload;
pub mod settings;
mod start;

use temporalio_client::Client;
use temporalio_common::protos::temporal::api::common::v1::WorkflowExecution;

pub use error::{ClientError, ConnectCause, FailureLink, WorkflowEnd};
pub use inspect::{HistoryEvent, WorkflowSummary};
pub use namespace::NamespaceDescription;
pub use settings::{ConnectSettings, Pem, TlsRequest, cloud_address};
pub use start::{IdConflictPolicy, IdReusePolicy, RetryPolicySpec, StartOptions};

/// A connected client, bound to one namespace. Cheap to clone; safe to share across threads.
#[derive(Clone)]
pub struct TemporalClient {
    inner: Client,
    namespace: String,
    identity: String,
    address: String,
}

impl TemporalClient {
    /// Connects, and fails with the address and cause within the connect timeout.
    pub async fn connect(settings: &ConnectSettings) -> Result<Self, ClientError> {
        let inner = connect::connect(settings).await?;
        Ok(Self {
            inner,
            namespace: settings.namespace.clone(),
            identity: settings.identity.clone(),
            address: settings.address.clone(),
        })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The underlying SDK client, for the worker.
    pub fn sdk_client(&self) -> &Client {
        &self.inner
    }

    /// A fresh handle on the gRPC service (its methods take `&mut self`); retries included.
    fn service(&self) -> Client {
        self.inner.clone()
    }

    fn execution(workflow_id: &str, run_id: Option<&str>) -> Option<WorkflowExecution> {
        Some(WorkflowExecution {
            workflow_id: workflow_id.to_owned(),
            run_id: run_id.unwrap_or_default().to_owned(),
        })
    }

    fn request_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }
}
