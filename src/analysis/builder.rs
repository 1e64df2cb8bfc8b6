//! Building a column cell by cell while inferring its type: integer, float, boolean,
//! datetime or text. A column widens when a cell does not fit (integer to float, anything to
//! text), converting what it holds; all-missing columns are text.

use super::table::Column;
use super::values::{
    format_datetime, is_missing, parse_boolean, parse_datetime, parse_float, parse_integer,
};

#[derive(Debug, Default)]
pub struct ColumnBuilder {
    column: Option<Column>,
    /// Missing cells before the first value, which decides the type.
    leading_missing: usize,
}

fn push_none(column: &mut Column) {
    match column {
        Column::Integer(v) | Column::DateTime(v) => v.push(None),
        Column::Float(v) => v.push(None),
        Column::Boolean(v) => v.push(None),
        Column::Text(v) => v.push(None),
    }
}

fn as_text(column: &Column) -> Vec<Option<String>> {
    match column {
        Column::Integer(v) => v.iter().map(|x| x.map(|i| i.to_string())).collect(),
        Column::Float(v) => v.iter().map(|x| x.map(|f| f.to_string())).collect(),
        Column::Boolean(v) => v
            .iter()
            .map(|x| x.map(|b| if b { "True".into() } else { "False".into() }))
            .collect(),
        Column::DateTime(v) => v.iter().map(|x| x.map(format_datetime)).collect(),
        Column::Text(v) => v.clone(),
    }
}

impl ColumnBuilder {
    pub fn push(&mut self, cell: &str) {
        if is_missing(cell) {
            match &mut self.column {
                Some(column) => push_none(column),
                None => self.leading_missing += 1,
            }
            return;
        }
        let Some(column) = &mut self.column else {
            self.column = Some(self.first(cell));
            return;
        };
        let fits = match column {
            Column::Integer(v) => parse_integer(cell).map(|i| v.push(Some(i))).is_some(),
            Column::Float(v) => parse_float(cell).map(|f| v.push(Some(f))).is_some(),
            Column::Boolean(v) => parse_boolean(cell).map(|b| v.push(Some(b))).is_some(),
            Column::DateTime(v) => parse_datetime(cell).map(|d| v.push(Some(d))).is_some(),
            Column::Text(v) => {
                v.push(Some(cell.to_owned()));
                true
            }
        };
        if !fits {
            self.widen(cell);
        }
    }

    fn first(&self, cell: &str) -> Column {
        let pad = self.leading_missing;
        if let Some(b) = parse_boolean(cell) {
            let mut v = vec![None; pad];
            v.push(Some(b));
            return Column::Boolean(v);
        }
        if let Some(i) = parse_integer(cell) {
            let mut v = vec![None; pad];
            v.push(Some(i));
            return Column::Integer(v);
        }
        if let Some(f) = parse_float(cell) {
            let mut v = vec![None; pad];
            v.push(Some(f));
            return Column::Float(v);
        }
        if let Some(d) = parse_datetime(cell) {
            let mut v = vec![None; pad];
            v.push(Some(d));
            return Column::DateTime(v);
        }
        let mut v = vec![None; pad];
        v.push(Some(cell.to_owned()));
        Column::Text(v)
    }

    /// `cell` did not fit: an integer column takes a float as float, else the column
    /// becomes text.
    fn widen(&mut self, cell: &str) {
        let Some(column) = self.column.take() else {
            return;
        };
        self.column = Some(match (&column, parse_float(cell)) {
            (Column::Integer(v), Some(f)) => {
                let mut floats: Vec<Option<f64>> = v.iter().map(|x| x.map(|i| i as f64)).collect();
                floats.push(Some(f));
                Column::Float(floats)
            }
            _ => {
                let mut text = as_text(&column);
                text.push(Some(cell.to_owned()));
                Column::Text(text)
            }
        });
    }

    pub fn finish(self) -> Column {
        self.column
            .unwrap_or_else(|| Column::Text(vec![None; self.leading_missing]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(cells: &[&str]) -> Column {
        let mut b = ColumnBuilder::default();
        cells.iter().for_each(|c| b.push(c));
        b.finish()
    }

    #[test]
    fn inference_and_widening() {
        assert_eq!(
            build(&["", "1", "2"]),
            Column::Integer(vec![None, Some(1), Some(2)])
        );
        assert_eq!(
            build(&["1", "2.5", "NA"]),
            Column::Float(vec![Some(1.0), Some(2.5), None])
        );
        assert_eq!(
            build(&["true", "False"]),
            Column::Boolean(vec![Some(true), Some(false)])
        );
        assert_eq!(
            build(&["1", "x"]),
            Column::Text(vec![Some("1".into()), Some("x".into())])
        );
        assert_eq!(
            build(&["2024-01-01", "soon"]).kind(),
            super::super::table::ColumnType::Text
        );
        assert_eq!(build(&["", ""]), Column::Text(vec![None, None]));
        assert!(matches!(
            build(&["2024-01-01", "2024-02-01 10:00:00"]),
            Column::DateTime(_)
        ));
    }
}
