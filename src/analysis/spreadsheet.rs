//! XLSX workbooks: the first sheet or a named one, the first row as the header.

use std::path::Path;

use calamine::{Data, DataType, Reader, open_workbook_auto};

use super::builder::ColumnBuilder;
use super::load::{LoadError, column_names};
use super::table::Table;
use super::values::format_datetime;

/// A cell as the text the column builder reads.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(_) => cell
            .as_datetime()
            .map(|dt| format_datetime(dt.and_utc().timestamp_micros()))
            .unwrap_or_default(),
    }
}

pub fn load_xlsx(path: &Path, sheet: Option<&str>) -> Result<Table, LoadError> {
    let mut workbook = open_workbook_auto(path)
        .map_err(|e| LoadError(format!("{}: cannot open the workbook: {e}", path.display())))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                LoadError(format!(
                    "{}: no sheet {wanted:?}; the sheets are: {}",
                    path.display(),
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| LoadError(format!("{} has no sheets", path.display())))?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| LoadError(format!("{}: sheet {name:?}: {e}", path.display())))?;
    let mut rows = range.rows();
    let header = rows
        .next()
        .ok_or_else(|| LoadError(format!("{}: sheet {name:?} is empty", path.display())))?;
    let columns = column_names(header.iter().map(cell_text).collect());
    let mut builders: Vec<ColumnBuilder> = (0..columns.len())
        .map(|_| ColumnBuilder::default())
        .collect();
    let mut count = 0;
    for row in rows {
        if row.iter().all(|c| c.is_empty()) {
            continue;
        }
        count += 1;
        for (builder, cell) in builders
            .iter_mut()
            .zip(row.iter().chain(std::iter::repeat(&Data::Empty)))
        {
            builder.push(&cell_text(cell));
        }
    }
    if count == 0 {
        return Err(LoadError(format!(
            "{}: sheet {name:?} has a header but no rows",
            path.display()
        )));
    }
    Ok(Table {
        names: columns,
        columns: builders.into_iter().map(ColumnBuilder::finish).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::table::Column;

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

        let t = load_xlsx(&path, None).unwrap();
        assert_eq!(t.names, ["n", "label"]);
        assert_eq!(t.columns[0], Column::Float(vec![1.0, 2.5]));
        assert_eq!(
            t.columns[1],
            Column::Text([Some("a"), None].into_iter().collect())
        );
        let t = load_xlsx(&path, Some("other")).unwrap();
        assert_eq!(t.columns[0], Column::Boolean(vec![Some(true)]));
        let err = load_xlsx(&path, Some("missing")).unwrap_err().0;
        assert!(
            err.contains("no sheet \"missing\"") && err.contains("first, other"),
            "{err}"
        );
    }
}
