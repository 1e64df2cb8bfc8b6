//! Parquet: reading input files, and writing the columnar copy that load_data leaves
//! under the data dir so the later steps read typed columns instead of the original file.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::load::LoadError;
use super::table::{Column, Table};

fn arrow_column(column: &Column) -> (DataType, ArrayRef) {
    match column {
        Column::Integer(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
        Column::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
        Column::Boolean(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v.clone()))),
        Column::DateTime(v) => {
            let array = TimestampMicrosecondArray::from(v.clone()).with_timezone("UTC");
            (array.data_type().clone(), Arc::new(array))
        }
        Column::Text(v) => (DataType::Utf8, Arc::new(StringArray::from(v.clone()))),
    }
}

/// Writes the table as Parquet (snappy), through a temporary file renamed into place.
pub fn write_parquet(table: &Table, path: &Path) -> Result<(), String> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = table
        .names
        .iter()
        .zip(&table.columns)
        .map(|(name, column)| {
            let (kind, array) = arrow_column(column);
            (Field::new(name, kind, true), array)
        })
        .unzip();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let temp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| -> Result<(), String> {
        let file = File::create(&temp).map_err(|e| e.to_string())?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer =
            ArrowWriter::try_new(file, schema, Some(properties)).map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        writer.close().map_err(|e| e.to_string())?;
        File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| e.to_string())?;
        std::fs::rename(&temp, path).map_err(|e| e.to_string())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))
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
        DataType::UInt64 => primitive!(array, UInt64Type, Float, |v: u64| v as f64),
        DataType::Float32 => primitive!(array, Float32Type, Float, f64::from),
        DataType::Float64 => primitive!(array, Float64Type, Float, |v: f64| v),
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
                    .map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned()))
                    .collect(),
            )
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            Column::Text(
                (0..a.len())
                    .map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned()))
                    .collect(),
            )
        }
        other => {
            return Err(LoadError(format!(
                "column {name:?} has Parquet type {other}, which analysis does not read"
            )));
        }
    })
}

fn append(into: &mut Column, more: Column) {
    match (into, more) {
        (Column::Integer(a), Column::Integer(b)) | (Column::DateTime(a), Column::DateTime(b)) => {
            a.extend(b)
        }
        (Column::Float(a), Column::Float(b)) => a.extend(b),
        (Column::Boolean(a), Column::Boolean(b)) => a.extend(b),
        (Column::Text(a), Column::Text(b)) => a.extend(b),
        _ => {}
    }
}

pub fn read_parquet(path: &Path) -> Result<Table, LoadError> {
    let fail = |e: &dyn std::fmt::Display| {
        LoadError(format!(
            "{}: not a readable Parquet file: {e}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(|e| fail(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut columns: Vec<Option<Column>> = vec![None; names.len()];
    for batch in builder.build().map_err(|e| fail(&e))? {
        let batch = batch.map_err(|e| fail(&e))?;
        for (i, array) in batch.columns().iter().enumerate() {
            let part = table_column(&names[i], array.as_ref())?;
            match &mut columns[i] {
                Some(column) => append(column, part),
                slot => *slot = Some(part),
            }
        }
    }
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|c| c.unwrap_or(Column::Text(Vec::new())))
        .collect();
    let table = Table { names, columns };
    if table.rows() == 0 {
        return Err(LoadError(format!("{} has no rows", path.display())));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let table = Table {
            names: vec!["i".into(), "f".into(), "b".into(), "d".into(), "t".into()],
            columns: vec![
                Column::Integer(vec![Some(1), None]),
                Column::Float(vec![Some(1.5), Some(-2.0)]),
                Column::Boolean(vec![None, Some(true)]),
                Column::DateTime(vec![Some(86_400_000_000), None]),
                Column::Text(vec![Some("x".into()), None]),
            ],
        };
        write_parquet(&table, &path).unwrap();
        assert_eq!(read_parquet(&path).unwrap(), table);
        std::fs::write(&path, b"not parquet").unwrap();
        assert!(
            read_parquet(&path)
                .unwrap_err()
                .0
                .contains("not a readable Parquet file")
        );
    }
}
