//! Writing files others read: atomically (a temporary file in the same folder, fsynced,
//! renamed over the target, the folder fsynced), PNG encoding with text chunks, and
//! reading a whole file within a size budget.

use std::fs::{Metadata, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::platform;

/// Writes `bytes` to `folder/name`; a reader sees the old file or the new one, never half.
/// A file it replaces keeps its permission bits and, where we may set them, its owner and
/// group: a private 0600 knowledge.json stays private, one the app's user owns stays its
/// (on Windows, its read-only attribute; ACLs come from the folder).
pub fn write_atomically(folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let path = folder.join(name);
    let temp = folder.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let replaced = std::fs::metadata(&path).ok().filter(Metadata::is_file);
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        if replaced.is_some() {
            // Owner-only until the old mode is copied, so a private file is never readable
            // by others, not even as the temporary file.
            platform::create_with_mode(&mut options, 0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        if let Some(old) = &replaced {
            platform::take_owner_and_mode(&file, old)?;
        }
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        platform::sync_folder(folder)
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

/// The whole of the file at `path` when it has at most `max_bytes` (checked before reading,
/// and while reading, since a file can grow).
pub fn read_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    // Opening a FIFO would wait for a writer, and a device has no end.
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Err(format!("{shown} is not a regular file")),
        Err(e) => return Err(format!("cannot open {shown}: {e}")),
        Ok(_) => {}
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
    let declared = file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .len();
    let too_big = |size: u64| format!("{shown} has {size} bytes; at most {max_bytes} are read");
    if declared > max_bytes {
        return Err(too_big(declared));
    }
    let mut bytes = Vec::with_capacity(declared as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big(bytes.len() as u64));
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
    #[cfg(unix)]
    fn atomic_write_keeps_mode_and_owner_of_the_file_it_replaces() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        // Only root may give a file away; elsewhere the owner is ours already.
        let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
        if root {
            std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
        }
        write_atomically(dir.path(), "private.json", b"new").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
        if root {
            assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
        }
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
