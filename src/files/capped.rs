//! Reading a whole file within a size budget.

use std::path::Path;

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
