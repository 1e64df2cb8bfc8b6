//! Loading a data file into a `Table`: CSV/TSV/TXT (delimiter detection, header, quoting,
//! UTF-8 with BOM, empty cells missing), JSON records and JSON lines. Malformed rows are
//! reported with their line numbers.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::access::InputFile;
use super::builder::ColumnBuilder;
use super::columnar::read_parquet;
use super::error::LoadError;
use super::header::column_names;
use super::limits::{Limits, grouped};
use super::parallel;
use super::plain_records::{fields, plain_records};
use super::spreadsheet::load_xlsx;
use super::table::Table;
use crate::interrupt;

/// The table of a file `FilePolicy::open` checked, by its loader (by extension), within
/// `limits`.
pub fn load_file(
    input: InputFile,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, LoadError> {
    let InputFile {
        path,
        extension,
        mut file,
    } = input;
    let mut read = || {
        file.read_all()
            .map_err(|e| LoadError(format!("{}: {e}", path.display())))
    };
    match extension.as_str() {
        "csv" | "txt" => load_delimited_file(&path, file, None, limits),
        "tsv" => load_delimited_file(&path, file, Some(b'\t'), limits),
        "json" => load_json(&path, &read()?, limits),
        "jsonl" => load_json_lines(&path, &read()?, limits),
        "xlsx" => load_xlsx(&path, file, sheet, limits),
        "parquet" => read_parquet(&path, file, limits),
        other => Err(LoadError(format!(
            "{}: no loader for .{other}",
            path.display()
        ))),
    }
}

/// How many malformed rows an error lists before it says "and N more".
const LISTED: usize = 10;

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
    rows: u64,
    /// Malformed rows (line, why), the first `LISTED` of them, and how many in all.
    bad: Vec<(u64, String)>,
    bad_total: usize,
}

/// How many rows a delimited file may have: its width and the cell budget decide.
#[derive(Debug, Clone, Copy)]
struct RowBudget {
    width: usize,
    /// Rows the whole file may have.
    max_rows: u64,
    /// Rows before the stretch being parsed.
    before: u64,
}

impl RowBudget {
    fn exceeded(&self, path: &Path, limits: &Limits) -> LoadError {
        let found = (self.max_rows + 1).saturating_mul(self.width as u64);
        let subject = format!(
            "{}: {} columns by more than {} rows make at least",
            path.display(),
            grouped(self.width as u64),
            grouped(self.max_rows)
        );
        LoadError(limits.cells().exceeded(found, &subject))
    }
}

/// How often a parse looks whether it should stop (`interrupt`): about every 10 ms.
const ROWS_BETWEEN_STOP_CHECKS: u64 = 1 << 16;

/// A stretch's parse in progress: its columns so far, and what a record is checked
/// against.
struct Parse<'a> {
    path: &'a Path,
    budget: RowBudget,
    /// Rows this stretch may still have.
    room: u64,
    limits: &'a Limits,
    chunk: Chunk,
}

impl<'a> Parse<'a> {
    /// A parse into `budget.width` columns of about `expected` rows.
    fn new(path: &'a Path, (budget, expected): (RowBudget, usize), limits: &'a Limits) -> Self {
        let room = budget.max_rows.saturating_sub(budget.before);
        let reserve = expected.min(usize::try_from(room).unwrap_or(usize::MAX));
        Parse {
            path,
            budget,
            room,
            limits,
            chunk: Chunk {
                builders: (0..budget.width)
                    .map(|_| ColumnBuilder::with_expected_rows(reserve))
                    .collect(),
                rows: 0,
                bad: Vec::new(),
                bad_total: 0,
            },
        }
    }

