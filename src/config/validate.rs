//! Checks across settings and against the filesystem, after each value parsed on its own.

use std::path::Path;

use super::TemporalConfig;
use super::address::{check_api_key_transport, parse_address};
use super::error::ConfigProblem;

/// Temporal's longest deployment name and build id, in bytes.
const MAX_DEPLOYMENT_PART: usize = 255;

pub fn validate(config: &TemporalConfig) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(ConfigProblem::new(
            Some(field),
            config.origin(field),
            message,
        ));
    };

    if let Err(why) = parse_address(&config.host) {
        problem("host", format!("host {:?} {why}", config.host));
    }
    if let Some(metrics) = &config.metrics_address
        && let Err(why) = parse_address(metrics)
    {
        problem(
            "metrics_address",
            format!("metrics_address {metrics:?} {why}"),
        );
    }
    // Temporal refuses longer names, and a '.' or ':' would blur where the deployment name
    // ends and the build id begins in the version strings the CLI and the server print.
    for (field, value) in [
        (
            "worker_deployment_name",
            Some(&config.worker_deployment_name),
        ),
        ("worker_build_id", config.worker_build_id.as_ref()),
    ] {
        let Some(value) = value else { continue };
        let why = if value.len() > MAX_DEPLOYMENT_PART {
            Some("is longer than 255 bytes")
        } else if value.contains(['.', ':']) && field == "worker_deployment_name" {
            Some("contains '.' or ':'")
        } else if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            Some("contains spaces or control characters")
        } else {
            None
        };
        if let Some(why) = why {
            problem(
                field,
                format!(
                    "{field} {value:?} {why}; use up to 255 visible characters (no '.' or ':' in a deployment name)"
                ),
            );
        }
    }
    if config.max_retry_interval < config.initial_retry_interval {
        problem(
            "max_retry_interval",
            format!(
                "max_retry_interval ({} s) must be at least initial_retry_interval ({} s)",
                config.max_retry_interval, config.initial_retry_interval
            ),
        );
    }
    match (config.has_client_cert(), config.has_client_key()) {
        (true, false) => problem(
            "cloud_cert_path",
            "a client certificate is set without its private key; set cloud_key_path (TEMPORAL_TLS_CLIENT_KEY_PATH) or tls_client_key_data too".into(),
        ),
        (false, true) => problem(
            "cloud_key_path",
            "a client private key is set without its certificate; set cloud_cert_path (TEMPORAL_TLS_CLIENT_CERT_PATH) or tls_client_cert_data too".into(),
        ),
        _ => {}
    }
    if config.tls_disable_host_verification {
        problem(
            "tls_disable_host_verification",
            "tls_disable_host_verification is not supported: the Rust Temporal client always checks the server's name; \
             set tls_server_name (TEMPORAL_TLS_SERVER_NAME) to the name in its certificate instead"
                .into(),
        );
    }
    if config.tls == Some(false)
        && (config.has_client_cert()
            || config.tls_server_ca_cert_path.is_some()
            || config.tls_server_ca_cert_data.is_some())
    {
        problem(
            "tls",
            "tls is false but TLS certificates are set; remove them or set tls to true".into(),
        );
    }
    if config.cloud_api_key.is_some()
        && let Err(why) = check_api_key_transport(&config.target_address(), config.tls_enabled())
    {
        problem("tls", why);
    }
    for (field, path) in [
        ("cloud_cert_path", &config.cloud_cert_path),
        ("cloud_key_path", &config.cloud_key_path),
        ("tls_server_ca_cert_path", &config.tls_server_ca_cert_path),
    ] {
        if let Some(path) = path
            && let Err(why) = readable(path)
        {
            problem(field, format!("{field} {}: {why}", path.display()));
        }
    }
    problems
}

fn readable(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read ({e})"))?;
    if !meta.is_file() {
        return Err("is not a file".into());
    }
    std::fs::File::open(path)
        .map(drop)
        .map_err(|e| format!("cannot be read ({e})"))
}
