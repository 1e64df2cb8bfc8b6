//! Loading a data file into a `Table`: CSV/TSV/TXT (delimiter detection, header, quoting,
//! UTF-8 with BOM, empty cells missing), JSON records and JSON lines. Malformed rows are
//! reported with their line numbers.

use std::io::Read;
use std::path::Path;

use super::builder::ColumnBuilder;
use super::parallel;
use super::table::Table;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

/// How many malformed rows an error lists before it says "and N more".
const LISTED: usize = 10;

/// Column names as pandas makes them: blanks become "Unnamed: i", repeats get ".1", ".2".
pub fn column_names(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.trim().is_empty() {
            format!("Unnamed: {i}")
        } else {
            name.trim().to_owned()
        };
        let mut candidate = base.clone();
        let mut n = 1;
        while names.contains(&candidate) {
            candidate = format!("{base}.{n}");
            n += 1;
        }
        names.push(candidate);
    }
    names
}

/// The delimiter that splits the first lines into the same number (> 1) of fields, among
/// comma, tab, semicolon and pipe; comma when none does.
pub fn detect_delimiter(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for candidate in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| {
                let mut quoted = false;
                line.iter()
                    .filter(|b| {
                        if **b == b'"' {
                            quoted = !quoted;
                        }
                        !quoted && **b == candidate
                    })
                    .count()
            })
            .collect();
        let first = counts.first().copied().unwrap_or(0);
        if first > 0 && counts.iter().all(|c| *c == first) && first > best.1 {
            best = (candidate, first);
        }
    }
    best.0
}

fn finish(names: Vec<String>, builders: Vec<ColumnBuilder>) -> Table {
    Table {
        names,
        columns: builders.into_iter().map(ColumnBuilder::finish).collect(),
    }
}

fn list(lines: &[(u64, String)], total: usize) -> String {
    let shown: Vec<String> = lines
        .iter()
        .map(|(line, why)| format!("line {line}: {why}"))
        .collect();
    let more = total.saturating_sub(lines.len());
    format!(
        "{}{}",
        shown.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )
}

/// What one stretch of a delimited file parsed into.
struct Chunk {
    builders: Vec<ColumnBuilder>,
    /// Malformed rows (line, why), the first `LISTED` of them, and how many in all.
    bad: Vec<(u64, String)>,
    bad_total: usize,
}

/// Parses `body` (rows only, no header) into `width` columns; `first_line` is the file's
/// line number of the body's first line.
fn parse_rows(
    path: &Path,
    body: impl Read,
    delimiter: u8,
    width: usize,
    first_line: u64,
) -> Result<Chunk, LoadError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut chunk = Chunk {
        builders: (0..width).map(|_| ColumnBuilder::default()).collect(),
        bad: Vec::new(),
        bad_total: 0,
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line()) + first_line - 1;
            LoadError(format!("{}: line {line}: {e}", path.display()))
        })?;
        if !more {
            return Ok(chunk);
        }
        let line = record.position().map_or(0, |p| p.line()) + first_line - 1;
        if record.len() != width {
            chunk.bad_total += 1;
            if chunk.bad.len() < LISTED {
                let why = format!("{} fields, the header has {width}", record.len());
                chunk.bad.push((line, why));
            }
            continue;
        }
        for (builder, field) in chunk.builders.iter_mut().zip(record.iter()) {
            if builder.push_float(field) {
                continue;
            }
            let text = std::str::from_utf8(field).map_err(|_| {
                LoadError(format!(
                    "{}: line {line} is not valid UTF-8",
                    path.display()
                ))
            })?;
            builder.push(text);
        }
    }
}

/// Where to cut `body` (no quoted fields) into about `parts` stretches of whole lines.
fn cut_points(body: &[u8], parts: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    if parts > 1 && body.len() > 1 << 20 {
        for i in 1..parts {
            let guess = (body.len() * i / parts).max(*cuts.last().unwrap_or(&0));
            if let Some(newline) = memchr::memchr(b'\n', &body[guess..]) {
                cuts.push(guess + newline + 1);
            }
        }
    }
    cuts.push(body.len());
    cuts.dedup();
    cuts
}

/// How much of a delimited file is read at a time: the file is never in memory whole.
const BLOCK_BYTES: usize = 16 << 20;

