//! What the server says about the client's namespace (DescribeNamespace): the health check
//! of the original integration, and a way to see the retention other tools report.

use serde::Serialize;
use temporalio_client::grpc::WorkflowService;
use temporalio_client::tonic::IntoRequest;
use temporalio_common::protos::temporal::api::enums::v1::NamespaceState;
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

use super::TemporalClient;
use super::error::ClientError;

/// A namespace as DescribeNamespace reports it.
#[derive(Debug, Clone, Serialize)]
pub struct NamespaceDescription {
    pub name: String,
    pub id: String,
    /// registered, deprecated, deleted or unspecified.
    pub state: String,
    pub description: String,
    pub owner_email: String,
    /// How long closed workflows' histories are kept, in seconds.
    pub retention_seconds: Option<f64>,
}

fn state_name(state: i32) -> String {
    let name =
        NamespaceState::try_from(state).map_or("NAMESPACE_STATE_UNSPECIFIED", |s| s.as_str_name());
    name.trim_start_matches("NAMESPACE_STATE_")
        .to_ascii_lowercase()
}

impl TemporalClient {
    /// Describes this client's namespace; an error when the server does not answer for it.
    pub async fn describe_namespace(&self) -> Result<NamespaceDescription, ClientError> {
        let request = DescribeNamespaceRequest {
            namespace: self.namespace.clone(),
            ..Default::default()
        };
        let response = self
            .service()
            .describe_namespace(request.into_request())
            .await
            .map_err(|s| ClientError::rpc("DescribeNamespace", &s))?
            .into_inner();
        let info = response.namespace_info.unwrap_or_default();
        let retention = response
            .config
            .and_then(|c| c.workflow_execution_retention_ttl)
            .map(|d| d.seconds as f64 + f64::from(d.nanos) / 1e9);
        Ok(NamespaceDescription {
            name: info.name,
            id: info.id,
            state: state_name(info.state),
            description: info.description,
            owner_email: info.owner_email,
            retention_seconds: retention,
        })
    }

    /// Whether the server answers for this namespace (DescribeNamespace).
    pub async fn health_check(&self) -> Result<(), ClientError> {
        self.describe_namespace().await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_the_cli_names_them() {
        assert_eq!(state_name(NamespaceState::Registered as i32), "registered");
        assert_eq!(state_name(NamespaceState::Deleted as i32), "deleted");
        assert_eq!(state_name(999), "unspecified");
    }
}
