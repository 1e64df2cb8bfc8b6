//! Calling an image API: a 60 s timeout per request, retries on 429, 502, 503, 504 and
//! network errors with backoff factor x 2^(n-1) plus up to 0.1 s of jitter (or what
//! Retry-After asks), and errors that say whether a later attempt could help.
//!
//! Answers are bounded: a body is read chunk by chunk up to its cap (`Cap`), a declared
//! length over the cap is refused before reading, redirects are followed only to the same
//! scheme, host and port, and at most `MAX_REDIRECTS` of them. An error describes an answer
//! by its status, content type and length only, never by its content, and never shows a
//! request's URL (its query may carry a credential).

pub mod address;

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};
use url::Url;

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
    client_builder()
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

/// The most bytes of an error answer read, only to tell its length; the rest is dropped.
pub const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;
/// What a JSON answer may hold beyond its base64 image (the other fields, escapes, spaces).
pub const JSON_SLACK_BYTES: u64 = 64 * 1024;
/// Redirects followed per request (to the same scheme, host and port).
pub const MAX_REDIRECTS: usize = 5;
/// At most this much is reserved up front for a body that declares its length.
const RESERVE_BYTES: u64 = 1 << 20;

/// The most bytes an answer of one kind may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub bytes: u64,
    /// The kind of answer, for the error.
    pub kind: &'static str,
}

impl Cap {
    /// The cap of an image of at most `image_max_bytes`.
    pub fn image(image_max_bytes: u64) -> Cap {
        Cap {
            bytes: image_max_bytes,
            kind: "an image",
        }
    }

    /// The cap of a JSON answer that may carry such an image in base64 (4 characters per
    /// 3 bytes) plus `JSON_SLACK_BYTES`.
    pub fn json(image_max_bytes: u64) -> Cap {
        Cap {
            bytes: image_max_bytes
                .div_ceil(3)
                .saturating_mul(4)
                .saturating_add(JSON_SLACK_BYTES),
            kind: "a JSON answer (4/3 of the image limit plus 64 KiB)",
        }
    }

    /// Whether `length` more bytes after `read` stay within the cap.
    pub fn admits(&self, read: u64, length: u64) -> bool {
        read.saturating_add(length) <= self.bytes
    }

    /// The non-retryable error of an answer over this cap (declaring `declared` bytes).
    pub fn exceeded(&self, what: &str, declared: Option<u64>) -> BackendError {
        let (size, read) = match declared {
            Some(n) => (format!("declares {n} bytes"), "it was not read"),
            None => ("is longer".to_owned(), "reading stopped there"),
        };
        BackendError::Final(format!(
            "{what}: the answer {size}, more than the limit of {} bytes for {}; {read} ({})",
            self.bytes,
            self.kind,
            super::settings::raise_image_max_bytes()
        ))
    }
}

/// An answer's body, read within its cap, with the content type it declared.
#[derive(Debug)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

impl Body {
    /// The answer as this module describes answers: content type and length, no content.
    pub fn describe(&self) -> String {
        format!("{}, {} bytes", self.content_type, self.bytes.len())
    }
}

/// Reads `response`'s body chunk by chunk, stopping with a non-retryable error as soon as
/// it is longer than `cap` (before reading, when its declared length is).
pub async fn read_capped(
    mut response: Response,
    cap: Cap,
    what: &str,
) -> Result<Body, BackendError> {
    let content_type = content_type(&response);
    let declared = response.content_length();
    if let Some(n) = declared.filter(|n| !cap.admits(0, *n)) {
        return Err(cap.exceeded(what, Some(n)));
    }
    let reserve = declared.unwrap_or(0).min(RESERVE_BYTES);
    let mut bytes = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        BackendError::Transient(format!(
            "{what}: network error while reading the answer: {}",
            error_chain(e)
        ))
    })? {
        if !cap.admits(bytes.len() as u64, chunk.len() as u64) {
            return Err(cap.exceeded(what, None));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        content_type,
    })
}

/// The declared content type's media type (no parameters), if it is a plain token/token.
pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .filter(|v| is_media_type(v))
        .map_or_else(
            || "no readable content type".to_owned(),
            str::to_ascii_lowercase,
        )
}

fn is_media_type(text: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 64
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    text.split_once('/')
        .is_some_and(|(kind, sub)| token(kind) && token(sub))
}

/// A failed answer as errors show it: status, content type and length. The body is read up
/// to `MAX_ERROR_BODY_BYTES` only to learn its length, and never kept.
pub async fn describe(mut response: Response) -> String {
    let status = response.status().as_u16();
    let kind = content_type(&response);
    let length = match response.content_length() {
        Some(n) if n > MAX_ERROR_BODY_BYTES => format!("{n} bytes, not read"),
        _ => {
            let mut read: u64 = 0;
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        read += chunk.len() as u64;
                        if read > MAX_ERROR_BODY_BYTES {
                            break format!(
                                "more than {MAX_ERROR_BODY_BYTES} bytes, not read further"
                            );
                        }
                    }
                    Ok(None) => break format!("{read} bytes"),
                    Err(_) => break format!("{read} bytes before the connection failed"),
                }
            }
        }
    };
    format!("HTTP {status} ({kind}, {length})")
}

