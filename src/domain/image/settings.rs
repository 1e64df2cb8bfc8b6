//! The image backends' settings, from the environment when a worker starts (the answer
//! size limit from the settings table). Keys are secrets: `Debug` shows only whether they
//! are set, and base URLs without user info, query or fragment.

use std::fmt;
use std::time::Duration;

pub const OPENAI_KEY_ENV: &str = "OPENAI_API_KEY";
pub const HUGGINGFACE_KEY_ENV: &str = "HUGGINGFACE_API_KEY";

#[derive(Clone)]
pub struct ImageSettings {
    pub openai_api_key: Option<String>,
    /// `OPENAI_BASE_URL`, so OpenAI-compatible servers work.
    pub openai_base_url: String,
    pub huggingface_api_key: Option<String>,
    /// `HUGGINGFACE_API_URL`, so self-hosted inference endpoints work.
    pub huggingface_base_url: String,
    /// `HUGGINGFACE_MODEL`.
    pub huggingface_model: String,
    /// `IMAGE_API_MAX_RETRIES`: attempts per request, the first included.
    pub max_attempts: u32,
    /// `IMAGE_API_BACKOFF_FACTOR`: the wait after attempt n is factor x 2^(n-1) seconds.
    pub backoff_factor: f64,
    pub timeout: Duration,
    /// The `image_max_bytes` setting: the largest image an API may send; JSON answers may be
    /// 4/3 of it plus 64 KiB.
    pub image_max_bytes: u64,
}

/// The setting that bounds answers and how to raise it, for errors.
pub fn raise_image_max_bytes() -> String {
    let name = "image_max_bytes";
    let env = crate::config::fields::spec(name).map_or("", |f| f.env);
    format!("the setting {name}, {env}, raises the limit")
}

/// `url` without user info, query and fragment, for logs.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.into()
        }
        Err(_) => "(not a URL)".into(),
    }
}

impl fmt::Debug for ImageSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageSettings")
            .field("openai_api_key", &self.openai_api_key.is_some())
            .field("openai_base_url", &redacted_url(&self.openai_base_url))
            .field("huggingface_api_key", &self.huggingface_api_key.is_some())
            .field(
                "huggingface_base_url",
                &redacted_url(&self.huggingface_base_url),
            )
            .field("huggingface_model", &self.huggingface_model)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_factor", &self.backoff_factor)
            .field("timeout", &self.timeout)
            .field("image_max_bytes", &self.image_max_bytes)
            .finish()
    }
}

impl Default for ImageSettings {
    fn default() -> Self {
        ImageSettings {
            openai_api_key: None,
            openai_base_url: "https://api.openai.com/v1".into(),
            huggingface_api_key: None,
            huggingface_base_url: "https://api-inference.huggingface.co".into(),
            huggingface_model: "stabilityai/stable-diffusion-2-1".into(),
            max_attempts: 3,
            backoff_factor: 0.8,
            timeout: Duration::from_secs(60),
            image_max_bytes: crate::config::TemporalConfig::defaults().image_max_bytes,
        }
    }
}

impl ImageSettings {
    /// The settings the environment gives; a malformed number is an error naming it.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// The environment's settings with the answer size limit of the settings table.
    pub fn from_env_with_limit(image_max_bytes: u64) -> Result<Self, String> {
        Ok(ImageSettings {
            image_max_bytes,
            ..Self::from_env()?
        })
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut settings = ImageSettings {
            openai_api_key: get(OPENAI_KEY_ENV),
            huggingface_api_key: get(HUGGINGFACE_KEY_ENV),
            ..ImageSettings::default()
        };
        if let Some(url) = get("OPENAI_BASE_URL") {
            settings.openai_base_url = url.trim_end_matches('/').to_owned();
        }
        if let Some(url) = get("HUGGINGFACE_API_URL") {
            settings.huggingface_base_url = url.trim_end_matches('/').to_owned();
        }
        if let Some(model) = get("HUGGINGFACE_MODEL") {
            settings.huggingface_model = model;
        }
        if let Some(text) = get("IMAGE_API_MAX_RETRIES") {
            settings.max_attempts = text.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(
                || {
                    format!(
                        "IMAGE_API_MAX_RETRIES must be a whole number of at least 1, got {text:?}"
                    )
                },
            )?;
        }
        if let Some(text) = get("IMAGE_API_BACKOFF_FACTOR") {
            settings.backoff_factor = text
                .trim()
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite() && *f >= 0.0)
                .ok_or_else(|| {
                    format!("IMAGE_API_BACKOFF_FACTOR must be a non-negative number, got {text:?}")
                })?;
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_lookup_and_redaction() {
        let env = |name: &str| match name {
            "OPENAI_API_KEY" => Some("sk-secret".to_owned()),
            "OPENAI_BASE_URL" => Some("http://127.0.0.1:9/v1/".to_owned()),
            "HUGGINGFACE_API_URL" => Some("https://user:pw@hf.example/x?api_key=k2#f".to_owned()),
            "IMAGE_API_MAX_RETRIES" => Some("5".to_owned()),
            _ => None,
        };
        let s = ImageSettings::from_lookup(env).unwrap();
        assert_eq!(s.openai_base_url, "http://127.0.0.1:9/v1");
        assert_eq!(s.max_attempts, 5);
        assert_eq!(s.image_max_bytes, 50 << 20);
        let shown = format!("{s:?}");
        for secret in ["sk-secret", "user", "pw", "k2", "#f"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("https://hf.example/x"), "{shown}");
        let bad = ImageSettings::from_lookup(|n| {
            (n == "IMAGE_API_BACKOFF_FACTOR").then(|| "fast".to_owned())
        });
        assert!(bad.unwrap_err().contains("IMAGE_API_BACKOFF_FACTOR"));
    }
}
