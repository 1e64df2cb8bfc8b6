//! Opening a connection: TLS, API key, identity and the connect timeout, with failures
//! classified (refused, name lookup, TLS, timeout) and always naming the address.

use std::error::Error as _;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use temporalio_client::errors::ClientConnectError;
use temporalio_client::{
    Client, ClientOptions, ClientTlsOptions, Connection, ConnectionOptions, GrpcCompression,
    TlsOptions, Url,
};

use super::error::{ClientError, ConnectCause};
use super::settings::{ConnectSettings, TlsMaterial};
use crate::config::address::{check_api_key_transport, parse_address};

/// Connects and checks the server answers (GetSystemInfo), within the connect timeout.
pub async fn connect(settings: &ConnectSettings) -> Result<Client, ClientError> {
    let address = &settings.address;
    parse_address(address)
        .map_err(|why| ClientError::Settings(format!("address {address:?} {why}")))?;
    if settings.api_key.is_some() {
        check_api_key_transport(address, settings.tls.is_some()).map_err(ClientError::Settings)?;
    }
    let tls = settings
        .tls
        .as_ref()
        .map(|t| t.read())
        .transpose()
        .map_err(ClientError::Settings)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let uses_tls = tls.is_some();
    let url = Url::parse(&format!("{scheme}://{address}"))
        .map_err(|e| ClientError::Settings(format!("address {address:?} is not usable: {e}")))?;
    let options = ConnectionOptions::new(url)
        .identity(settings.identity.clone())
        .maybe_tls_options(tls.map(tls_options))
        .maybe_api_key(settings.api_key.clone())
        .connect_timeout(settings.connect_timeout)
        // The Rust client gzips every request and response by default. Temporal's messages
        // are small protobufs: under benchmarks/orchestration.py deflate and its per-message
        // buffers were the largest cost in the worker process, and the server pays the same
        // again on its side.
        .grpc_compression(GrpcCompression::None)
        .build();
    let failed = |cause: ConnectCause, detail: String| ClientError::Connect {
        address: address.clone(),
        cause,
        detail,
    };
    let connection =
        match tokio::time::timeout(settings.connect_timeout, Connection::connect(options)).await {
            Err(_) => {
                return Err(failed(
                    ConnectCause::Timeout,
                    format!("no answer within {:?}", settings.connect_timeout),
                ));
            }
            Ok(Err(e)) => {
                let (mut cause, detail) = classify(&e);
                // An HTTP/1 server (often the Web UI's port) fails the HTTP/2 handshake in
                // more than one way (a frame too long, a broken pipe): ask it directly.
                let unclear = matches!(cause, ConnectCause::Rejected | ConnectCause::Other);
                if unclear && !uses_tls && speaks_http1(address).await {
                    cause = ConnectCause::NotGrpc;
                }
                return Err(failed(cause, detail));
            }
            Ok(Ok(connection)) => connection,
        };
    Client::new(
        connection,
        ClientOptions::new(settings.namespace.clone()).build(),
    )
    .map_err(|e| ClientError::Settings(e.to_string()))
}

/// Whether what listens at `address` answers a plain HTTP/1.1 request as a web server does
/// (its first bytes `HTTP/1.`), within a second; only 8 bytes are read.
async fn speaks_http1(address: &str) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect(address).await.ok()?;
        let request = b"GET / HTTP/1.1\r\nHost: temporal\r\nConnection: close\r\n\r\n";
        stream.write_all(request).await.ok()?;
        let mut head = [0u8; 8];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1."))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Some(true))
    )
}

fn tls_options(material: TlsMaterial) -> TlsOptions {
    let client = match (material.client_cert, material.client_private_key) {
        (Some(cert), Some(key)) => Some(
            ClientTlsOptions::builder()
                .client_cert(cert)
                .client_private_key(key)
                .build(),
        ),
        _ => None,
    };
    let mut options = TlsOptions::default();
    options.server_root_ca_cert = material.server_root_ca_cert;
    options.domain = material.domain;
    options.client_tls_options = client;
    options
}

/// The cause of a failed connect, from the whole chain of error sources.
fn classify(error: &ClientConnectError) -> (ConnectCause, String) {
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    if let ClientConnectError::SystemInfoCallError(status) = error {
        // The server (or a proxy in front of it) answered and refused the credentials: say
        // so with its own message, not the whole gRPC status. 16 Unauthenticated, 7
        // PermissionDenied; other codes (a lazy connect that failed) are classified below.
        let code = status.code();
        if matches!(code as i32, 16 | 7) {
            return (
                ConnectCause::Rejected,
                format!("{code:?}: {}", status.message()),
            );
        }
    }
    if let ClientConnectError::DnsResolutionError { host, source } = error {
        return (ConnectCause::NameLookup, format!("{host}: {source}"));
    }
    let text = chain.join(": ").to_lowercase();
    const TLS: &[&str] = &[
        "certificate",
        "tls",
        "handshake",
        "alert",
        "corrupt message",
        "invalidcontenttype",
    ];
    const LOOKUP: &[&str] = &[
        "failed to lookup address",
        "dns error",
        "name or service not known",
        "no address associated",
    ];
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    // An HTTP/1 answer read as an HTTP/2 frame header ("HTT" as its length) is too long
    // a frame. TLS next: certificate errors mention names too.
    let cause = if text.contains("frame_size_error") || text.contains("frame with invalid size") {
        ConnectCause::NotGrpc
    } else if has(TLS) {
        ConnectCause::Tls
    } else if text.contains("connection refused") {
        ConnectCause::Refused
    } else if has(LOOKUP) {
        ConnectCause::NameLookup
    } else if text.contains("timed out") || text.contains("deadline") {
        ConnectCause::Timeout
    } else if matches!(error, ClientConnectError::SystemInfoCallError(_)) {
        ConnectCause::Rejected
    } else {
        ConnectCause::Other
    };
    // The deepest message is usually the most telling one.
    let detail = chain.last().cloned().unwrap_or_default();
    (cause, detail)
}
