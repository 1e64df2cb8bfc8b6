//! The records of delimited text that holds no quote, read the way the `csv` crate reads
//! them, without its general state machine: the loader parses such stretches (most files
//! are all of them) several times faster this way. A property test holds the two to the
//! same records and line numbers.

/// Calls `record(text, line)` for each record of `body`, which holds no `"`: records end
/// at `\n`, `\r` or `\r\n`, and a record without a byte (an empty line) is skipped, as the
/// `csv` crate does. `line` is what `csv` reports as the record's line: `first_line` plus
/// the line ends before the record (ends of skipped empty lines just before it not
/// counted). Stops at the first error `record` returns.
pub fn plain_records<'a, E>(
    body: &'a [u8],
    first_line: u64,
    mut record: impl FnMut(&'a [u8], u64) -> Result<(), E>,
) -> Result<(), E> {
    // The line after the last record read: where `csv` starts reading the next one.
    let mut line = first_line;
    let mut ends = 0;
    let mut start = 0;
    while start < body.len() {
        let end = memchr::memchr2(b'\n', b'\r', &body[start..]).map_or(body.len(), |i| start + i);
        let text = &body[start..end];
        if !text.is_empty() {
            record(text, line)?;
        }
        ends += u64::from(body.get(end) == Some(&b'\n'));
        if !text.is_empty() {
            line = first_line + ends;
        }
        start = end + 1;
    }
    Ok(())
}

/// A record's fields, split at `delimiter`: how many, and each in turn. Nothing is gathered,
/// so a line of millions of delimiters costs no memory for its fields.
pub fn fields(text: &[u8], delimiter: u8) -> (usize, impl Iterator<Item = &[u8]>) {
    let count = memchr::memchr_iter(delimiter, text).count() + 1;
    (count, text.split(move |&b| b == delimiter))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the `csv` crate reads of `body`, as the loader sets it up.
    fn by_csv(body: &[u8], delimiter: u8, first_line: u64) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut found = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let line = record.position().map_or(0, |p| p.line()) + first_line - 1;
            found.push((record.iter().map(<[u8]>::to_vec).collect(), line));
        }
        found
    }

    fn by_us(body: &[u8], delimiter: u8, first_line: u64) -> Vec<(Vec<Vec<u8>>, u64)> {
        let mut found = Vec::new();
        plain_records(body, first_line, |text, line| {
            let (count, split) = fields(text, delimiter);
            let split: Vec<Vec<u8>> = split.map(<[u8]>::to_vec).collect();
            assert_eq!(count, split.len());
            found.push((split, line));
            Ok::<(), ()>(())
        })
        .unwrap();
        found
    }

    #[test]
    fn reads_what_csv_reads() {
        let mut rng = fastrand::Rng::with_seed(17);
        let bytes = [
            b'a', b'7', b'.', b' ', b',', b';', b'\t', b'\n', b'\r', 0xC3, 0,
        ];
        for case in 0..20_000 {
            let len = rng.usize(..40);
            let body: Vec<u8> = (0..len).map(|_| bytes[rng.usize(..bytes.len())]).collect();
            let delimiter = [b',', b';', b'\t'][case % 3];
            let first_line = 1 + rng.u64(..5);
            assert_eq!(
                by_us(&body, delimiter, first_line),
                by_csv(&body, delimiter, first_line),
                "{:?} split at {:?}",
                String::from_utf8_lossy(&body),
                delimiter as char
            );
        }
    }

    #[test]
    fn stops_at_the_first_error() {
        let mut seen = 0;
        let result = plain_records(b"a\nb\nc\n", 1, |_, line| {
            seen += 1;
            if line == 2 { Err(line) } else { Ok(()) }
        });
        assert_eq!((result, seen), (Err(2), 2));
    }
}
