//! Columnar files: Parquet input files, and the copy that load_data leaves under the data
//! dir (Arrow IPC) so the later steps read typed columns instead of the original file.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::access::Capped;
use super::builder::ColumnBuilder;
use super::error::LoadError;
use super::limits::{Budget, Limits, grouped};
use super::table::{Column, Table, Text};

/// The schema metadata key of the copy's row count.
const ROWS_KEY: &str = "project_ai.rows";

/// Rows per record batch in the copy: batches keep the extra memory of a write small.
const BATCH_ROWS: usize = 64 * 1024;

/// The Arrow type of text in the copy: codes into a dictionary of the column's values, as
/// the table holds it, so a reader takes the codes instead of hashing every cell again.
fn text_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8))
}

/// A text column's dictionary as Arrow strings: made once and shared by every batch, so
/// the file holds it once.
fn arrow_dictionary(column: &Column) -> Option<ArrayRef> {
    match column {
        Column::Text(v) => Some(Arc::new(StringArray::from_iter_values(&v.values))),
        _ => None,
    }
}

/// One column's rows `range` as an Arrow array: floats' NaN become nulls (no null bitmap
/// when there is none), text the codes into `dictionary` (from `arrow_dictionary`).
fn arrow_slice(column: &Column, range: Range<usize>, dictionary: Option<&ArrayRef>) -> ArrayRef {
    match column {
        Column::Integer(v) => Arc::new(Int64Array::from(v[range].to_vec())),
        Column::Float(v) if v[range.clone()].iter().any(|x| x.is_nan()) => Arc::new(
            Float64Array::from_iter(v[range].iter().map(|x| (!x.is_nan()).then_some(*x))),
        ),
        Column::Float(v) => Arc::new(Float64Array::from(v[range].to_vec())),
        Column::Boolean(v) => Arc::new(BooleanArray::from(v[range].to_vec())),
        Column::DateTime(v) => {
            Arc::new(TimestampMicrosecondArray::from(v[range].to_vec()).with_timezone("UTC"))
        }
        Column::Text(v) => {
            let codes = &v.codes[range];
            let keys =
                UInt32Array::from_iter(codes.iter().map(|&c| (c != Text::MISSING).then_some(c)));
            let values = dictionary
                .cloned()
                .unwrap_or_else(|| Arc::new(StringArray::from_iter_values(&v.values)));
            Arc::new(DictionaryArray::new(keys, values))
        }
    }
}

