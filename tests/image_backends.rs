//! The HTTP image backends against a local HTTP server that speaks the OpenAI Images API and
//! the Hugging Face Inference API, scripted per test: success, retries, failures.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use project_ai_temporal::domain::image::backends;
use project_ai_temporal::domain::image::http::{self, BackendError};
use project_ai_temporal::domain::image::render;
use project_ai_temporal::domain::image::settings::ImageSettings;

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    body: String,
}

/// A reply: status, extra headers, body.
type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// Serves `replies` in order (the last one repeats), one request per connection.
fn serve(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    serve_with(move |n, _, stream| {
        let (status, headers, reply) = replies[n.min(replies.len() - 1)].clone();
        let mut response = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.len()
        );
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        stream.write_all(response.as_bytes())?;
        stream.write_all(&reply)
    })
}

/// Reads each request (one per connection) and lets `respond` write the raw response: the
/// request's number, what was seen, the connection. A write error (the client hung up)
/// ends that connection.
fn serve_with(
    respond: impl Fn(usize, &Seen, &mut TcpStream) -> std::io::Result<()> + Send + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let (mut length, mut authorization) = (0, None);
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "authorization" => authorization = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let request = Seen {
                path,
                authorization,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            log.lock().unwrap().push(request.clone());
            let _ = respond(n, &request, &mut stream);
        }
    });
    (base, seen)
}

/// The client a worker uses: this crate's user agent and redirect policy.
fn client() -> reqwest::Client {
    http::client_builder().build().unwrap()
}

fn png() -> Vec<u8> {
    let pixels = render::render("minimalist", 8, 8, 1, |_| {});
    project_ai_temporal::png::encode_png(&pixels, 8, 8, &[]).unwrap()
}

fn settings(base: &str) -> ImageSettings {
    ImageSettings {
        openai_api_key: Some("sk-test".into()),
        openai_base_url: format!("{base}/v1"),
        huggingface_api_key: Some("hf-test".into()),
        huggingface_base_url: base.to_owned(),
        backoff_factor: 0.01,
        ..ImageSettings::default()
    }
}

fn json(status: u16, value: serde_json::Value) -> Reply {
    (
        status,
        vec![("Content-Type", "application/json".into())],
        value.to_string().into_bytes(),
    )
}

#[tokio::test]
async fn openai_base64_answer() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png());
    let (base, seen) = serve(vec![json(
        200,
        serde_json::json!({"data": [{"b64_json": b64, "revised_prompt": "better"}]}),
    )]);
    let made = backends::openai(&settings(&base), &client(), "a cat", 1024, 1024)
        .await
        .unwrap();
    assert_eq!((made.extension, made.bytes), ("png", png()));
    assert_eq!(made.revised_prompt.as_deref(), Some("better"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].path, "/v1/images/generations");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer sk-test"));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"model": "dall-e-3", "prompt": "a cat", "n": 1, "size": "1024x1024", "quality": "standard"})
    );
}

#[tokio::test]
async fn openai_url_answer_after_a_429_with_retry_after() {
    let (files, downloads) = serve(vec![(
        200,
        vec![("Content-Type", "image/png".into())],
        png(),
    )]);
    let (api, calls) = serve(vec![
        (
            429,
            vec![("Retry-After", "0".into())],
            b"{\"error\": {\"message\": \"slow down\"}}".to_vec(),
        ),
        json(
            200,
            serde_json::json!({"data": [{"url": format!("{files}/files/image.png")}]}),
        ),
    ]);
    let made = backends::openai(&settings(&api), &client(), "a cat", 512, 512)
        .await
        .unwrap();
    assert_eq!(made.bytes, png());
    assert_eq!(calls.lock().unwrap().len(), 2, "the 429 was retried once");
    assert_eq!(downloads.lock().unwrap()[0].path, "/files/image.png");
}

