//! XLSX workbooks: the first sheet or a named one, the first row as the header.
//!
//! Nothing is allocated from what the file declares. Before calamine reads the workbook,
//! its zip central directory is checked: every part's declared decompressed size against
//! `analysis_max_decompressed_bytes` and its compression ratio (the zip reader never
//! decompresses a part past its declared size, so the declared sizes bound the real ones),
//! and the shared strings are counted, since calamine reserves room for as many as the
//! file claims. The sheet is then read cell by cell (never as a dense range over the
//! sheet's extent): only the cells with a value are kept, counted against the cell budget
//! as they come, and the table's width and cells are checked before its columns are built.

use std::borrow::Cow;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Cell, DataRef, DataType, Reader, Xlsx};
use quick_xml::events::Event;

use super::access::Capped;
use super::builder::ColumnBuilder;
use super::error::LoadError;
use super::header::column_names;
use super::limits::{Budget, Limits, grouped};
use super::table::Table;
use super::values::format_datetime;

/// A part that decompresses to more than this many times its stored size is refused as a
/// compression bomb; XLSX parts compress 5 to 20 times.
pub const MAX_COMPRESSION_RATIO: u64 = 100;
/// Parts smaller than this are not held to the ratio (small XML can compress very well).
const RATIO_FROM_BYTES: u64 = 1 << 20;
/// A workbook has a few dozen parts; more than this is not a workbook.
pub const MAX_PARTS: usize = 10_000;

/// A cell as the text the column builder reads.
fn cell_text<'c>(cell: &'c DataRef<'_>) -> Cow<'c, str> {
    match cell {
        DataRef::Empty | DataRef::Error(_) => Cow::Borrowed(""),
        DataRef::Int(i) => i.to_string().into(),
        DataRef::Float(f) => f.to_string().into(),
        DataRef::Bool(b) => b.to_string().into(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.into(),
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::DateTime(_) => cell
            .as_datetime()
            .map(|dt| format_datetime(dt.and_utc().timestamp_micros()))
            .unwrap_or_default()
            .into(),
    }
}

/// A column's letters: 0 is A, 16383 is XFD.
fn column_letters(mut col: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// "A1:XFD1048576".
fn range_name((top, left): (u32, u32), (bottom, right): (u32, u32)) -> String {
    format!(
        "{}{}:{}{}",
        column_letters(left),
        u64::from(top) + 1,
        column_letters(right),
        u64::from(bottom) + 1
    )
}

/// Checks the workbook's parts from its central directory, and counts its shared strings,
/// before calamine reads any of it.
fn check_parts(path: &Path, file: &Capped, limits: &Limits) -> Result<(), LoadError> {
    let shown = path.display();
    let unreadable =
        |e: &dyn std::fmt::Display| LoadError(format!("{shown}: cannot open the workbook: {e}"));
    let mut zip = zip::ZipArchive::new(BufReader::new(file.at(0))).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_PARTS {
        return Err(LoadError(
            Budget::new(MAX_PARTS as u64, "parts", None)
                .exceeded(zip.len() as u64, &format!("{shown}: the workbook has")),
        ));
    }
    let budget = limits.decompressed_bytes();
    let mut shared_strings = Vec::new();
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| unreadable(&e))?;
        let name = part.name().map_err(|e| unreadable(&e))?.into_owned();
        let (size, stored) = (part.size(), part.compressed_size());
        budget.check(size, || format!("{shown}: part {name} decompresses to"))?;
        if size > RATIO_FROM_BYTES && size / stored.max(1) > MAX_COMPRESSION_RATIO {
            return Err(LoadError(format!(
                "{shown}: part {name} decompresses to {} bytes from {} ({}:1), more than \
                 {MAX_COMPRESSION_RATIO}:1: a compression bomb, not a workbook (a fixed limit)",
                grouped(size),
                grouped(stored),
                grouped(size / stored.max(1))
            )));
        }
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            shared_strings.push(i);
        }
    }
    for i in shared_strings {
        let part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let name = part.name().map_err(|e| unreadable(&e))?.into_owned();
        let (declared, held) = count_shared_strings(part).map_err(|e| {
            LoadError(format!(
                "{shown}: cannot read the shared strings ({name}): {e}"
            ))
        })?;
        let strings = Budget::new(
            limits.max_cells,
            "shared strings",
            Some("analysis_max_cells"),
        );
        strings.check(held, || format!("{shown}: the workbook holds"))?;
        if let Some(declared) = declared.filter(|d| *d > held) {
            return Err(LoadError(format!(
                "{shown}: the shared strings ({name}) claim uniqueCount {} but hold {}",
                grouped(declared),
                grouped(held)
            )));
        }
    }
    Ok(())
}