/// The table's Arrow schema; every column may hold nulls.
fn arrow_schema(table: &Table) -> Arc<Schema> {
    let fields: Vec<Field> = table
        .names
        .iter()
        .zip(&table.columns)
        .map(|(name, column)| {
            let kind = match column {
                Column::Text(_) => text_type(),
                other => arrow_slice(other, 0..0, None).data_type().clone(),
            };
            Field::new(name, kind, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Batches written between two requests to start writing the file out to disk.
const WRITEBACK_BATCHES: usize = 2;

/// Asks Linux to start writing `file`'s dirty pages to disk, without waiting for them: the
/// disk writes while the next batches are encoded, and the final `sync_all` waits only
/// for the last stretch instead of the whole file. Elsewhere a no-op.
fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor belongs to `file`, open for writing; the call only
        // schedules writeback (an error leaves the final sync to do it all).
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Writes the table as an Arrow IPC file (uncompressed: the copy is read once or twice,
/// right away, so speed beats size), through a temporary file renamed into place.
pub fn write_copy(table: &Table, path: &Path) -> Result<(), String> {
    // The row count, so a reader can allocate each column once.
    let metadata = [(ROWS_KEY.to_owned(), table.rows().to_string())];
    let schema = Arc::new(
        arrow_schema(table)
            .as_ref()
            .clone()
            .with_metadata(std::collections::HashMap::from(metadata)),
    );
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let temp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| -> Result<(), String> {
        let file = BufWriter::new(File::create(&temp).map_err(|e| e.to_string())?);
        let mut writer = FileWriter::try_new(file, &schema).map_err(|e| e.to_string())?;
        let rows = table.rows();
        let dictionaries: Vec<Option<ArrayRef>> =
            table.columns.iter().map(arrow_dictionary).collect();
        for start in (0..rows.max(1)).step_by(BATCH_ROWS) {
            let range = start..(start + BATCH_ROWS).min(rows);
            let arrays = table
                .columns
                .iter()
                .zip(&dictionaries)
                .map(|(c, d)| arrow_slice(c, range.clone(), d.as_ref()))
                .collect();
            let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
            writer.write(&batch).map_err(|e| e.to_string())?;
            if (start / BATCH_ROWS) % WRITEBACK_BATCHES == WRITEBACK_BATCHES - 1 {
                writer.flush().map_err(|e| e.to_string())?;
                start_writeback(writer.get_ref().get_ref());
            }
        }
        writer.finish().map_err(|e| e.to_string())?;
        let file = writer.into_inner().map_err(|e| e.to_string())?;
        file.into_inner()
            .map_err(|e| e.to_string())?
            .sync_all()
            .map_err(|e| e.to_string())?;
        std::fs::rename(&temp, path).map_err(|e| e.to_string())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The error for a file that is not what its extension says.
fn unreadable(path: &Path, format: &str) -> impl Fn(&dyn std::fmt::Display) -> LoadError {
    let path = path.display().to_string();
    let format = format.to_owned();
    move |e| LoadError(format!("{path}: not a readable {format} file: {e}"))
}

fn field_names(schema: &Schema) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

/// Reads a copy `write_copy` made.
pub fn read_copy(path: &Path) -> Result<Table, LoadError> {
    let fail = unreadable(path, "Arrow");
    let file = File::open(path).map_err(|e| fail(&e))?;
    let reader = FileReader::try_new(BufReader::new(file), None).map_err(|e| fail(&e))?;
    let schema = reader.schema();
    let rows = schema.metadata().get(ROWS_KEY).and_then(|r| r.parse().ok());
    let names = field_names(&schema);
    collect_batches(path, names, rows, reader.map(|b| b.map_err(|e| fail(&e))))
}

/// A float column: nulls (and NaN) are missing.
macro_rules! float {
    ($array:expr, $type:ty, $map:expr) => {{
        let a = $array.as_primitive::<$type>();
        let f = $map;
        Column::Float(if a.null_count() == 0 {
            a.values().iter().map(|v| f(*v)).collect()
        } else {
            (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        f64::NAN
                    } else {
                        f(a.value(i))
                    }
                })
                .collect()
        })
    }};
}

macro_rules! primitive {
    ($array:expr, $type:ty, $variant:ident, $map:expr) => {{
        let a = $array.as_primitive::<$type>();
        let f = $map;
        Column::$variant(
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| f(a.value(i))))
                .collect(),
        )
    }};
}

fn table_column(name: &str, array: &dyn Array) -> Result<Column, LoadError> {
    Ok(match array.data_type() {
        DataType::Int8 => primitive!(array, Int8Type, Integer, i64::from),
        DataType::Int16 => primitive!(array, Int16Type, Integer, i64::from),
        DataType::Int32 => primitive!(array, Int32Type, Integer, i64::from),
        DataType::Int64 => primitive!(array, Int64Type, Integer, |v: i64| v),
        DataType::UInt8 => primitive!(array, UInt8Type, Integer, i64::from),
        DataType::UInt16 => primitive!(array, UInt16Type, Integer, i64::from),
        DataType::UInt32 => primitive!(array, UInt32Type, Integer, i64::from),
        DataType::UInt64 => float!(array, UInt64Type, |v: u64| v as f64),
        DataType::Float32 => float!(array, Float32Type, f64::from),
        DataType::Float64 => float!(array, Float64Type, |v: f64| v),
        DataType::Boolean => {
            let a = array.as_boolean();
            Column::Boolean(
                (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                    .collect(),
            )
        }
        DataType::Timestamp(TimeUnit::Second, _) => {
            primitive!(array, TimestampSecondType, DateTime, |v: i64| v * 1_000_000)
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            primitive!(array, TimestampMillisecondType, DateTime, |v: i64| v * 1000)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            primitive!(array, TimestampMicrosecondType, DateTime, |v: i64| v)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            primitive!(array, TimestampNanosecondType, DateTime, |v: i64| v / 1000)
        }
        DataType::Date32 => primitive!(array, Date32Type, DateTime, |d: i32| i64::from(d)
            * 86_400_000_000),
        DataType::Date64 => primitive!(array, Date64Type, DateTime, |ms: i64| ms * 1000),
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            Column::Text(
                (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                    .collect(),
            )
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            Column::Text(
                (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                    .collect(),
            )
        }
        DataType::Dictionary(_, values) if **values == DataType::Utf8 => {
            let a = array.as_any_dictionary();
            if a.values().is_empty() {
                return Ok(Column::Text((0..a.len()).map(|_| None).collect()));
            }
            let (keys, values) = (a.keys(), a.values().as_string::<i32>());
            // A null key, or a key to a null value, is missing.
            let codes = a.normalized_keys().into_iter().enumerate().map(|(i, k)| {
                if keys.is_null(i) || values.is_null(k) {
                    Text::MISSING
                } else {
                    k as u32
                }
            });
            let mut text = Text::default();
            text.extend_coded(codes, values.len(), |k| values.value(k));
            Column::Text(text.sealed())
        }
        other => {
            return Err(LoadError(format!(
                "column {name:?} has Parquet type {other}, which analysis does not read"
            )));
        }
    })
}

/// Footers (the file's metadata) larger than this are refused before they are decoded: a
/// footer is mostly per row group and column, and decodes to several times its size.
pub const MAX_FOOTER_BYTES: u64 = 64 << 20;

/// A Parquet file read through the capped reader: no read reaches past the size the file
/// had when it was checked, and none is allocated larger than what is left of it.
impl parquet::file::reader::Length for Capped {
    fn len(&self) -> u64 {
        Capped::len(self)
    }
}

impl parquet::file::reader::ChunkReader for Capped {
    type T = BufReader<Capped>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(BufReader::new(self.at(start)))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let end = start.saturating_add(length as u64);
        if end > Capped::len(self) {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "{length} bytes at {start} reach past the end of the file ({} bytes)",
                Capped::len(self)
            )));
        }
        let mut bytes = vec![0; length];
        let mut done = 0;
        while done < length {
            let n = self
                .read_at(&mut bytes[done..], start + done as u64)
                .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
            if n == 0 {
                return Err(parquet::errors::ParquetError::EOF(
                    "the file ended early".into(),
                ));
            }
            done += n;
        }
        Ok(bytes.into())
    }
}

/// The footer's length, from the file's last 8 bytes (length, "PAR1"); None when they are
/// not a Parquet ending (the reader then says what is wrong).
fn footer_length(file: &Capped) -> Option<u64> {
    let mut tail = [0u8; 8];
    let at = file.len().checked_sub(8)?;
    file.read_at(&mut tail, at).ok().filter(|n| *n == 8)?;
    (&tail[4..] == b"PAR1")
        .then(|| u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]])))
}

