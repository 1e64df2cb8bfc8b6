//! Property tests: structurally valid XLSX and Parquet files, written by their real writers
//! (rust_xlsxwriter, the parquet crate's ArrowWriter), with odd dimensions: cells at the
//! sheet's far corners, a lone header, no rows, no columns, one-row groups, all-null
//! columns, budgets of a handful of cells. Each file loads into exactly the table a model of
//! the loader's rules predicts, or is refused with a message when the model says a budget
//! or an empty table refuses it. None may panic. Cases per property: `PROPTEST_CASES`
//! (default 64 here: each case writes a file).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchOptions, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use project_ai_temporal::domain::analysis::access::Capped;
use project_ai_temporal::domain::analysis::columnar::read_parquet;
use project_ai_temporal::domain::analysis::limits::Limits;
use project_ai_temporal::domain::analysis::spreadsheet::load_xlsx;
use proptest::prelude::*;

const LAST_ROW: u32 = 1_048_575;
const LAST_COLUMN: u16 = 16_383;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

#[derive(Debug, Clone)]
enum Value {
    Number(f64),
    Text(String),
    Flag(bool),
}

/// Rows and columns near the sheet's edges as often as in its middle.
fn row() -> impl Strategy<Value = u32> {
    prop_oneof![0..4u32, (LAST_ROW - 3)..=LAST_ROW, 0..=LAST_ROW]
}

fn column() -> impl Strategy<Value = u16> {
    prop_oneof![0..4u16, (LAST_COLUMN - 3)..=LAST_COLUMN, 0..=LAST_COLUMN]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-1e12..1e12f64).prop_map(Value::Number),
        "[a-z0-9 ]{1,12}".prop_map(|t| Value::Text(format!("t{t}"))),
        any::<bool>().prop_map(Value::Flag),
    ]
}

/// The default budgets, or small ones that the odd shapes cross.
fn limits() -> impl Strategy<Value = Limits> {
    (
        prop_oneof![Just(None), (1..40u64).prop_map(Some)],
        prop_oneof![Just(None), (1..6u64).prop_map(Some)],
    )
        .prop_map(|(cells, columns)| {
            let mut limits = Limits::default();
            if let Some(cells) = cells {
                limits.max_cells = cells;
            }
            if let Some(columns) = columns {
                limits.max_columns = columns;
            }
            limits
        })
}

