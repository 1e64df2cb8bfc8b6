//! The optional Prometheus endpoint: the Temporal SDK's own worker metrics (task latencies,
//! slots, polls), named as Temporal's dashboards expect.

use std::net::ToSocketAddrs;
use std::sync::Arc;

use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions, start_prometheus_metric_exporter,
};
use temporalio_sdk::runtime::RuntimeOptions;
use tokio::task::AbortHandle;

use super::WorkerError;

/// Runtime options with metrics served at `address` when it is given. Must run inside the
/// tokio runtime (the exporter spawns its server there).
/// The second value stops the endpoint.
pub fn runtime_options(
    address: Option<&str>,
) -> Result<(RuntimeOptions, Option<AbortHandle>), WorkerError> {
    let Some(address) = address else {
        return Ok((RuntimeOptions::default(), None));
    };
    let socket = address
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            WorkerError::Start(format!(
                "metrics_address {address:?} does not resolve to a socket address"
            ))
        })?;
    let server = start_prometheus_metric_exporter(
        PrometheusExporterOptions::builder()
            .socket_addr(socket)
            .build(),
    )
    .map_err(|e| WorkerError::Start(format!("cannot serve metrics on {address}: {e}")))?;
    let meter: Arc<dyn CoreMeter> = server.meter.clone();
    let telemetry = TelemetryOptions::builder().metrics(meter).build();
    let options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .build()
        .map_err(WorkerError::Start)?;
    tracing::info!(address = %server.bound_addr, "serving worker metrics for Prometheus at /metrics");
    Ok((options, Some(server.abort_handle)))
}
