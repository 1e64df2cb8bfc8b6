//! Waiting until a starting server's frontend answers: a gRPC connection (which calls
//! GetSystemInfo) and DescribeNamespace for every namespace it should serve.

use std::time::Duration;

use temporalio_client::tonic::Request;
use temporalio_client::{Connection, ConnectionOptions, Url};
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

/// One probe: true when the frontend at `address` serves all `namespaces`.
pub async fn answers(address: &str, namespaces: &[String]) -> bool {
    let Ok(url) = Url::parse(&format!("http://{address}")) else {
        return false;
    };
    let options = ConnectionOptions::new(url)
        .identity("project-ai-temporal-devserver-probe".to_owned())
        .connect_timeout(Duration::from_secs(1))
        .build();
    let probe = async {
        let connection = Connection::connect(options).await.ok()?;
        for namespace in namespaces {
            let request = DescribeNamespaceRequest {
                namespace: namespace.clone(),
                ..Default::default()
            };
            connection
                .workflow_service()
                .describe_namespace(Request::new(request))
                .await
                .ok()?;
        }
        Some(())
    };
    // The client retries unavailable servers on its own; a probe must stay short.
    matches!(
        tokio::time::timeout(Duration::from_secs(3), probe).await,
        Ok(Some(()))
    )
}