    /// Adds a record of `count` fields, read at `line`; more rows than the budget leaves
    /// stop it.
    fn record<'f>(
        &mut self,
        (count, fields): (usize, impl Iterator<Item = &'f [u8]>),
        line: u64,
    ) -> Result<(), LoadError> {
        let chunk = &mut self.chunk;
        chunk.rows += 1;
        if chunk.rows > self.room {
            return Err(self.budget.exceeded(self.path, self.limits));
        }
        if chunk.rows.is_multiple_of(ROWS_BETWEEN_STOP_CHECKS) && interrupt::requested() {
            return Err(LoadError(interrupt::STOPPED.into()));
        }
        let width = self.budget.width;
        if count != width {
            chunk.bad_total += 1;
            if chunk.bad.len() < LISTED {
                let why = format!("{count} fields, the header has {width}");
                chunk.bad.push((line, why));
            }
            return Ok(());
        }
        for (builder, field) in chunk.builders.iter_mut().zip(fields) {
            if builder.push_float(field) {
                continue;
            }
            let text = std::str::from_utf8(field).map_err(|_| {
                LoadError(format!(
                    "{}: line {line} is not valid UTF-8",
                    self.path.display()
                ))
            })?;
            builder.push(text);
        }
        Ok(())
    }

    /// Parses `body` (rows only, no header, quoted fields allowed); `first_line` is the
    /// file's line number of the body's first line.
    fn quoted(
        mut self,
        body: impl Read,
        delimiter: u8,
        first_line: u64,
    ) -> Result<Chunk, LoadError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut record = csv::ByteRecord::new();
        loop {
            let more = reader.read_byte_record(&mut record).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line()) + first_line - 1;
                LoadError(format!("{}: line {line}: {e}", self.path.display()))
            })?;
            if !more {
                return Ok(self.chunk);
            }
            let line = record.position().map_or(0, |p| p.line()) + first_line - 1;
            self.record((record.len(), record.iter()), line)?;
        }
    }

    /// `quoted` of a stretch without a quote, which reads the same records faster.
    fn plain(mut self, stretch: &[u8], delimiter: u8, first_line: u64) -> Result<Chunk, LoadError> {
        plain_records(stretch, first_line, |text, line| {
            self.record(fields(text, delimiter), line)
        })?;
        Ok(self.chunk)
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
    count: u64,
    bad: Vec<(u64, String)>,
    bad_total: usize,
}

impl Rows {
    fn add(&mut self, chunk: Chunk) {
        self.count += chunk.rows;
        self.bad.extend(chunk.bad);
        self.bad.truncate(LISTED);
        self.bad_total += chunk.bad_total;
        // Column by column on all cores: appending copies every cell once more.
        let columns: Vec<_> = self.builders.iter_mut().zip(chunk.builders).collect();
        parallel::for_each(columns, |(builder, more)| builder.append(more));
    }
}

/// A delimited text file; `delimiter` None detects it. Read a block at a time; blocks
/// without quoted fields are parsed on all cores, a stretch of lines each, and joined in
/// order. From the first quote on (a quoted field may hold a line break) the rest is
/// parsed in one stream. The header's width and the rows read so far are checked against
/// `limits` before columns are allocated or more rows parsed.
pub fn load_delimited(
    path: &Path,
    source: impl Read,
    delimiter: Option<u8>,
    limits: &Limits,
) -> Result<Table, LoadError> {
    load_in_blocks(path, source, delimiter, BLOCK_BYTES, None, limits)
}

/// A delimited file of `file.len()` bytes: as `load_delimited`, with the columns allocated
/// once from the file's size.
fn load_delimited_file(
    path: &Path,
    file: super::access::Capped,
    delimiter: Option<u8>,
    limits: &Limits,
) -> Result<Table, LoadError> {
    let size = file.len();
    load_in_blocks(path, file, delimiter, BLOCK_BYTES, Some(size), limits)
}

/// The mean length of the lines in a file's first block.
fn bytes_per_line(first_block: &[u8]) -> u64 {
    let lines = memchr::memchr_iter(b'\n', first_block).count().max(1);
    (first_block.len() / lines).max(1) as u64
}

/// Rows `size` bytes hold at `per_line` bytes a line, a little high: columns reserve this
/// once (instead of doubling their way up) and give back the rest when they are finished.
/// Never more than rows of `width` fields can fit in `size` bytes (a delimiter or line end
/// each), whatever lines the first block had: what is reserved is what a parse could fill.
fn expected_rows(size: u64, per_line: u64, width: usize) -> usize {
    let guess = size / per_line + size / per_line / 10 + 16;
    let most = size / width.max(1) as u64 + 1;
    usize::try_from(guess.min(most)).unwrap_or(usize::MAX)
}