/// Reads from `source` until `buffer` holds `target` bytes; false at the end of the file.
fn fill(
    path: &Path,
    source: &mut impl Read,
    buffer: &mut Vec<u8>,
    target: usize,
) -> Result<bool, LoadError> {
    while buffer.len() < target {
        let before = buffer.len();
        source
            .by_ref()
            .take((target - before) as u64)
            .read_to_end(buffer)
            .map_err(|e| LoadError(format!("{}: {e}", path.display())))?;
        if buffer.len() == before {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The rows read so far, merged in file order.
struct Rows {
    builders: Vec<ColumnBuilder>,
    bad: Vec<(u64, String)>,
    bad_total: usize,
}

impl Rows {
    fn add(&mut self, chunk: Chunk) {
        self.bad.extend(chunk.bad);
        self.bad.truncate(LISTED);
        self.bad_total += chunk.bad_total;
        for (builder, more) in self.builders.iter_mut().zip(chunk.builders) {
            builder.append(more);
        }
    }
}

/// A delimited text file; `delimiter` None detects it. Read a block at a time; blocks
/// without quoted fields are parsed on all cores, a stretch of lines each, and joined in
/// order. From the first quote on (a quoted field may hold a line break) the rest is
/// parsed in one stream.
pub fn load_delimited(
    path: &Path,
    source: impl Read,
    delimiter: Option<u8>,
) -> Result<Table, LoadError> {
    load_in_blocks(path, source, delimiter, BLOCK_BYTES, None)
}

/// A delimited file on disk: as `load_delimited`, with the columns allocated once from the
/// file's size.
pub fn load_delimited_file(path: &Path, delimiter: Option<u8>) -> Result<Table, LoadError> {
    let file =
        std::fs::File::open(path).map_err(|e| LoadError(format!("{}: {e}", path.display())))?;
    let size = file.metadata().ok().map(|m| m.len());
    load_in_blocks(path, file, delimiter, BLOCK_BYTES, size)
}

/// Rows a file of `size` bytes holds, guessed from the lines of its first block, a little
/// high: columns reserve this once and give back the rest when they are finished.
fn expected_rows(size: Option<u64>, first_block: &[u8]) -> usize {
    let lines = memchr::memchr_iter(b'\n', first_block).count().max(1);
    let per_line = (first_block.len() / lines).max(1) as u64;
    size.map_or(0, |size| {
        (size / per_line + size / per_line / 10 + 16) as usize
    })
}

fn load_in_blocks(
    path: &Path,
    mut source: impl Read,
    delimiter: Option<u8>,
    block_bytes: usize,
    size: Option<u64>,
) -> Result<Table, LoadError> {
    let mut pending = Vec::with_capacity(block_bytes);
    let mut more = fill(path, &mut source, &mut pending, block_bytes)?;
    if pending.starts_with(b"\xEF\xBB\xBF") {
        pending.drain(..3);
    }
    if !more && pending.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError(format!("{} is empty", path.display())));
    }
    let delimiter =
        delimiter.unwrap_or_else(|| detect_delimiter(&pending[..pending.len().min(64 * 1024)]));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(pending.as_slice());
    let header = reader
        .byte_headers()
        .map_err(|e| LoadError(format!("{}: cannot read the header: {e}", path.display())))?
        .clone();
    let body_start = (reader.position().byte() as usize).min(pending.len());
    let mut next_line = reader.position().line();
    let raw_names = header
        .iter()
        .map(|h| std::str::from_utf8(h).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            LoadError(format!(
                "{}: line 1 (the header) is not valid UTF-8",
                path.display()
            ))
        })?;
    let names = column_names(raw_names);
    let width = names.len();
    pending.drain(..body_start);
    let expected = expected_rows(size, &pending);
    let mut rows = Rows {
        builders: (0..width)
            .map(|_| ColumnBuilder::with_expected_rows(expected))
            .collect(),
        bad: Vec::new(),
        bad_total: 0,
    };
    loop {
        if memchr::memchr(b'"', &pending).is_some() {
            let rest = std::io::Cursor::new(std::mem::take(&mut pending)).chain(source);
            rows.add(parse_rows(path, rest, delimiter, width, next_line)?);
            break;
        }
        // Whole lines only, unless the file ends here.
        let cut = if more {
            memchr::memrchr(b'\n', &pending).map(|i| i + 1)
        } else {
            Some(pending.len())
        };
        if let Some(cut) = cut {
            let block = &pending[..cut];
            let cuts = cut_points(block, parallel::threads());
            let mut stretches: Vec<(&[u8], u64)> = Vec::new();
            for w in cuts.windows(2) {
                stretches.push((&block[w[0]..w[1]], next_line));
                next_line += memchr::memchr_iter(b'\n', &block[w[0]..w[1]]).count() as u64;
            }
            let parsed = parallel::map(&stretches, |(stretch, line)| {
                parse_rows(path, *stretch, delimiter, width, *line)
            });
            for chunk in parsed {
                rows.add(chunk?);
            }
            pending.drain(..cut);
        }
        if !more {
            break;
        }
        // A line longer than a block makes the next read longer.
        let target = pending.len() + block_bytes;
        more = fill(path, &mut source, &mut pending, target)?;
    }
    if rows.bad_total > 0 {
        return Err(LoadError(format!(
            "{}: {} malformed rows: {}",
            path.display(),
            rows.bad_total,
            list(&rows.bad, rows.bad_total)
        )));
    }
    let table = finish(names, rows.builders);
    if table.rows() == 0 {
        return Err(LoadError(format!(
            "{} has a header but no rows",
            path.display()
        )));
    }
    Ok(table)
}