#[tokio::test]
async fn huggingface_sends_the_negative_prompt_and_parameters() {
    let (base, seen) = serve(vec![(
        200,
        vec![("Content-Type", "image/png".into())],
        png(),
    )]);
    let made = backends::huggingface(&settings(&base), &client(), "a cat, anime style", 640, 480)
        .await
        .unwrap();
    assert_eq!(made.model, "stabilityai/stable-diffusion-2-1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].path, "/models/stabilityai/stable-diffusion-2-1");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer hf-test"));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body["inputs"], "a cat, anime style");
    assert_eq!(
        body["parameters"]["negative_prompt"],
        project_ai_temporal::domain::image::prompt::SAFETY_NEGATIVE
    );
    assert_eq!(
        (
            body["parameters"]["width"].as_u64(),
            body["parameters"]["height"].as_u64()
        ),
        (Some(640), Some(480))
    );
    assert_eq!(body["parameters"]["num_inference_steps"], 50);
    assert_eq!(body["parameters"]["guidance_scale"], 7.5);
}

#[tokio::test]
async fn three_503s_then_failure() {
    let (base, seen) = serve(vec![json(
        503,
        serde_json::json!({"error": "model loading"}),
    )]);
    let err = backends::huggingface(&settings(&base), &client(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Transient(m) if m.contains("after 3 attempts") && m.contains("HTTP 503")),
        "{err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_401_fails_at_once_with_status_content_type_and_length_only() {
    let answer = serde_json::json!({"error": {"message": "Incorrect API key provided: sk-te***"}});
    let length = answer.to_string().len();
    let (base, seen) = serve(vec![json(401, answer)]);
    let err = backends::openai(&settings(&base), &client(), "a cat", 1024, 1024)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BackendError::Final(format!(
            "OpenAI Images API: HTTP 401 (application/json, {length} bytes)"
        ))
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_size_and_missing_key_never_call_out() {
    let (base, seen) = serve(vec![json(200, serde_json::json!({}))]);
    let err = backends::openai(&settings(&base), &client(), "a cat", 640, 480)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("256x256")),
        "{err:?}"
    );
    let mut no_key = settings(&base);
    no_key.huggingface_api_key = None;
    let err = backends::huggingface(&no_key, &client(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("HUGGINGFACE_API_KEY") && m.contains("--backend local")),
        "{err:?}"
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_non_image_answer_is_refused() {
    let (base, _) = serve(vec![(200, vec![], b"<html>maintenance</html>".to_vec())]);
    let err = backends::huggingface(&settings(&base), &client(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("not an image")),
        "{err:?}"
    );
}

// Hostile answers: each ends in a non-retryable error that names the limit, quickly, and
// no error carries the answer's content.

const MARKER: &str = "MARKER-7f3a-answer-content";
const MIB: u64 = 1 << 20;

fn small_cap(base: &str) -> ImageSettings {
    ImageSettings {
        image_max_bytes: MIB,
        ..settings(base)
    }
}

fn final_message(result: Result<backends::Made, BackendError>) -> String {
    match result {
        Err(BackendError::Final(message)) => {
            assert!(!message.contains(MARKER), "{message}");
            message
        }
        other => panic!("expected a final error, got {other:?}"),
    }
}

/// Headers without a length (the body ends when the connection closes), then `chunk` over
/// and over until the client hangs up.
fn endless(
    status: u16,
    kind: &'static str,
    first: Vec<u8>,
    chunk: Vec<u8>,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    serve_with(move |_, _, stream| {
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nConnection: close\r\n\r\n"
        )?;
        stream.write_all(&first)?;
        loop {
            stream.write_all(&chunk)?;
        }
    })
}

#[tokio::test]
async fn an_endless_image_stops_at_the_cap() {
    let (base, _) = endless(200, "image/png", png(), vec![0; 64 * 1024]);
    let started = std::time::Instant::now();
    let message =
        final_message(backends::huggingface(&small_cap(&base), &client(), "a cat", 512, 512).await);
    assert_eq!(
        message,
        "Hugging Face Inference API: the answer is longer, more than the limit of 1048576 bytes for an image; reading stopped there (the setting image_max_bytes, TEMPORAL_IMAGE_MAX_BYTES, raises the limit)"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[tokio::test]
async fn an_endless_json_answer_stops_at_its_cap() {
    let (base, _) = endless(
        200,
        "application/json",
        b"{\"data\": [{\"b64_json\": \"".to_vec(),
        b"QUFB".repeat(16 * 1024),
    );
    let message =
        final_message(backends::openai(&small_cap(&base), &client(), "a cat", 1024, 1024).await);
    let cap = MIB.div_ceil(3) * 4 + http::JSON_SLACK_BYTES;
    assert!(
        message.contains(&format!(
            "more than the limit of {cap} bytes for a JSON answer"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_reading() {
    // The server declares a terabyte and then sends nothing: waiting for it would hang.
    let (base, _) = serve_with(|_, _, stream| {
        stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1099511627776\r\n\r\n",
        )?;
        std::thread::sleep(std::time::Duration::from_secs(30));
        Ok(())
    });
    let started = std::time::Instant::now();
    let message =
        final_message(backends::huggingface(&small_cap(&base), &client(), "a cat", 512, 512).await);
    assert!(
        message.contains("the answer declares 1099511627776 bytes, more than the limit of 1048576 bytes for an image; it was not read"),
        "{message}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[tokio::test]
async fn a_base64_image_over_the_cap_is_refused_before_decoding() {
    use base64::Engine;
    // Within the JSON cap (4/3 of the image cap plus 64 KiB) but decoding to more than the
    // image cap.
    let b64 = base64::engine::general_purpose::STANDARD.encode(vec![0u8; (MIB + 30_000) as usize]);
    let (base, _) = serve(vec![json(
        200,
        serde_json::json!({"data": [{"b64_json": b64}]}),
    )]);
    let message =
        final_message(backends::openai(&small_cap(&base), &client(), "a cat", 1024, 1024).await);
    assert!(
        message.contains("limit of 1048576 bytes for an image"),
        "{message}"
    );
}

#[tokio::test]
async fn error_bodies_show_only_status_content_type_and_length() {
    let huge = format!(
        "{{\"error\": {{\"message\": \"{}\"}}}}",
        MARKER.repeat(30_000)
    );
    let (base, _) = serve(vec![(
        400,
        vec![("Content-Type", "application/json; charset=utf-8".into())],
        huge.clone().into_bytes(),
    )]);
    let message =
        final_message(backends::openai(&settings(&base), &client(), "a cat", 1024, 1024).await);
    assert_eq!(
        message,
        format!(
            "OpenAI Images API: HTTP 400 (application/json, {} bytes, not read)",
            huge.len()
        )
    );
    // Without a length: read up to 64 KiB only to count it.
    let (base, _) = endless(403, "text/plain", vec![], MARKER.repeat(100).into_bytes());
    let message =
        final_message(backends::huggingface(&settings(&base), &client(), "a cat", 512, 512).await);
    assert_eq!(
        message,
        "Hugging Face Inference API: HTTP 403 (text/plain, more than 65536 bytes, not read further)"
    );
    // A retried status keeps its content out of the error too.
    let (base, seen) = serve(vec![(
        503,
        vec![("Content-Type", "text/html; x=y".into())],
        MARKER.as_bytes().to_vec(),
    )]);
    let err = backends::huggingface(&settings(&base), &client(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        BackendError::Transient(format!(
            "Hugging Face Inference API failed after 3 attempts: HTTP 503 (text/html, {} bytes)",
            MARKER.len()
        ))
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
    // A 200 that is not an image: its type and length, not its start.
    let page = format!("<html>{MARKER}</html>");
    let (base, _) = serve(vec![(200, vec![], page.clone().into_bytes())]);
    let message =
        final_message(backends::huggingface(&settings(&base), &client(), "a cat", 512, 512).await);
    let described = format!(
        "is not an image (no readable content type, {} bytes)",
        page.len()
    );
    assert!(message.ends_with(&described), "{message}");
    // JSON that is not the answer: the position of the problem, not the text around it.
    let (base, _) = serve(vec![json(200, serde_json::json!({"data": MARKER}))]);
    let err = backends::openai(&settings(&base), &client(), "a cat", 1024, 1024)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Transient(m) if m.contains("is not the expected JSON (line 1, column") && !m.contains(MARKER)),
        "{err:?}"
    );
}

#[tokio::test]
async fn redirects_to_another_host_are_refused() {
    let (elsewhere, visits) = serve(vec![(
        200,
        vec![("Content-Type", "image/png".into())],
        png(),
    )]);
    let (base, _) = serve(vec![(
        307,
        vec![("Location", format!("{elsewhere}/models/x?token=SECRET"))],
        vec![],
    )]);
    let message =
        final_message(backends::huggingface(&settings(&base), &client(), "a cat", 512, 512).await);
    assert!(
        message.contains(&format!(
            "a redirect to another host ({elsewhere}) was refused"
        )),
        "{message}"
    );
    assert!(!message.contains("SECRET"), "{message}");
    assert!(visits.lock().unwrap().is_empty());
}

#[tokio::test]
async fn redirects_on_the_same_host_are_followed_a_few_times() {
    // The image URL redirects twice on its own host, then serves the image.
    let (files, seen) = serve_with(|_, request, stream| {
        let (status, location, body) = match request.path.as_str() {
            "/a" => (302, "/b", vec![]),
            "/b" => (302, "/c", vec![]),
            "/c" => (200, "", png()),
            _ => (302, "/loop", vec![]),
        };
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nLocation: {location}\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        stream.write_all(&body)
    });
    let answer = |path: &str| {
        json(
            200,
            serde_json::json!({"data": [{"url": format!("{files}{path}")}]}),
        )
    };
    let (api, _) = serve(vec![answer("/a")]);
    let made = backends::openai(&settings(&api), &client(), "a cat", 512, 512)
        .await
        .unwrap();
    assert_eq!(made.bytes, png());
    let paths: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(paths, ["/a", "/b", "/c"]);
    let (api, _) = serve(vec![answer("/loop")]);
    let message =
        final_message(backends::openai(&settings(&api), &client(), "a cat", 512, 512).await);
    assert!(message.contains("more than 5 redirects"), "{message}");
}

#[tokio::test]
async fn answer_urls_are_fetched_only_from_public_addresses() {
    let (files, downloads) = serve(vec![(
        200,
        vec![("Content-Type", "image/png".into())],
        png(),
    )]);
    let port = files.rsplit(':').next().unwrap().to_owned();
    // The API answers through a proxy, so its base URL is a public name, not loopback; the
    // image URL it names is a live loopback server that is never reached.
    let (proxy, calls) = serve(vec![json(
        200,
        serde_json::json!({"data": [{"url": format!("{files}/files/a.png?sig=SECRET")}]}),
    )]);
    let through_proxy = http::client_builder()
        .proxy(reqwest::Proxy::http(&proxy).unwrap())
        .build()
        .unwrap();
    let public = settings("http://api.example.com");
    let message = final_message(backends::openai(&public, &through_proxy, "a cat", 512, 512).await);
    assert_eq!(
        message,
        "the image URL in the answer was not fetched: its host is a loopback address; only public addresses are fetched (loopback too when the API's base URL is on loopback)"
    );
    assert_eq!(
        calls.lock().unwrap()[0].path,
        "http://api.example.com/v1/images/generations"
    );
    assert!(downloads.lock().unwrap().is_empty());
    // With a loopback base URL the same answer is fetched; link-local and private are not.
    let local = settings(&proxy);
    assert!(
        backends::openai(&local, &client(), "a cat", 512, 512)
            .await
            .is_ok()
    );
    assert_eq!(downloads.lock().unwrap().len(), 1);
    for (link, kind) in [
        (
            format!("http://169.254.169.254:{port}/latest/meta-data/"),
            "a link-local",
        ),
        (
            format!("http://[::ffff:10.0.0.1]:{port}/x.png"),
            "a private",
        ),
        ("file:///etc/passwd".to_owned(), "only http and https"),
    ] {
        let (api, _) = serve(vec![json(
            200,
            serde_json::json!({"data": [{"url": link}]}),
        )]);
        let started = std::time::Instant::now();
        let message =
            final_message(backends::openai(&settings(&api), &client(), "a cat", 512, 512).await);
        assert!(message.contains(kind), "{message}");
        assert!(started.elapsed().as_secs() < 2, "refused before connecting");
    }
}