/// The shared strings' declared `uniqueCount` (when the file states a number) and how
/// many `si` entries the part really holds, in one streaming pass.
fn count_shared_strings(part: impl Read) -> Result<(Option<u64>, u64), String> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let (mut declared, mut held, mut depth) = (None, 0u64, 0usize);
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) if depth == 0 && e.local_name().as_ref() == "sst" => {
                if let Some(count) = e
                    .try_get_attribute("uniqueCount")
                    .map_err(|e| e.to_string())?
                {
                    declared = count.value.trim().parse::<u64>().ok();
                }
                if opens {
                    depth += 1;
                }
            }
            Event::Start(e) => {
                if depth == 1 && e.local_name().as_ref() == "si" {
                    held += 1;
                }
                depth += 1;
            }
            Event::Empty(e) if depth == 1 && e.local_name().as_ref() == "si" => held += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => return Ok((declared, held)),
            _ => {}
        }
    }
}

pub fn load_xlsx(
    path: &Path,
    file: Capped,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, LoadError> {
    let shown = path.display();
    check_parts(path, &file, limits)?;
    let mut workbook = Xlsx::new(BufReader::new(file))
        .map_err(|e| LoadError(format!("{shown}: cannot open the workbook: {e}")))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                LoadError(format!(
                    "{shown}: no sheet {wanted:?}; the sheets are: {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| LoadError(format!("{shown} has no sheets")))?,
    };
    let sheet_error =
        |e: &dyn std::fmt::Display| LoadError(format!("{shown}: sheet {name:?}: {e}"));
    let mut reader = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| sheet_error(&e))?;
    // The cells with a value, as the sheet lists them; each is at least one cell of the table.
    let mut cells: Vec<Cell<DataRef<'_>>> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| sheet_error(&e))? {
        if cell.get_value().is_empty() {
            continue;
        }
        if cells.len() as u64 >= limits.max_cells {
            return Err(LoadError(limits.cells().exceeded(
                limits.max_cells + 1,
                &format!("{shown}: sheet {name:?} has at least"),
            )));
        }
        cells.push(cell);
    }
    drop(reader);
    table_of(path, &name, cells, limits)
}