/// A Parquet input file. The shape comes from the footer and is checked before anything
/// is allocated for the table: columns (top-level fields and leaf columns), rows (the
/// footer's count and its row groups', whichever is larger) times columns within the cell
/// budget.
pub fn read_parquet(path: &Path, file: Capped, limits: &Limits) -> Result<Table, LoadError> {
    let shown = path.display();
    let fail = unreadable(path, "Parquet");
    if let Some(footer) = footer_length(&file) {
        Budget::new(MAX_FOOTER_BYTES, "bytes", None)
            .check(footer, || format!("{shown}: the footer has"))?;
    }
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
    let names = field_names(builder.schema());
    let metadata = builder.metadata();
    let leaves = metadata.file_metadata().schema_descr().num_columns();
    let columns = names.len().max(leaves) as u64;
    limits
        .columns()
        .check(columns, || format!("{shown}: the footer declares"))?;
    let declared = metadata.file_metadata().num_rows();
    let groups = metadata.row_groups();
    if declared < 0 || groups.iter().any(|g| g.num_rows() < 0) {
        return Err(fail(&"a negative row count in the footer"));
    }
    let in_groups = groups
        .iter()
        .fold(0u64, |sum, g| sum.saturating_add(g.num_rows() as u64));
    let rows = in_groups.max(declared as u64);
    limits.cells().check(rows.saturating_mul(columns), || {
        format!(
            "{shown}: the footer declares {} rows ({} row groups) by {columns} columns, which make",
            grouped(rows),
            groups.len()
        )
    })?;
    // The rows the reader returns are the row groups'.
    let rows = usize::try_from(in_groups).ok();
    let batches = builder.build().map_err(|e| fail(&e))?;
    collect_batches(path, names, rows, batches.map(|b| b.map_err(|e| fail(&e))))
}