/// The loader's rules for a sheet (spreadsheet.rs, `table_of`): the top row with a value is
/// the header, columns span the leftmost to the rightmost cell, rows without a value do not
/// count. The table's (rows, columns), or None where a budget or emptiness refuses it.
fn expected_sheet(cells: &BTreeMap<(u32, u16), Value>, limits: &Limits) -> Option<(u64, u64)> {
    let strings: BTreeSet<&str> = cells
        .values()
        .filter_map(|v| match v {
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let rows: BTreeSet<u32> = cells.keys().map(|(r, _)| *r).collect();
    let left = cells.keys().map(|(_, c)| *c).min()?;
    let right = cells.keys().map(|(_, c)| *c).max()?;
    let width = u64::from(right - left) + 1;
    let data_rows = rows.len() as u64 - 1;
    let within = strings.len() as u64 <= limits.max_cells
        && cells.len() as u64 <= limits.max_cells
        && width <= limits.max_columns
        && width * data_rows <= limits.max_cells;
    (within && data_rows > 0).then_some((data_rows, width))
}

fn write_sheet(path: &Path, cells: &BTreeMap<(u32, u16), Value>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (&(row, column), value) in cells {
        match value {
            Value::Number(n) => sheet.write_number(row, column, *n),
            Value::Text(t) => sheet.write_string(row, column, t),
            Value::Flag(b) => sheet.write_boolean(row, column, *b),
        }
        .unwrap();
    }
    book.save(path).unwrap();
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Float,
    Text,
    Flag,
}

fn array(kind: Kind, rows: usize, nulls: bool) -> ArrayRef {
    let present = |i: usize| !nulls || i % 3 == 1;
    match kind {
        Kind::Integer => Arc::new(Int64Array::from_iter(
            (0..rows).map(|i| present(i).then_some(i as i64 - 7)),
        )),
        Kind::Float => Arc::new(Float64Array::from_iter(
            (0..rows).map(|i| present(i).then_some(i as f64 * 0.5)),
        )),
        Kind::Text => Arc::new(StringArray::from_iter(
            (0..rows).map(|i| present(i).then(|| format!("s{i}"))),
        )),
        Kind::Flag => Arc::new(BooleanArray::from_iter(
            (0..rows).map(|i| present(i).then_some(i % 2 == 0)),
        )),
    }
}

/// A Parquet file of `columns` (kind, all but every third value null) and `rows` rows in
/// groups of `group` rows; false when the writer itself refuses the shape.
fn write_parquet(path: &Path, columns: &[(Kind, bool)], rows: usize, group: usize) -> bool {
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, (kind, _))| {
            let data_type = match kind {
                Kind::Integer => DataType::Int64,
                Kind::Float => DataType::Float64,
                Kind::Text => DataType::Utf8,
                Kind::Flag => DataType::Boolean,
            };
            // Odd names too: empty, repeated, not ASCII.
            let name = ["", "x", "x", "é 名", "a b"][i % 5];
            Field::new(name, data_type, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = columns
        .iter()
        .map(|(kind, nulls)| array(*kind, rows, *nulls))
        .collect();
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    let Ok(batch) = RecordBatch::try_new_with_options(schema.clone(), arrays, &options) else {
        return false;
    };
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let Ok(mut writer) =
        ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(properties))
    else {
        return false;
    };
    writer.write(&batch).is_ok() && writer.close().is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn odd_sheets_load_as_the_rules_say(
        cells in prop_oneof![
            proptest::collection::btree_map((0..6u32, 0..5u16), value(), 0..12),
            proptest::collection::btree_map((row(), column()), value(), 0..6),
        ],
        limits in limits(),
    ) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("odd.xlsx");
        write_sheet(&path, &cells);
        let loaded = load_xlsx(&path, Capped::open(&path).unwrap(), None, &limits);
        match (expected_sheet(&cells, &limits), loaded) {
            (Some((rows, width)), Ok(table)) => {
                prop_assert_eq!(table.rows() as u64, rows);
                prop_assert_eq!(table.columns.len() as u64, width);
                prop_assert_eq!(table.names.len() as u64, width);
            }
            (None, Err(e)) => prop_assert!(!e.0.is_empty()),
            (expected, got) => prop_assert!(
                false,
                "expected {:?}, got {:?}",
                expected,
                got.map(|t| (t.rows(), t.columns.len()))
            ),
        }
    }

    #[test]
    fn odd_parquet_files_load_as_the_rules_say(
        columns in proptest::collection::vec(
            (prop_oneof![Just(Kind::Integer), Just(Kind::Float), Just(Kind::Text), Just(Kind::Flag)], any::<bool>()),
            0..7,
        ),
        rows in prop_oneof![0..3usize, 0..60usize],
        group in prop_oneof![Just(1usize), 1..20usize],
        limits in limits(),
    ) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("odd.parquet");
        prop_assume!(write_parquet(&path, &columns, rows, group));
        let width = columns.len() as u64;
        let expected = width >= 1
            && rows >= 1
            && width <= limits.max_columns
            && rows as u64 * width <= limits.max_cells;
        match read_parquet(&path, Capped::open(&path).unwrap(), &limits) {
            Ok(table) => {
                prop_assert!(expected, "loaded {} x {} against {:?}", rows, width, limits);
                prop_assert_eq!(table.rows(), rows);
                prop_assert_eq!(table.columns.len() as u64, width);
            }
            Err(e) => {
                prop_assert!(!expected, "refused {} x {}: {}", rows, width, e.0);
                prop_assert!(!e.0.is_empty());
            }
        }
    }
}