/// Rows of JSON objects: the keys of all rows, in first-seen order, become the columns.
fn load_objects(
    path: &Path,
    rows: Vec<(u64, serde_json::Map<String, serde_json::Value>)>,
) -> Result<Table, LoadError> {
    if rows.is_empty() {
        return Err(LoadError(format!("{} has no records", path.display())));
    }
    let mut names: Vec<String> = Vec::new();
    for (_, row) in &rows {
        for key in row.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    let mut builders: Vec<ColumnBuilder> =
        (0..names.len()).map(|_| ColumnBuilder::default()).collect();
    for (_, row) in &rows {
        for (name, builder) in names.iter().zip(builders.iter_mut()) {
            match row.get(name) {
                None | Some(serde_json::Value::Null) => builder.push(""),
                Some(serde_json::Value::String(s)) => builder.push(s),
                Some(serde_json::Value::Bool(b)) => builder.push(if *b { "true" } else { "false" }),
                Some(other) => builder.push(&other.to_string()),
            }
        }
    }
    Ok(finish(names, builders))
}

/// A JSON array of objects.
pub fn load_json(path: &Path, bytes: &[u8]) -> Result<Table, LoadError> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            LoadError(format!(
                "{} is not valid UTF-8 (byte {})",
                path.display(),
                e.valid_up_to()
            ))
        })?;
    if text.trim().is_empty() {
        return Err(LoadError(format!("{} is empty", path.display())));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        LoadError(format!(
            "{}: line {}: not valid JSON: {e}",
            path.display(),
            e.line()
        ))
    })?;
    let serde_json::Value::Array(items) = value else {
        return Err(LoadError(format!(
            "{}: expected a JSON array of records (objects)",
            path.display()
        )));
    };
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            serde_json::Value::Object(map) => rows.push((i as u64 + 1, map)),
            _ => {
                return Err(LoadError(format!(
                    "{}: record {} is not an object",
                    path.display(),
                    i + 1
                )));
            }
        }
    }
    load_objects(path, rows)
}

