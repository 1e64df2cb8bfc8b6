//! PNG encoding with text chunks, for charts and rendered images.

/// A PNG of RGB pixels with `text` as text chunks (keyword, value): tEXt when the value is
/// Latin-1, as tEXt must be, else iTXt (UTF-8), so any column name or prompt can be a title.
pub fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
    text: &[(&str, String)],
) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        for (keyword, value) in text {
            if value.chars().all(|c| u32::from(c) <= 0xFF) {
                encoder.add_text_chunk((*keyword).to_owned(), value.clone())?;
            } else {
                encoder.add_itxt_chunk((*keyword).to_owned(), value.clone())?;
            }
        }
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_in_any_script() {
        for title in ["caf\u{e9}", "\u{6e29}\u{5ea6} \u{2026}"] {
            let png = encode_png(&[0; 3], 1, 1, &[("Title", title.into())]).unwrap();
            let reader = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            let info = reader.info();
            let found: Vec<String> = info
                .uncompressed_latin1_text
                .iter()
                .map(|t| t.text.clone())
                .chain(info.utf8_text.iter().map(|t| t.get_text().unwrap()))
                .collect();
            assert_eq!(found, [title]);
        }
    }
}
