//! The three ways to make an image: `local` (the procedural renderer, offline), `openai`
//! (the Images API, dall-e-3) and `huggingface` (the Inference API, text-to-image).

use std::borrow::Cow;

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::http::{BackendError, Body, Cap, address, read_capped, send};
use super::prompt::{SAFETY_NEGATIVE, check_openai_size};
use super::render;
use super::safety::MAX_PROMPT_CHARS;
use super::settings::{ImageSettings, variable};

/// The image backends a request may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Local,
    OpenAi,
    HuggingFace,
}

impl Backend {
    const ALL: [(Backend, &'static str); 3] = [
        (Backend::Local, "local"),
        (Backend::OpenAi, "openai"),
        (Backend::HuggingFace, "huggingface"),
    ];

    /// The backend a request's `backend` names, else the problem with the allowed names.
    pub fn parse(name: &str) -> Result<Backend, String> {
        Self::ALL
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(backend, _)| *backend)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("backend {name:?} is not one of {}", names.join(", "))
            })
    }
}

/// Image bytes as a backend made them.
#[derive(Debug, Clone)]
pub struct Made {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
    pub model: String,
    /// The prompt the service says it used, when it rewrote ours.
    pub revised_prompt: Option<String>,
}

/// The file type of image bytes, from their magic number.
pub fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("jpg"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("webp"),
        [b'G', b'I', b'F', b'8', ..] => Some("gif"),
        _ => None,
    }
}

fn image(
    body: Body,
    model: String,
    revised_prompt: Option<String>,
    what: &str,
) -> Result<Made, BackendError> {
    match image_extension(&body.bytes) {
        Some(extension) => Ok(Made {
            bytes: body.bytes,
            extension,
            model,
            revised_prompt,
        }),
        None => Err(BackendError::Final(format!(
            "{what} answered with something that is not an image ({})",
            body.describe()
        ))),
    }
}

/// The part of an Images API answer used here; the strings borrow from the answer's bytes
/// where they have no escapes, so a base64 image is not copied before it is decoded.
#[derive(Deserialize)]
struct ImagesAnswer<'a> {
    #[serde(borrow, default)]
    data: Vec<ImageItem<'a>>,
}

#[derive(Deserialize)]
struct ImageItem<'a> {
    #[serde(borrow, default)]
    b64_json: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    revised_prompt: Option<Cow<'a, str>>,
}

/// The answer's text cut to the prompt limit, so a long one cannot swell the result.
fn bounded(text: &str) -> String {
    text.chars().take(MAX_PROMPT_CHARS).collect()
}

fn missing_key(backend: &str, variable: &str) -> BackendError {
    BackendError::Final(format!(
        "the {backend} backend needs the API key in {variable}; set it, or choose the local backend for the offline renderer (backend \"local\" in a request, --backend local on the command line)"
    ))
}

/// The procedural renderer, as a PNG with the prompt, style, backend and seed in text chunks.
pub fn local(
    prompt: &str,
    style: &str,
    width: u32,
    height: u32,
    seed: u64,
    progress: impl FnMut(f32),
) -> Result<Made, BackendError> {
    let pixels = render::render(style, width, height, seed, progress);
    let text = [
        ("prompt", prompt.to_owned()),
        ("style", style.to_owned()),
        ("backend", "local".to_owned()),
        ("seed", seed.to_string()),
        (
            "Software",
            "project-ai-temporal local renderer (procedural, not a model)".to_owned(),
        ),
    ];
    let bytes = crate::png::encode_png(&pixels, width, height, &text)
        .map_err(|e| BackendError::Transient(format!("cannot encode the PNG: {e}")))?;
    Ok(Made {
        bytes,
        extension: "png",
        model: "procedural".into(),
        revised_prompt: None,
    })
}

/// The OpenAI Images API: dall-e-3, quality standard, one image; a returned URL or base64.
pub async fn openai(
    settings: &ImageSettings,
    http: &reqwest::Client,
    prompt: &str,
    width: u32,
    height: u32,
) -> Result<Made, BackendError> {
    let key = settings
        .openai_api_key
        .as_deref()
        .ok_or_else(|| missing_key("openai", variable("openai_api_key")))?;
    let size = check_openai_size(width, height).map_err(BackendError::Final)?;
    let url = format!("{}/images/generations", settings.openai_base_url);
    let body =
        json!({"model": "dall-e-3", "prompt": prompt, "n": 1, "size": size, "quality": "standard"});
    const WHAT: &str = "OpenAI Images API";
    let response = send(settings, WHAT, || {
        http.post(&url).bearer_auth(key).json(&body)
    })
    .await?;
    let answer = read_capped(response, Cap::json(settings.image_max_bytes), WHAT).await?;
    // serde's messages may quote the answer; only the position is shown.
    let parsed: ImagesAnswer<'_> = serde_json::from_slice(&answer.bytes).map_err(|e| {
        BackendError::Transient(format!(
            "{WHAT}: the answer is not the expected JSON (line {}, column {}; {})",
            e.line(),
            e.column(),
            answer.describe()
        ))
    })?;
    let item = parsed
        .data
        .into_iter()
        .next()
        .ok_or_else(|| BackendError::Final(format!("{WHAT}: no image data in the answer")))?;
    let revised = item.revised_prompt.as_deref().map(bounded);
    let image_cap = Cap::image(settings.image_max_bytes);
    let body = if let Some(b64) = item.b64_json {
        let b64 = b64.trim();
        if !image_cap.admits(0, (b64.len() as u64 / 4).saturating_mul(3)) {
            return Err(image_cap.exceeded(WHAT, None));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| BackendError::Final(format!("{WHAT}: b64_json is not base64")))?;
        Body {
            bytes,
            content_type: "base64 in JSON".into(),
        }
    } else if let Some(link) = item.url {
        let allow_loopback = address::is_loopback_base(&settings.openai_base_url);
        let target = address::check_url(&link, allow_loopback, settings.timeout).await?;
        let client = target.client()?;
        let download = send(settings, "image download", || {
            client.get(target.url.clone())
        })
        .await?;
        read_capped(download, image_cap, "image download").await?
    } else {
        return Err(BackendError::Final(format!(
            "{WHAT}: the answer has neither url nor b64_json"
        )));
    };
    image(body, "dall-e-3".into(), revised, WHAT)
}

/// The Hugging Face Inference API, text-to-image, with Project-AI's negative prompt.
pub async fn huggingface(
    settings: &ImageSettings,
    http: &reqwest::Client,
    prompt: &str,
    width: u32,
    height: u32,
) -> Result<Made, BackendError> {
    let key = settings
        .huggingface_api_key
        .as_deref()
        .ok_or_else(|| missing_key("huggingface", variable("huggingface_api_key")))?;
    let url = format!(
        "{}/models/{}",
        settings.huggingface_base_url, settings.huggingface_model
    );
    let body = json!({
        "inputs": prompt,
        "parameters": {
            "negative_prompt": SAFETY_NEGATIVE,
            "width": width,
            "height": height,
            "num_inference_steps": 50,
            "guidance_scale": 7.5,
        }
    });
    const WHAT: &str = "Hugging Face Inference API";
    let response = send(settings, WHAT, || {
        http.post(&url).bearer_auth(key).json(&body)
    })
    .await?;
    let answer = read_capped(response, Cap::image(settings.image_max_bytes), WHAT).await?;
    image(answer, settings.huggingface_model.clone(), None, WHAT)
}
