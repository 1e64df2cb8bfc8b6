//! Writing files others read: atomically (a temporary file in the same folder, fsynced,
//! renamed over the target, the folder fsynced), and PNG encoding with text chunks.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `folder/name`; a reader sees the old file or the new one, never half.
pub fn write_atomically(folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let path = folder.join(name);
    let temp = folder.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        std::fs::File::open(folder)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| path)
}

/// `text` as part of a file name: ASCII letters, digits, `-` and `_` kept, anything else
/// `_`, at most `max_chars` characters. Different texts can give the same name: add
/// something unique (a hash, a run id) where that matters.
pub fn file_safe(text: &str, max_chars: usize) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(max_chars)
        .collect()
}

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
    fn atomic_write_leaves_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_atomically(dir.path(), "a.png", b"data").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"data");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

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
