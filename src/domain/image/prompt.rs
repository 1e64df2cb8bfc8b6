//! What the backends are asked for: Project-AI's style suffixes, its safety negative
//! prompt, and sizes.

/// Project-AI's STYLE_PRESETS: the text each style adds to the prompt.
pub const STYLE_SUFFIXES: &[(&str, &str)] = &[
    (
        "photorealistic",
        "ultra realistic, 8k, professional photography, detailed",
    ),
    (
        "digital_art",
        "digital art, highly detailed, vibrant colors, artstation",
    ),
    (
        "oil_painting",
        "oil painting, classical art style, brush strokes, masterpiece",
    ),
    (
        "watercolor",
        "watercolor painting, soft colors, artistic, delicate",
    ),
    ("anime", "anime style, manga, detailed characters, vibrant"),
    (
        "cyberpunk",
        "cyberpunk, neon lights, futuristic, dystopian, sci-fi",
    ),
    (
        "fantasy",
        "fantasy art, magical, epic, detailed world building",
    ),
    ("minimalist", "minimalist, clean, simple, modern design"),
    (
        "abstract",
        "abstract art, creative, unique perspective, artistic",
    ),
    (
        "cinematic",
        "cinematic, dramatic lighting, movie poster style, epic",
    ),
];

/// Project-AI's SAFETY_NEGATIVE, always sent where a backend takes a negative prompt.
pub const SAFETY_NEGATIVE: &str =
    "nsfw, explicit, nude, violence, gore, disturbing, inappropriate, offensive, hate, illegal";

pub const OPENAI_SIZES: &[&str] = &["256x256", "512x512", "1024x1024", "1024x1792", "1792x1024"];
pub const MIN_SIDE: u32 = 64;
pub const MAX_SIDE: u32 = 4096;

/// The prompt with the style's suffix, as Project-AI builds it: "{prompt}, {suffix}".
pub fn enhanced(prompt: &str, style: &str) -> Result<String, String> {
    STYLE_SUFFIXES
        .iter()
        .find(|(name, _)| *name == style)
        .map(|(_, suffix)| format!("{prompt}, {suffix}"))
        .ok_or_else(|| {
            let names: Vec<&str> = STYLE_SUFFIXES.iter().map(|(n, _)| *n).collect();
            format!("style {style:?} is not one of {}", names.join(", "))
        })
}

/// `WxH` with each side between 64 and 4096.
pub fn parse_size(size: &str) -> Result<(u32, u32), String> {
    let bad = || {
        format!(
            "size {size:?} must be WIDTHxHEIGHT with each side from {MIN_SIDE} to {MAX_SIDE}, e.g. 1024x1024"
        )
    };
    let (w, h) = size.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u32, u32) = (
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    );
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// The OpenAI Images API takes a few sizes only; others are refused, not changed.
pub fn check_openai_size(width: u32, height: u32) -> Result<String, String> {
    let size = format!("{width}x{height}");
    if OPENAI_SIZES.contains(&size.as_str()) {
        Ok(size)
    } else {
        Err(format!(
            "the openai backend takes sizes {} only, not {size}",
            OPENAI_SIZES.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_and_sizes() {
        assert_eq!(
            enhanced("a cat", "anime").unwrap(),
            "a cat, anime style, manga, detailed characters, vibrant"
        );
        assert!(
            enhanced("a cat", "sketch")
                .unwrap_err()
                .contains("photorealistic, digital_art")
        );
        assert_eq!(parse_size("640x480"), Ok((640, 480)));
        for bad in ["640", "63x100", "100x4097", "axb", ""] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(check_openai_size(1024, 1792).is_ok());
        assert!(check_openai_size(640, 480).unwrap_err().contains("256x256"));
    }
}
