//! The image backends' settings, from the settings table (`openai_api_key`,
//! `image_api_max_retries`, ...; Project-AI's own variables `OPENAI_API_KEY`, ...). Keys are
//! secrets: `Debug` shows only whether they are set, and base URLs without user info, query
//! or fragment.

use std::fmt;
use std::time::Duration;

use crate::config::TemporalConfig;
use crate::config::fields::spec;

/// The variable that sets the setting `name`, for messages ("set OPENAI_API_KEY").
pub fn variable(name: &str) -> &'static str {
    spec(name).map_or("", |f| f.env)
}

#[derive(Clone)]
pub struct ImageSettings {
    pub openai_api_key: Option<String>,
    /// Without a trailing slash, so OpenAI-compatible servers work.
    pub openai_base_url: String,
    pub huggingface_api_key: Option<String>,
    /// Without a trailing slash, so self-hosted inference endpoints work.
    pub huggingface_base_url: String,
    pub huggingface_model: String,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The wait after attempt n is factor x 2^(n-1) seconds.
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
        ImageSettings::from_config(&TemporalConfig::defaults())
    }
}

impl ImageSettings {
    pub fn from_config(config: &TemporalConfig) -> Self {
        ImageSettings {
            openai_api_key: config.openai_api_key.clone(),
            openai_base_url: config.openai_base_url.trim_end_matches('/').to_owned(),
            huggingface_api_key: config.huggingface_api_key.clone(),
            huggingface_base_url: config.huggingface_api_url.trim_end_matches('/').to_owned(),
            huggingface_model: config.huggingface_model.clone(),
            max_attempts: u32::try_from(config.image_api_max_retries).unwrap_or(u32::MAX),
            backoff_factor: config.image_api_backoff_factor,
            timeout: Duration::from_secs(60),
            image_max_bytes: config.image_max_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_config_and_redaction() {
        let mut config = TemporalConfig::defaults();
        config.openai_api_key = Some("sk-secret".to_owned());
        config.openai_base_url = "http://127.0.0.1:9/v1/".to_owned();
        config.huggingface_api_url = "https://user:pw@hf.example/x?api_key=k2#f".to_owned();
        config.image_api_max_retries = 5;
        let s = ImageSettings::from_config(&config);
        assert_eq!(s.openai_base_url, "http://127.0.0.1:9/v1");
        assert_eq!(s.max_attempts, 5);
        assert_eq!(s.backoff_factor, 0.8);
        assert_eq!(s.image_max_bytes, 50 << 20);
        let shown = format!("{s:?}");
        for secret in ["sk-secret", "user", "pw", "k2", "#f"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("https://hf.example/x"), "{shown}");
        assert_eq!(variable("openai_api_key"), "OPENAI_API_KEY");
    }
}