/// JSON lines: one object per line; blank lines are skipped.
pub fn load_json_lines(path: &Path, bytes: &[u8]) -> Result<Table, LoadError> {
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            LoadError(format!(
                "{}: line {line} is not valid UTF-8",
                path.display()
            ))
        })?;
    let mut rows = Vec::new();
    let (mut bad, mut bad_total) = (Vec::new(), 0usize);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(map)) => rows.push((i as u64 + 1, map)),
            Ok(_) => {
                bad_total += 1;
                if bad.len() < LISTED {
                    bad.push((i as u64 + 1, "not a JSON object".to_owned()));
                }
            }
            Err(e) => {
                bad_total += 1;
                if bad.len() < LISTED {
                    bad.push((i as u64 + 1, format!("not valid JSON ({e})")));
                }
            }
        }
    }
    if bad_total > 0 {
        return Err(LoadError(format!(
            "{}: {bad_total} malformed lines: {}",
            path.display(),
            list(&bad, bad_total)
        )));
    }
    load_objects(path, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::table::Column;

    fn csv(text: &str) -> Result<Table, LoadError> {
        load_delimited(Path::new("t.csv"), text.as_bytes(), None)
    }

    #[test]
    fn csv_basics() {
        let t = csv("\u{feff}a,b,c,d\n1,x,\"q,uoted\",true\n,y,z,false\n3,,w,\n").unwrap();
        assert_eq!(t.names, ["a", "b", "c", "d"]);
        assert_eq!(t.rows(), 3);
        assert_eq!(t.columns[0], Column::Integer(vec![Some(1), None, Some(3)]));
        assert_eq!(
            t.columns[2],
            Column::Text(
                [Some("q,uoted"), Some("z"), Some("w")]
                    .into_iter()
                    .collect()
            )
        );
        assert_eq!(
            t.columns[3],
            Column::Boolean(vec![Some(true), Some(false), None])
        );
    }

    #[test]
    fn large_files_parse_in_stretches_like_one_pass() {
        let mut text = String::from("n,x,t\n");
        for i in 0..200_000 {
            text.push_str(&format!("{i},{}.5,{}\n", i % 7, ["a", "b", ""][i % 3]));
        }
        text.push_str("oops,1.5,a\n");
        let t = csv(&text).unwrap();
        assert_eq!(t.rows(), 200_001);
        assert_eq!(
            t.columns[0].kind(),
            crate::analysis::table::ColumnType::Text
        );
        assert_eq!(
            t.columns[1].kind(),
            crate::analysis::table::ColumnType::Float
        );
        assert_eq!(t.columns[2].missing(), 66_666);
        let Column::Text(n) = &t.columns[0] else {
            panic!("not text")
        };
        assert_eq!(
            (n.get(0), n.get(199_999), n.get(200_000)),
            (Some("0"), Some("199999"), Some("oops"))
        );
        // Line numbers count from the file's start in every stretch.
        let bad = text.replace("\n150000,", "\n150000,1,");
        let err = csv(&bad).unwrap_err().0;
        assert!(
            err.contains("1 malformed rows: line 150002: 4 fields"),
            "{err}"
        );
    }

    #[test]
    fn blocks_read_like_one_pass() {
        let mut text = String::from("n,x,t\n");
        for i in 0..3000 {
            text.push_str(&format!("{i},{}.25,w{}\n", i % 11, i % 4));
        }
        let whole = csv(&text).unwrap();
        for block in [64, 100, 1000, 7777] {
            let t = load_in_blocks(
                Path::new("t.csv"),
                text.as_bytes(),
                None,
                block,
                Some(text.len() as u64),
            )
            .unwrap();
            assert_eq!(t, whole, "blocks of {block}");
        }
        // A quoted line break in a later block: the rest is read as one stream.
        let quoted = format!("{text}3000,1.5,\"two\nlines\"\n3001,2.5,x\n");
        let t = load_in_blocks(Path::new("t.csv"), quoted.as_bytes(), None, 100, None).unwrap();
        let Column::Text(words) = &t.columns[2] else {
            panic!("not text")
        };
        assert_eq!((t.rows(), words.get(3000)), (3002, Some("two\nlines")));
        // Line numbers count across blocks, before and after a quote.
        let bad = format!("{text}1,2\n\"q\",1,2\n1,2,3,4\n");
        let err = load_in_blocks(Path::new("t.csv"), bad.as_bytes(), None, 100, None)
            .unwrap_err()
            .0;
        assert!(
            err.contains("2 malformed rows: line 3002: 2 fields")
                && err.contains("; line 3004: 4 fields"),
            "{err}"
        );
        // A line longer than a block.
        let long = format!("a,b\n1,{}\n2,y\n", "z".repeat(500));
        let t = load_in_blocks(Path::new("t.csv"), long.as_bytes(), None, 64, Some(10)).unwrap();
        assert_eq!(t.rows(), 2);
    }

    #[test]
    fn delimiters_and_names() {
        assert_eq!(detect_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"x,y\"|b\n1|2\n"), b'|');
        let t = csv("x;x;\n1;2;3\n").unwrap();
        assert_eq!(t.names, ["x", "x.1", "Unnamed: 2"]);
    }

    #[test]
    fn clear_errors() {
        assert!(csv("").unwrap_err().0.contains("is empty"));
        assert!(csv("a,b\n").unwrap_err().0.contains("header but no rows"));
        let err = csv("a,b\n1,2\n1,2,3\n4\n5,6\n").unwrap_err().0;
        assert!(
            err.contains("2 malformed rows")
                && err.contains("line 3: 3 fields")
                && err.contains("line 4: 1 fields"),
            "{err}"
        );
        let err = load_delimited(Path::new("t.csv"), &b"a,b\n1,\xff\xfe\n"[..], None)
            .unwrap_err()
            .0;
        assert!(err.contains("line 2 is not valid UTF-8"), "{err}");
    }

    #[test]
    fn json_and_json_lines() {
        let t = load_json(
            Path::new("t.json"),
            br#"[{"a": 1, "b": "x"}, {"a": 2.5, "c": true}]"#,
        )
        .unwrap();
        assert_eq!(t.names, ["a", "b", "c"]);
        assert_eq!(t.columns[0], Column::Float(vec![1.0, 2.5]));
        assert_eq!(t.columns[2], Column::Boolean(vec![None, Some(true)]));
        let t = load_json_lines(Path::new("t.jsonl"), b"{\"a\": 1}\n\n{\"a\": 2}\n").unwrap();
        assert_eq!(t.columns[0], Column::Integer(vec![Some(1), Some(2)]));
        let err = load_json_lines(Path::new("t.jsonl"), b"{\"a\": 1}\n{oops\n[1]\n")
            .unwrap_err()
            .0;
        assert!(
            err.contains("line 2: not valid JSON") && err.contains("line 3: not a JSON object"),
            "{err}"
        );
        assert!(
            load_json(Path::new("t.json"), b"{\"a\": 1}")
                .unwrap_err()
                .0
                .contains("array of records")
        );
    }
}
