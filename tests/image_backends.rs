//! The HTTP image backends against a local HTTP server that speaks the OpenAI Images API and
//! the Hugging Face Inference API, scripted per test: success, retries, failures.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use project_ai_temporal::activities::image::backends;
use project_ai_temporal::activities::image::http::BackendError;
use project_ai_temporal::activities::image::render;
use project_ai_temporal::activities::image::settings::ImageSettings;

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
            log.lock().unwrap().push(Seen {
                path,
                authorization,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let (status, headers, reply) = replies[n.min(replies.len() - 1)].clone();
            let mut response = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                reply.len()
            );
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            stream.write_all(response.as_bytes()).unwrap();
            stream.write_all(&reply).unwrap();
        }
    });
    (base, seen)
}

fn png() -> Vec<u8> {
    let pixels = render::render("minimalist", 8, 8, 1, |_| {});
    project_ai_temporal::files::encode_png(&pixels, 8, 8, &[]).unwrap()
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
    let made = backends::openai(
        &settings(&base),
        &reqwest::Client::new(),
        "a cat",
        1024,
        1024,
    )
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
    let made = backends::openai(&settings(&api), &reqwest::Client::new(), "a cat", 512, 512)
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
    let made = backends::huggingface(
        &settings(&base),
        &reqwest::Client::new(),
        "a cat, anime style",
        640,
        480,
    )
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
        project_ai_temporal::activities::image::prompt::SAFETY_NEGATIVE
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
    let err = backends::huggingface(&settings(&base), &reqwest::Client::new(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Transient(m) if m.contains("after 3 attempts") && m.contains("HTTP 503")),
        "{err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_401_fails_at_once_with_the_servers_message() {
    let (base, seen) = serve(vec![json(
        401,
        serde_json::json!({"error": {"message": "Incorrect API key provided"}}),
    )]);
    let err = backends::openai(
        &settings(&base),
        &reqwest::Client::new(),
        "a cat",
        1024,
        1024,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("HTTP 401") && m.contains("Incorrect API key")),
        "{err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_size_and_missing_key_never_call_out() {
    let (base, seen) = serve(vec![json(200, serde_json::json!({}))]);
    let err = backends::openai(&settings(&base), &reqwest::Client::new(), "a cat", 640, 480)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("256x256")),
        "{err:?}"
    );
    let mut no_key = settings(&base);
    no_key.huggingface_api_key = None;
    let err = backends::huggingface(&no_key, &reqwest::Client::new(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("HUGGINGFACE_API_KEY") && m.contains("backend=\"local\"")),
        "{err:?}"
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_non_image_answer_is_refused() {
    let (base, _) = serve(vec![(200, vec![], b"<html>maintenance</html>".to_vec())]);
    let err = backends::huggingface(&settings(&base), &reqwest::Client::new(), "a cat", 512, 512)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Final(m) if m.contains("not an image")),
        "{err:?}"
    );
}