/// The table of a sheet's cells: the first row with a value is the header, the columns
/// span the leftmost to the rightmost cell, rows without a value are skipped, and a cell
/// given twice keeps its last value (as calamine's ranges do).
fn table_of(
    path: &Path,
    sheet: &str,
    mut cells: Vec<Cell<DataRef<'_>>>,
    limits: &Limits,
) -> Result<Table, LoadError> {
    let shown = path.display();
    // Sheets list their cells in order; a stable sort keeps repeats in file order.
    if !cells.is_sorted_by_key(Cell::get_position) {
        cells.sort_by_key(Cell::get_position);
    }
    let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
        return Err(LoadError(format!("{shown}: sheet {sheet:?} is empty")));
    };
    let (top, bottom) = (first.get_position().0, last.get_position().0);
    let (left, right) = cells.iter().fold((u32::MAX, 0), |(l, r), c| {
        let col = c.get_position().1;
        (l.min(col), r.max(col))
    });
    let width = u64::from(right - left) + 1;
    let extent = range_name((top, left), (bottom, right));
    limits.columns().check(width, || {
        format!("{shown}: sheet {sheet:?} spans {extent}:")
    })?;
    let mut rows: Vec<&[Cell<DataRef<'_>>]> = cells
        .chunk_by(|a, b| a.get_position().0 == b.get_position().0)
        .collect();
    let data_rows = rows.len() as u64 - 1;
    limits.cells().check(width * data_rows, || {
        format!("{shown}: sheet {sheet:?} spans {extent} with {data_rows} rows below the header:")
    })?;
    let width = width as usize;
    // Each row's cells by column, a later repeat replacing an earlier one.
    let by_column = |row: &[Cell<DataRef<'_>>], out: &mut Vec<Option<usize>>| {
        out.iter_mut().for_each(|c| *c = None);
        for (i, cell) in row.iter().enumerate() {
            out[(cell.get_position().1 - left) as usize] = Some(i);
        }
    };
    let mut slots = vec![None; width];
    let header = rows.remove(0);
    by_column(header, &mut slots);
    let names = column_names(
        slots
            .iter()
            .map(|slot| {
                slot.map_or_else(String::new, |i| {
                    cell_text(header[i].get_value()).into_owned()
                })
            })
            .collect(),
    );
    if rows.is_empty() {
        return Err(LoadError(format!(
            "{shown}: sheet {sheet:?} has a header but no rows"
        )));
    }
    let mut builders: Vec<ColumnBuilder> = (0..width)
        .map(|_| ColumnBuilder::with_expected_rows(rows.len()))
        .collect();
    for row in rows {
        by_column(row, &mut slots);
        for (builder, slot) in builders.iter_mut().zip(&slots) {
            match slot {
                Some(i) => builder.push(&cell_text(row[*i].get_value())),
                None => builder.push(""),
            }
        }
    }
    Ok(Table {
        names,
        columns: builders.into_iter().map(ColumnBuilder::finish).collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::domain::analysis::table::Column;

    fn load(path: &Path, sheet: Option<&str>, limits: &Limits) -> Result<Table, LoadError> {
        load_xlsx(path, Capped::open(path).unwrap(), sheet, limits)
    }

    /// A workbook of one sheet that `write` fills, saved in a new folder.
    fn one_sheet(
        write: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        write(book.add_worksheet());
        book.save(&path).unwrap();
        (dir, path)
    }

    #[test]
    fn first_and_named_sheets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let first = book.add_worksheet().set_name("first").unwrap();
        first.write(0, 0, "n").unwrap();
        first.write(0, 1, "label").unwrap();
        first.write(1, 0, 1).unwrap();
        first.write(1, 1, "a").unwrap();
        first.write(2, 0, 2.5).unwrap();
        let second = book.add_worksheet().set_name("other").unwrap();
        second.write(0, 0, "flag").unwrap();
        second.write(1, 0, true).unwrap();
        book.save(&path).unwrap();

        let limits = Limits::default();
        let t = load(&path, None, &limits).unwrap();
        assert_eq!(t.names, ["n", "label"]);
        assert_eq!(t.columns[0], Column::Float(vec![1.0, 2.5]));
        assert_eq!(
            t.columns[1],
            Column::Text([Some("a"), None].into_iter().collect())
        );
        let t = load(&path, Some("other"), &limits).unwrap();
        assert_eq!(t.columns[0], Column::Boolean(vec![Some(true)]));
        let err = load(&path, Some("missing"), &limits).unwrap_err().0;
        assert!(
            err.contains("no sheet \"missing\"") && err.contains("first, other"),
            "{err}"
        );
    }

    #[test]
    fn the_table_spans_the_cells_with_values() {
        // A header from C3, a gap row, and a row reaching further left.
        let (_dir, path) = one_sheet(|sheet| {
            sheet.write(2, 2, "x").unwrap();
            sheet.write(2, 4, "z").unwrap();
            sheet.write(3, 2, 1).unwrap();
            sheet.write(6, 1, "left").unwrap();
            sheet.write(6, 4, 4).unwrap();
        });
        let t = load(&path, None, &Limits::default()).unwrap();
        assert_eq!(t.names, ["Unnamed: 0", "x", "Unnamed: 2", "z"]);
        assert_eq!(t.rows(), 2);
        assert_eq!(
            t.columns[0],
            Column::Text([None, Some("left")].into_iter().collect())
        );
        assert_eq!(t.columns[1], Column::Integer(vec![Some(1), None]));
        assert_eq!(t.columns[3], Column::Integer(vec![None, Some(4)]));
    }

    #[test]
    fn far_apart_cells_are_refused_by_the_sheets_width_before_any_table() {
        let (_dir, path) = one_sheet(|sheet| {
            sheet.write(0, 0, "a").unwrap();
            sheet.write(1_048_575, 16_383, "b").unwrap();
        });
        let err = load(&path, None, &Limits::default()).unwrap_err().0;
        assert!(
            err.contains(
                "spans A1:XFD1048576: 16,384 columns, over the limit of 10,000 columns; \
                 the setting analysis_max_columns (TEMPORAL_ANALYSIS_MAX_COLUMNS) raises it"
            ),
            "{err}"
        );
        // Within the column limit, the table is as wide as the cells and as long as the rows
        // that have values: two rows, not a million.
        let wide = Limits {
            max_columns: 16_384,
            ..Limits::default()
        };
        let t = load(&path, None, &wide).unwrap();
        assert_eq!((t.columns.len(), t.rows()), (16_384, 1));
        let small = Limits {
            max_columns: 16_384,
            max_cells: 1000,
            ..Limits::default()
        };
        let err = load(&path, None, &small).unwrap_err().0;
        assert!(
            err.contains("16,384 cells, over the limit of 1,000 cells"),
            "{err}"
        );
    }

    /// A zip of `parts` (name, bytes), deflated.
    fn zip_of(path: &Path, parts: &[(&str, &[u8])]) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, bytes) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn parts_are_checked_before_calamine_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.xlsx");
        // 16 MiB of one byte: a ratio far over 100.
        let bomb = vec![b'a'; 16 << 20];
        zip_of(&path, &[("xl/sharedStrings.xml", &bomb)]);
        let err = load(&path, None, &Limits::default()).unwrap_err().0;
        assert!(err.contains("a compression bomb"), "{err}");
        let small = Limits {
            max_decompressed_bytes: 1 << 20,
            ..Limits::default()
        };
        let err = load(&path, None, &small).unwrap_err().0;
        assert!(
            err.contains(
                "part xl/sharedStrings.xml decompresses to 16,777,216 bytes, over the limit \
                 of 1,048,576 bytes; the setting analysis_max_decompressed_bytes"
            ),
            "{err}"
        );
        // Shared strings that claim more entries than they hold (calamine would reserve
        // room for all of them).
        let lying = br#"<?xml version="1.0"?><sst xmlns="x" count="2" uniqueCount="1099511627776"><si><t>a</t></si><si/></sst>"#;
        zip_of(&path, &[("xl/sharedStrings.xml", lying)]);
        let err = load(&path, None, &Limits::default()).unwrap_err().0;
        assert!(
            err.contains("claim uniqueCount 1,099,511,627,776 but hold 2"),
            "{err}"
        );
        let tiny = Limits {
            max_cells: 1,
            ..Limits::default()
        };
        let err = load(&path, None, &tiny).unwrap_err().0;
        assert!(
            err.contains("holds 2 shared strings, over the limit of 1 shared strings"),
            "{err}"
        );
        assert_eq!(
            count_shared_strings(&br#"<x:sst uniqueCount="3"><x:si><x:t>a</x:t></x:si><x:si><x:r><x:t>b</x:t></x:r></x:si></x:sst>"#[..]),
            Ok((Some(3), 2))
        );
    }

    #[test]
    fn the_zip_reader_stops_at_a_parts_declared_size() {
        // The guarantee the part checks rely on: a central directory that understates a
        // part's size does not let it decompress further.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("understated.zip");
        let body = vec![b'a'; 10_000];
        zip_of(&path, &[("xl/worksheets/sheet1.xml", &body)]);
        let mut bytes = std::fs::read(&path).unwrap();
        // Rewrite the uncompressed size (10,000) in the local and central headers to 100.
        let size = 10_000u32.to_le_bytes();
        let mut patched = 0;
        for i in 0..bytes.len() - 4 {
            if bytes[i..i + 4] == size {
                bytes[i..i + 4].copy_from_slice(&100u32.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
        std::fs::write(&path, &bytes).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut part = zip.by_index(0).unwrap();
        assert_eq!(part.size(), 100);
        let mut out = Vec::new();
        assert!(part.read_to_end(&mut out).is_err());
        assert!(out.len() <= 101, "read {} bytes", out.len());
    }

    #[test]
    fn column_letters_as_excel_writes_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(range_name((0, 0), (1_048_575, 16_383)), "A1:XFD1048576");
    }
}