/// The table of a sequence of record batches; an error if it has no rows.
fn collect_batches(
    path: &Path,
    names: Vec<String>,
    rows: Option<usize>,
    batches: impl Iterator<Item = Result<RecordBatch, LoadError>>,
) -> Result<Table, LoadError> {
    let mut columns: Vec<ColumnBuilder> = names
        .iter()
        .map(|_| ColumnBuilder::with_expected_rows(rows.unwrap_or(0)))
        .collect();
    for batch in batches {
        let batch = batch?;
        for (i, array) in batch.columns().iter().enumerate() {
            match array.as_primitive_opt::<Float64Type>() {
                // The usual column, straight from the batch (no column made for it first).
                Some(floats) if floats.null_count() == 0 => {
                    columns[i].append_floats(floats.values());
                }
                _ => columns[i].append(ColumnBuilder::from(table_column(
                    &names[i],
                    array.as_ref(),
                )?)),
            }
        }
    }
    let columns = columns.into_iter().map(ColumnBuilder::finish).collect();
    let table = Table { names, columns };
    if table.rows() == 0 {
        return Err(LoadError(format!("{} has no rows", path.display())));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use parquet::arrow::ArrowWriter;

    use super::*;

    fn sample() -> Table {
        Table {
            names: vec!["i".into(), "f".into(), "b".into(), "d".into(), "t".into()],
            columns: vec![
                Column::Integer(vec![Some(1), None]),
                Column::Float(vec![1.5, -2.0]),
                Column::Boolean(vec![None, Some(true)]),
                Column::DateTime(vec![Some(86_400_000_000), None]),
                Column::Text([Some("x"), None].into_iter().collect()),
            ],
        }
    }

    /// A Parquet file of `table`, as another tool would write it.
    pub fn write_parquet(table: &Table, path: &Path) {
        let schema = arrow_schema(table);
        let arrays = table
            .columns
            .iter()
            .map(|c| arrow_slice(c, 0..c.len(), None))
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    fn parquet(path: &Path, limits: &Limits) -> Result<Table, LoadError> {
        read_parquet(path, Capped::open(path).unwrap(), limits)
    }

    #[test]
    fn parquet_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write_parquet(&sample(), &path);
        let limits = Limits::default();
        assert_eq!(parquet(&path, &limits).unwrap(), sample());
        std::fs::write(&path, b"not parquet").unwrap();
        assert!(
            parquet(&path, &limits)
                .unwrap_err()
                .0
                .contains("not a readable Parquet file")
        );
    }

    /// A Thrift compact varint of `n` zigzagged (an i64 field's value).
    fn zigzag_varint(n: i64) -> Vec<u8> {
        let mut v = ((n << 1) ^ (n >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn the_footers_shape_is_checked_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let rows = 12_345;
        let table = Table {
            names: vec!["n".into(), "m".into()],
            columns: vec![
                Column::Integer((0..rows).map(Some).collect()),
                Column::Integer((0..rows).map(|i| Some(i % 7)).collect()),
            ],
        };
        write_parquet(&table, &path);
        let limits = Limits::default();
        assert_eq!(parquet(&path, &limits).unwrap().rows(), rows as usize);
        let narrow = Limits {
            max_columns: 1,
            ..Limits::default()
        };
        let err = parquet(&path, &narrow).unwrap_err().0;
        assert!(
            err.contains("the footer declares 2 columns, over the limit of 1 columns"),
            "{err}"
        );
        let small = Limits {
            max_cells: 20_000,
            ..Limits::default()
        };
        let err = parquet(&path, &small).unwrap_err().0;
        assert!(
            err.contains(
                "declares 12,345 rows (1 row groups) by 2 columns, which make 24,690 cells"
            ),
            "{err}"
        );
        // The footer's row counts (the file's, the row group's, the columns' values) made
        // to claim 2^40 rows: refused from the footer, nothing reserved.
        let mut bytes = std::fs::read(&path).unwrap();
        let footer_len =
            u32::from_le_bytes(bytes[bytes.len() - 8..bytes.len() - 4].try_into().unwrap())
                as usize;
        let footer_start = bytes.len() - 8 - footer_len;
        let mut footer = bytes[footer_start..bytes.len() - 8].to_vec();
        let (old, new) = (
            [&[0x16u8][..], &zigzag_varint(rows)].concat(),
            [&[0x16u8][..], &zigzag_varint(1 << 40)].concat(),
        );
        let mut patched = Vec::new();
        let mut i = 0;
        while i < footer.len() {
            if footer[i..].starts_with(&old) {
                patched.extend_from_slice(&new);
                i += old.len();
            } else {
                patched.push(footer[i]);
                i += 1;
            }
        }
        assert!(patched.len() > footer.len(), "the row counts were found");
        footer = patched;
        bytes.truncate(footer_start);
        bytes.extend_from_slice(&footer);
        bytes.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        bytes.extend_from_slice(b"PAR1");
        std::fs::write(&path, &bytes).unwrap();
        let err = parquet(&path, &limits).unwrap_err().0;
        assert!(
            err.contains("declares 1,099,511,627,776 rows (1 row groups) by 2 columns, which make 2,199,023,255,552 cells, over the limit of 100,000,000 cells"),
            "{err}"
        );
        // A footer longer than the limit is not decoded at all.
        let tail = bytes.len() - 8;
        bytes[tail..tail + 4].copy_from_slice(&(MAX_FOOTER_BYTES as u32 + 1).to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let err = parquet(&path, &limits).unwrap_err().0;
        assert!(err.contains("the footer has 67,108,865 bytes"), "{err}");
    }

    #[test]
    fn copy_round_trip_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.arrow");
        write_copy(&sample(), &path).unwrap();
        assert_eq!(read_copy(&path).unwrap(), sample());
        // More rows than one batch, with missing floats and a repeated dictionary.
        let rows = BATCH_ROWS * 2 + 7;
        let big = Table {
            names: vec!["f".into(), "t".into()],
            columns: vec![
                Column::Float(
                    (0..rows)
                        .map(|r| if r % 5 == 0 { f64::NAN } else { r as f64 })
                        .collect(),
                ),
                Column::Text(
                    (0..rows)
                        .map(|r| (r % 3 != 0).then_some(["a", "b"][r % 2]))
                        .collect(),
                ),
            ],
        };
        write_copy(&big, &path).unwrap();
        let back = read_copy(&path).unwrap();
        assert_eq!(back.columns[1], big.columns[1]);
        let (Column::Float(a), Column::Float(b)) = (&back.columns[0], &big.columns[0]) else {
            panic!("not floats")
        };
        assert!(
            a.iter()
                .zip(b)
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
        );
        assert_eq!(back.columns[0].missing(), big.columns[0].missing());
        let Column::Text(t) = &back.columns[1] else {
            panic!("not text")
        };
        assert_eq!(t.values.len(), 2, "the dictionary has each value once");
        // Text is stored as codes into one dictionary, floats without a null bitmap when
        // nothing is missing.
        let reader = FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
        assert_eq!(reader.schema().field(1).data_type(), &text_type());
        assert_eq!(reader.num_batches(), 3);
        let whole = Table {
            names: vec!["f".into()],
            columns: vec![Column::Float((0..rows).map(|r| r as f64).collect())],
        };
        write_copy(&whole, &path).unwrap();
        let mut reader = FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
        assert!(reader.next().unwrap().unwrap().column(0).nulls().is_none());
        assert_eq!(read_copy(&path).unwrap(), whole);
    }

    #[test]
    fn copy_and_parquet_of_text_without_values() {
        // An all-missing text column has an empty dictionary; a value seen first in a later
        // batch still takes its place in first-seen order.
        let rows = BATCH_ROWS + 3;
        let table = Table {
            names: vec!["none".into(), "late".into()],
            columns: vec![
                Column::Text((0..rows).map(|_| None).collect()),
                Column::Text(
                    (0..rows)
                        .map(|r| {
                            Some(if r < BATCH_ROWS {
                                "b"
                            } else {
                                ["c", "a"][r % 2]
                            })
                        })
                        .collect(),
                ),
            ],
        };
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("t.arrow");
        write_copy(&table, &copy).unwrap();
        let back = read_copy(&copy).unwrap();
        assert_eq!(back, table);
        let Column::Text(late) = &back.columns[1] else {
            panic!("not text")
        };
        assert_eq!(late.values, ["b", "c", "a"]);
        let path = dir.path().join("t.parquet");
        write_parquet(&table, &path);
        assert_eq!(parquet(&path, &Limits::default()).unwrap(), table);
    }
}
