//! Image generation: prompt rules and the safety check, the backends (the local renderer
//! and the image APIs, through a bounded HTTP client) and their settings.

pub mod backends;
pub mod http;
pub mod prompt;
pub mod render;
pub mod safety;
pub mod safety_fold;
pub mod settings;