fn load_in_blocks(
    path: &Path,
    mut source: impl Read,
    delimiter: Option<u8>,
    block_bytes: usize,
    size: Option<u64>,
    limits: &Limits,
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
    let width = header.len();
    limits.columns().check(width as u64, || {
        format!("{}: the header has", path.display())
    })?;
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
    pending.drain(..body_start);
    let max_rows = limits.max_rows(width);
    let budget = |before| RowBudget {
        width,
        max_rows,
        before,
    };
    // Never more than the budget allows, whatever the first lines suggest.
    let per_line = bytes_per_line(&pending);
    let expected = size
        .map_or(0, |size| expected_rows(size, per_line, width))
        .min(usize::try_from(max_rows).unwrap_or(0));
    let mut rows = Rows {
        builders: (0..width)
            .map(|_| ColumnBuilder::with_expected_rows(expected))
            .collect(),
        count: 0,
        bad: Vec::new(),
        bad_total: 0,
    };
    loop {
        if interrupt::requested() {
            return Err(LoadError(interrupt::STOPPED.into()));
        }
        if memchr::memchr(b'"', &pending).is_some() {
            let rest = std::io::Cursor::new(std::mem::take(&mut pending)).chain(source);
            let before = budget(rows.count);
            rows.add(Parse::new(path, (before, 0), limits).quoted(rest, delimiter, next_line)?);
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
            let before = budget(rows.count);
            let parsed = parallel::map(&stretches, |(stretch, line)| {
                let expected = expected_rows(stretch.len() as u64, per_line, width);
                Parse::new(path, (before, expected), limits).plain(stretch, delimiter, *line)
            });
            for chunk in parsed {
                rows.add(chunk?);
            }
            // Each stretch kept within the budget alone; together they may not.
            if rows.count > max_rows {
                return Err(budget(rows.count).exceeded(path, limits));
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

/// Rows of JSON objects, built into columns as they are parsed (no document tree): the
/// keys of all rows, in first-seen order, become the columns, and a key first seen in a
/// later row gets a column whose earlier rows are missing. The distinct keys and the cells
/// are checked against the budget before a column or a row is added.
struct Records<'a> {
    path: &'a Path,
    limits: &'a Limits,
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    names: Vec<String>,
    builders: Vec<ColumnBuilder>,
    /// The row being parsed, a cell per column (None: missing), added when its object ends
    /// (a key given twice keeps its last value, as a JSON object does).
    row: Vec<Option<String>>,
    rows: u64,
    /// True once the document turned out to be an array.
    in_array: bool,
    /// A refusal from inside the parser (a budget), reported instead of the parser's error.
    refusal: Option<LoadError>,
}

impl<'a> Records<'a> {
    fn new(path: &'a Path, limits: &'a Limits) -> Self {
        Records {
            path,
            limits,
            index: HashMap::default(),
            names: Vec::new(),
            builders: Vec::new(),
            row: Vec::new(),
            rows: 0,
            in_array: false,
            refusal: None,
        }
    }

    /// Stops the parser with `refusal`, which the caller reports.
    fn refuse<E: serde::de::Error>(&mut self, refusal: String) -> E {
        self.refusal = Some(LoadError(refusal));
        E::custom("over a limit")
    }

    /// The column of `key`, added when it is new.
    fn column<E: serde::de::Error>(&mut self, key: &str) -> Result<usize, E> {
        if let Some(&i) = self.index.get(key) {
            return Ok(i);
        }
        let columns = self.names.len() as u64 + 1;
        let checked = self
            .limits
            .columns()
            .check(columns, || {
                format!("{}: the records' distinct keys make", self.path.display())
            })
            .and_then(|()| self.cells_check(self.rows + 1, columns));
        if let Err(refusal) = checked {
            return Err(self.refuse(refusal));
        }
        let i = self.names.len();
        self.index.insert(key.to_owned(), i);
        self.names.push(key.to_owned());
        self.builders
            .push(ColumnBuilder::missing(self.rows as usize));
        self.row.push(None);
        Ok(i)
    }

    fn cells_check(&self, rows: u64, columns: u64) -> Result<(), String> {
        self.limits.cells().check(rows.saturating_mul(columns), || {
            format!(
                "{}: {} records by {} keys make",
                self.path.display(),
                grouped(rows),
                grouped(columns)
            )
        })
    }

    fn start_row(&mut self) {
        self.row.iter_mut().for_each(|cell| *cell = None);
    }

    fn add_row<E: serde::de::Error>(&mut self) -> Result<(), E> {
        if let Err(refusal) = self.cells_check(self.rows + 1, self.names.len() as u64) {
            return Err(self.refuse(refusal));
        }
        for (builder, cell) in self.builders.iter_mut().zip(self.row.iter_mut()) {
            builder.push(cell.take().as_deref().unwrap_or(""));
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> Result<Table, LoadError> {
        if self.rows == 0 {
            return Err(LoadError(format!("{} has no records", self.path.display())));
        }
        Ok(finish(self.names, self.builders))
    }
}

/// One object of `Records`, parsed into its row.
struct Record<'r, 'a>(&'r mut Records<'a>);

impl<'de> serde::de::DeserializeSeed<'de> for Record<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Record<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let records = self.0;
        records.start_row();
        while let Some(column) = map.next_key_seed(Key(&mut *records))? {
            records.row[column] = map.next_value_seed(Cell)?;
        }
        records.add_row()
    }
}

/// A record's key, as its column.
struct Key<'r, 'a>(&'r mut Records<'a>);

impl<'de> serde::de::DeserializeSeed<'de> for Key<'_, '_> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<usize, E> {
        self.0.column(key)
    }
}

/// A record's value as the text the column builder reads (None: null): strings as they
/// are, numbers and booleans as JSON writes them, arrays and objects as compact JSON.
struct Cell;

impl<'de> serde::de::DeserializeSeed<'de> for Cell {
    type Value = Option<String>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Cell {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_str<E>(self, v: &str) -> Result<Option<String>, E> {
        Ok(Some(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Option<String>, E> {
        Ok(Some(v))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Option<String>, E> {
        Ok(Some(json_float(v)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Option<String>, A::Error> {
        let mut text = String::new();
        Compact(&mut text).visit_seq(seq)?;
        Ok(Some(text))
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Option<String>, M::Error> {
        let mut text = String::new();
        Compact(&mut text).visit_map(map)?;
        Ok(Some(text))
    }
}

/// A float as serde_json writes it (1.0, 2.5, 1e300).
fn json_float(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| "null".to_owned(), |n| n.to_string())
}

/// Any JSON value written back compactly into a string as it is parsed, so a nested value
/// costs its text, not a document tree.
struct Compact<'s>(&'s mut String);

impl<'de> serde::de::DeserializeSeed<'de> for Compact<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Compact<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(&serde_json::Value::from(v).to_string());
        Ok(())
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.0.push_str(&json_float(v));
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        delimited(self.0, ('[', ']'), |out| {
            Ok(seq.next_element_seed(Compact(out))?.is_some())
        })
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        delimited(self.0, ('{', '}'), |out| {
            if map.next_key_seed(Compact(out))?.is_none() {
                return Ok(false);
            }
            out.push(':');
            map.next_value_seed(Compact(out))?;
            Ok(true)
        })
    }
}

/// Writes `open`, the items `next` writes (a comma before each but the first; false when
/// there are no more), and `close`.
fn delimited<E>(
    out: &mut String,
    (open, close): (char, char),
    mut next: impl FnMut(&mut String) -> Result<bool, E>,
) -> Result<(), E> {
    out.push(open);
    let mut first = true;
    loop {
        let at = out.len();
        if !first {
            out.push(',');
        }
        if !next(out)? {
            out.truncate(at);
            break;
        }
        first = false;
    }
    out.push(close);
    Ok(())
}

/// The records of a JSON array.
struct Array<'r, 'a>(&'r mut Records<'a>);

impl<'de> serde::de::Visitor<'de> for Array<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.in_array = true;
        while seq.next_element_seed(Record(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// The text of a JSON file, without a byte order mark.
fn json_text(
    bytes: &[u8],
    invalid: impl FnOnce(std::str::Utf8Error) -> String,
) -> Result<&str, LoadError> {
    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| LoadError(invalid(e)))
}

/// A JSON array of objects.
pub fn load_json(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Table, LoadError> {
    let text = json_text(bytes, |e| {
        format!(
            "{} is not valid UTF-8 (byte {})",
            path.display(),
            e.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err(LoadError(format!("{} is empty", path.display())));
    }
    let mut records = Records::new(path, limits);
    let mut parser = serde_json::Deserializer::from_str(text);
    let parsed = serde::Deserializer::deserialize_seq(&mut parser, Array(&mut records))
        .and_then(|()| parser.end());
    if let Err(e) = parsed {
        return Err(records.refusal.take().unwrap_or_else(|| {
            LoadError(match (e.classify(), records.in_array) {
                (serde_json::error::Category::Data, false) => format!(
                    "{}: expected a JSON array of records (objects)",
                    path.display()
                ),
                (serde_json::error::Category::Data, true) => format!(
                    "{}: record {} is not an object",
                    path.display(),
                    records.rows + 1
                ),
                _ => format!("{}: line {}: not valid JSON: {e}", path.display(), e.line()),
            })
        }));
    }
    records.finish()
}

/// JSON lines: one object per line; blank lines are skipped.
pub fn load_json_lines(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Table, LoadError> {
    let text = json_text(bytes, |e| {
        let line = memchr::memchr_iter(b'\n', &bytes[..e.valid_up_to()]).count() + 1;
        format!("{}: line {line} is not valid UTF-8", path.display())
    })?;
    let mut records = Records::new(path, limits);
    let (mut bad, mut bad_total) = (Vec::new(), 0usize);
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parser = serde_json::Deserializer::from_str(line);
        let parsed = serde::de::DeserializeSeed::deserialize(Record(&mut records), &mut parser)
            .and_then(|()| parser.end());
        let Err(e) = parsed else {
            continue;
        };
        if let Some(refusal) = records.refusal.take() {
            return Err(refusal);
        }
        bad_total += 1;
        if bad.len() < LISTED {
            let why = match e.classify() {
                serde_json::error::Category::Data => "not a JSON object".to_owned(),
                _ => format!("not valid JSON ({e})"),
            };
            bad.push((i as u64 + 1, why));
        }
    }
    if bad_total > 0 {
        return Err(LoadError(format!(
            "{}: {bad_total} malformed lines: {}",
            path.display(),
            list(&bad, bad_total)
        )));
    }
    records.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::table::Column;

    fn csv(text: &str) -> Result<Table, LoadError> {
        load_delimited(
            Path::new("t.csv"),
            text.as_bytes(),
            None,
            &Limits::default(),
        )
    }

    #[test]
    fn a_cancelled_load_stops_between_blocks_and_inside_one_stream_of_rows() {
        let stop = crate::interrupt::StopFlag::default();
        stop.raise();
        let stopped = Some(crate::interrupt::STOPPED);
        let file = format!("n\n{}", "1\n".repeat(100_000));
        let done = crate::interrupt::watching(Some(stop.clone()), || csv(&file));
        assert_eq!(done.err().map(|e| e.0).as_deref(), stopped);
        // Quoted rows parse as one stream, which looks on its own.
        let budget = RowBudget {
            width: 1,
            max_rows: u64::MAX,
            before: 0,
        };
        let rows = "\"1\"\n".repeat(100_000);
        let limits = Limits::default();
        let parse = || {
            Parse::new(Path::new("t.csv"), (budget, 0), &limits).quoted(rows.as_bytes(), b',', 2)
        };
        assert_eq!(parse().map(|c| c.rows).ok(), Some(100_000));
        let done = crate::interrupt::watching(Some(stop), parse);
        assert_eq!(done.err().map(|e| e.0).as_deref(), stopped);
    }

    #[test]
    fn reserves_no_more_rows_than_the_bytes_can_hold() {
        // Plain lines: about the bytes over the line length, a tenth more.
        assert_eq!(expected_rows(1_000_000, 100, 10), 11_016);
        // A first block of empty lines says a byte a line; rows of 1,000 fields need 1,000.
        let block = 16 << 20;
        assert_eq!(expected_rows(block, 1, 1000), (block / 1000 + 1) as usize);
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
            crate::domain::analysis::table::ColumnType::Text
        );
        assert_eq!(
            t.columns[1].kind(),
            crate::domain::analysis::table::ColumnType::Float
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
                &Limits::default(),
            )
            .unwrap();
            assert_eq!(t, whole, "blocks of {block}");
        }
        // A quoted line break in a later block: the rest is read as one stream.
        let quoted = format!("{text}3000,1.5,\"two\nlines\"\n3001,2.5,x\n");
        let t = load_in_blocks(
            Path::new("t.csv"),
            quoted.as_bytes(),
            None,
            100,
            None,
            &Limits::default(),
        )
        .unwrap();
        let Column::Text(words) = &t.columns[2] else {
            panic!("not text")
        };
        assert_eq!((t.rows(), words.get(3000)), (3002, Some("two\nlines")));
        // Line numbers count across blocks, before and after a quote.
        let bad = format!("{text}1,2\n\"q\",1,2\n1,2,3,4\n");
        let err = load_in_blocks(
            Path::new("t.csv"),
            bad.as_bytes(),
            None,
            100,
            None,
            &Limits::default(),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("2 malformed rows: line 3002: 2 fields")
                && err.contains("; line 3004: 4 fields"),
            "{err}"
        );
        // A line longer than a block.
        let long = format!("a,b\n1,{}\n2,y\n", "z".repeat(500));
        let t = load_in_blocks(
            Path::new("t.csv"),
            long.as_bytes(),
            None,
            64,
            Some(10),
            &Limits::default(),
        )
        .unwrap();
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
        let err = load_delimited(
            Path::new("t.csv"),
            &b"a,b\n1,\xff\xfe\n"[..],
            None,
            &Limits::default(),
        )
        .unwrap_err()
        .0;
        assert!(err.contains("line 2 is not valid UTF-8"), "{err}");
    }

    #[test]
    fn json_and_json_lines() {
        let t = load_json(
            Path::new("t.json"),
            br#"[{"a": 1, "b": "x"}, {"a": 2.5, "c": true}]"#,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(t.names, ["a", "b", "c"]);
        assert_eq!(t.columns[0], Column::Float(vec![1.0, 2.5]));
        assert_eq!(t.columns[2], Column::Boolean(vec![None, Some(true)]));
        let t = load_json_lines(
            Path::new("t.jsonl"),
            b"{\"a\": 1}\n\n{\"a\": 2}\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(t.columns[0], Column::Integer(vec![Some(1), Some(2)]));
        let err = load_json_lines(
            Path::new("t.jsonl"),
            b"{\"a\": 1}\n{oops\n[1]\n",
            &Limits::default(),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("line 2: not valid JSON") && err.contains("line 3: not a JSON object"),
            "{err}"
        );
        assert!(
            load_json(Path::new("t.json"), b"{\"a\": 1}", &Limits::default())
                .unwrap_err()
                .0
                .contains("array of records")
        );
    }

    fn limits(max_cells: u64, max_columns: u64) -> Limits {
        Limits {
            max_cells,
            max_columns,
            ..Limits::default()
        }
    }

    #[test]
    fn json_records_stream_into_columns() {
        let t = load_json(
            Path::new("t.json"),
            br#"[{"b": 1, "a": {"z": [1, 2.5, null], "y": "q\""}}, {"c": null, "b": 2, "b": 3}]"#,
            &Limits::default(),
        )
        .unwrap();
        // Keys in the order the file first gives them; a key given twice keeps its last value.
        assert_eq!(t.names, ["b", "a", "c"]);
        assert_eq!(t.columns[0], Column::Integer(vec![Some(1), Some(3)]));
        assert_eq!(
            t.columns[1],
            Column::Text(
                [Some(r#"{"z":[1,2.5,null],"y":"q\""}"#), None]
                    .into_iter()
                    .collect()
            )
        );
        assert_eq!(
            t.columns[2],
            Column::Text([None, None].into_iter().collect())
        );
        let err = load_json(Path::new("t.json"), b"[{\"a\": 1}, 2]", &Limits::default())
            .unwrap_err()
            .0;
        assert!(err.ends_with("record 2 is not an object"), "{err}");
        let err = load_json(Path::new("t.json"), b"[{\"a\": 1}", &Limits::default())
            .unwrap_err()
            .0;
        assert!(err.contains("line 1: not valid JSON"), "{err}");
        assert!(
            load_json(Path::new("t.json"), b"[]", &Limits::default())
                .unwrap_err()
                .0
                .contains("has no records")
        );
    }

    #[test]
    fn a_new_key_on_every_line_is_refused_by_the_column_limit() {
        let lines: String = (0..50_000)
            .map(|i| format!("{{\"k{i}\": {i}}}\n"))
            .collect();
        let started = std::time::Instant::now();
        let err = load_json_lines(
            Path::new("t.jsonl"),
            lines.as_bytes(),
            &limits(u64::MAX, 1000),
        )
        .unwrap_err()
        .0;
        assert_eq!(
            err,
            "t.jsonl: the records' distinct keys make 1,001 columns, over the limit of 1,000 \
             columns; the setting analysis_max_columns (TEMPORAL_ANALYSIS_MAX_COLUMNS) raises it"
        );
        // Within the column limit, rows x keys meet the cell limit.
        let err = load_json_lines(
            Path::new("t.jsonl"),
            lines.as_bytes(),
            &limits(1_000_000, 50_000),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains(
                "1,001 records by 1,001 keys make 1,002,001 cells, over the limit of 1,000,000 cells"
            ),
            "{err}"
        );
        let array = format!("[{}]", lines.trim_end().replace('\n', ","));
        let err = load_json(
            Path::new("t.json"),
            array.as_bytes(),
            &limits(u64::MAX, 1000),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("1,001 columns, over the limit of 1,000"),
            "{err}"
        );
        assert!(started.elapsed().as_secs() < 5, "refused at once");
        // Many rows of few keys: the cells are counted as rows come.
        let rows: String = (0..100)
            .map(|i| format!("{{\"a\": {i}, \"b\": 1}}\n"))
            .collect();
        let err = load_json_lines(Path::new("t.jsonl"), rows.as_bytes(), &limits(150, 10))
            .unwrap_err()
            .0;
        assert!(err.contains("76 records by 2 keys make 152 cells"), "{err}");
    }

    #[test]
    fn csv_width_and_rows_are_checked_before_they_are_built() {
        // A header of a million commas: refused by its width, at once (its names would be
        // linear too, see below).
        let header = format!("{}\n1\n", ",".repeat(1_000_000));
        let started = std::time::Instant::now();
        let err = csv_with(&header, &Limits::default()).unwrap_err().0;
        assert!(
            err.contains("the header has 1,000,001 columns, over the limit of 10,000 columns"),
            "{err}"
        );
        // 50,000 numeric columns and 3 rows: refused by width too.
        let wide = format!(
            "{}\n{}\n{}\n{}\n",
            (0..50_000)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(","),
            vec!["1"; 50_000].join(","),
            vec!["2"; 50_000].join(","),
            vec!["3"; 50_000].join(",")
        );
        let err = csv_with(&wide, &Limits::default()).unwrap_err().0;
        assert!(err.contains("the header has 50,000 columns"), "{err}");
        assert!(started.elapsed().as_secs() < 5);
        // Rows over the cell budget: in the parallel blocks and in the quoted stream.
        let mut body = String::from("a,b\n");
        for i in 0..1000 {
            body.push_str(&format!("{i},{i}\n"));
        }
        let small = limits(1000, 10);
        for block in [64, 100_000] {
            let err = load_in_blocks(
                Path::new("t.csv"),
                body.as_bytes(),
                None,
                block,
                None,
                &small,
            )
            .unwrap_err()
            .0;
            assert!(
                err.contains("2 columns by more than 500 rows make at least 1,002 cells, over the limit of 1,000 cells"),
                "{err}"
            );
        }
        let quoted = body.replacen("0,0", "\"0\",0", 1);
        let err = csv_with(&quoted, &small).unwrap_err().0;
        assert!(err.contains("more than 500 rows"), "{err}");
        // Exactly at the budget is fine.
        let fits: String = body.lines().take(501).map(|l| format!("{l}\n")).collect();
        assert_eq!(csv_with(&fits, &small).unwrap().rows(), 500);
    }

    fn csv_with(text: &str, limits: &Limits) -> Result<Table, LoadError> {
        load_delimited(Path::new("t.csv"), text.as_bytes(), None, limits)
    }
}