/// Why a redirect is not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectRefused {
    #[error(
        "a redirect to another host ({0}) was refused; only the same scheme, host and port are followed"
    )]
    OtherHost(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooMany,
}

/// Whether a request that started at `first` and was redirected `hops` times so far may
/// follow a redirect to `next`: the same origin (scheme, host, port) and few enough hops.
pub fn check_redirect(first: &Url, next: &Url, hops: usize) -> Result<(), RedirectRefused> {
    if hops >= MAX_REDIRECTS {
        return Err(RedirectRefused::TooMany);
    }
    if first.origin() != next.origin() {
        return Err(RedirectRefused::OtherHost(
            next.origin().ascii_serialization(),
        ));
    }
    Ok(())
}

/// A client builder with this crate's user agent and redirect policy.
pub fn client_builder() -> reqwest::ClientBuilder {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        // `previous` starts with the first URL; every later one was a redirect.
        let verdict = match attempt.previous() {
            [first, rest @ ..] => check_redirect(first, attempt.url(), rest.len()),
            [] => Ok(()),
        };
        match verdict {
            Ok(()) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    });
    reqwest::Client::builder()
        .user_agent(concat!("project-ai-temporal/", env!("CARGO_PKG_VERSION")))
        .redirect(policy)
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
                (asked, describe(response).await)
            }
            Ok(response)
                if response.status().is_client_error() || response.status().is_redirection() =>
            {
                return Err(BackendError::Final(format!(
                    "{what}: {}",
                    describe(response).await
                )));
            }
            Ok(response) => {
                return Err(BackendError::Transient(format!(
                    "{what}: {}",
                    describe(response).await
                )));
            }
            // A refused redirect, a bad Location, a bad URL: no retry can help.
            Err(e) if e.is_builder() || e.is_redirect() => {
                return Err(BackendError::Final(format!("{what}: {}", error_chain(e))));
            }
            Err(e) => (None, format!("network error: {}", error_chain(e))),
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

/// A reqwest error and its causes, without the request's URL.
fn error_chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn redirects_stay_on_the_same_origin_and_are_few() {
        let first = url("https://api.example.com/v1/images?key=1");
        for same in [
            "https://api.example.com/v2/other",
            "https://API.example.com:443/x",
            "https://api.example.com/v1/images?page=2",
        ] {
            assert_eq!(check_redirect(&first, &url(same), 0), Ok(()), "{same}");
        }
        for (other, origin) in [
            ("http://api.example.com/v1", "http://api.example.com"),
            (
                "https://api.example.com:8443/v1",
                "https://api.example.com:8443",
            ),
            (
                "https://evil.example.net/x?sig=SECRET",
                "https://evil.example.net",
            ),
            ("https://example.com/", "https://example.com"),
            ("https://169.254.169.254/latest", "https://169.254.169.254"),
        ] {
            let refused = check_redirect(&first, &url(other), 0).unwrap_err();
            assert_eq!(refused, RedirectRefused::OtherHost(origin.into()));
            assert!(!refused.to_string().contains("SECRET"));
        }
        let next = url("https://api.example.com/again");
        assert_eq!(check_redirect(&first, &next, MAX_REDIRECTS - 1), Ok(()));
        assert_eq!(
            check_redirect(&first, &next, MAX_REDIRECTS),
            Err(RedirectRefused::TooMany)
        );
    }

    #[test]
    fn caps() {
        let mib50 = 50 << 20;
        let image = Cap::image(mib50);
        assert!(image.admits(0, mib50) && !image.admits(0, mib50 + 1));
        assert!(image.admits(mib50 - 10, 10) && !image.admits(mib50 - 10, 11));
        assert!(!image.admits(u64::MAX, 1), "no overflow");
        // Base64 of the largest image, with room for the rest of the answer.
        let json = Cap::json(mib50);
        assert_eq!(json.bytes, mib50.div_ceil(3) * 4 + JSON_SLACK_BYTES);
        assert!(json.bytes >= base64_len(mib50) + 1000);
        assert_eq!(Cap::json(u64::MAX).bytes, u64::MAX);
        let error = image.exceeded("OpenAI Images API", Some(1 << 40));
        assert_eq!(
            error,
            BackendError::Final(format!(
                "OpenAI Images API: the answer declares 1099511627776 bytes, more than the limit of {mib50} bytes for an image; it was not read (the setting image_max_bytes, TEMPORAL_IMAGE_MAX_BYTES, raises the limit)"
            ))
        );
    }

    fn base64_len(n: u64) -> u64 {
        n.div_ceil(3) * 4
    }

    #[test]
    fn media_types() {
        for ok in ["image/png", "application/json", "application/vnd.api+json"] {
            assert!(is_media_type(ok), "{ok}");
        }
        for bad in [
            "",
            "png",
            "image/",
            "text/plain secret",
            "a/b/c",
            "text/<script>",
            &format!("text/{}", "x".repeat(65)),
        ] {
            assert!(!is_media_type(bad), "{bad}");
        }
    }
}
