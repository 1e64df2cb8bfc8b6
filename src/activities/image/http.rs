//! Calling an image API: a 60 s timeout per request, retries on 429, 502, 503, 504 and
//! network errors with backoff factor x 2^(n-1) plus up to 0.1 s of jitter (or what
//! Retry-After asks), and errors that say whether a later attempt could help.

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};

use super::settings::ImageSettings;

/// The longest Retry-After honoured; a server asking for more gets a failure instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Bad request, bad key, refused content: no retry can help.
    #[error("{0}")]
    Final(String),
    /// Overload or network trouble that outlasted the retries; the workflow's policy may retry.
    #[error("{0}")]
    Transient(String),
}

/// The HTTP client the backends use.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("project-ai-temporal/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Retry-After in seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// What the server said, short: the `error.message` of a JSON body, else the body's start.
pub async fn server_message(response: Response) -> String {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| body.chars().take(300).collect());
    format!("HTTP {}: {}", status.as_u16(), message.trim())
}

/// Sends the request `build` makes until it succeeds, may not be retried, or the attempts
/// run out. `what` names the call in errors.
pub async fn send(
    settings: &ImageSettings,
    what: &str,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, BackendError> {
    let mut attempt = 1;
    loop {
        let (wait, failure) = match build().timeout(settings.timeout).send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) if retryable_status(response.status()) => {
                let asked = retry_after(&response);
                (asked, server_message(response).await)
            }
            Ok(response) if response.status().is_client_error() => {
                return Err(BackendError::Final(format!(
                    "{what}: {}",
                    server_message(response).await
                )));
            }
            Ok(response) => {
                return Err(BackendError::Transient(format!(
                    "{what}: {}",
                    server_message(response).await
                )));
            }
            Err(e) if e.is_builder() => return Err(BackendError::Final(format!("{what}: {e}"))),
            Err(e) => (None, format!("network error: {}", error_chain(&e))),
        };
        if attempt >= settings.max_attempts {
            return Err(BackendError::Transient(format!(
                "{what} failed after {attempt} attempts: {failure}"
            )));
        }
        let backoff =
            settings.backoff_factor * 2f64.powi(attempt as i32 - 1) + fastrand::f64() * 0.1;
        let wait = wait.unwrap_or_else(|| Duration::from_secs_f64(backoff));
        if wait > MAX_RETRY_AFTER {
            return Err(BackendError::Transient(format!(
                "{what}: the server asks to wait {wait:?}; {failure}"
            )));
        }
        tracing::info!(what, attempt, ?wait, %failure, "image API call will be retried");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
