//! Building a column cell by cell while inferring its type: integer, float, boolean,
//! datetime or text. A column widens when a cell does not fit (integer to float, anything to
//! text), converting what it holds; all-missing columns are text.

use super::table::{Column, Text};
use super::values::{
    format_datetime, is_missing, parse_boolean, parse_datetime, parse_finite_float, parse_float,
    parse_integer,
};

#[derive(Debug, Default)]
pub struct ColumnBuilder {
    column: Option<Column>,
    /// Missing cells before the first value, which decides the type.
    leading_missing: usize,
    /// Rows expected in all, reserved once the type is known, so a large column is
    /// allocated once instead of doubling its way up (and holding up to twice its size).
    expected: usize,
}

fn push_missing(column: &mut Column) {
    match column {
        Column::Integer(v) | Column::DateTime(v) => v.push(None),
        Column::Float(v) => v.push(f64::NAN),
        Column::Boolean(v) => v.push(None),
        Column::Text(v) => v.push(None),
    }
}

fn empty_like(column: &Column) -> Column {
    match column {
        Column::Integer(_) => Column::Integer(Vec::new()),
        Column::Float(_) => Column::Float(Vec::new()),
        Column::Boolean(_) => Column::Boolean(Vec::new()),
        Column::DateTime(_) => Column::DateTime(Vec::new()),
        Column::Text(_) => Column::Text(Text::default()),
    }
}

fn as_text(column: &Column) -> Text {
    let owned: Vec<Option<String>> = match column {
        Column::Integer(v) => v.iter().map(|x| x.map(|i| i.to_string())).collect(),
        Column::Float(v) => v
            .iter()
            .map(|f| (!f.is_nan()).then(|| f.to_string()))
            .collect(),
        Column::Boolean(v) => v
            .iter()
            .map(|x| x.map(|b| if b { "True".into() } else { "False".into() }))
            .collect(),
        Column::DateTime(v) => v.iter().map(|x| x.map(format_datetime)).collect(),
        Column::Text(v) => return v.clone(),
    };
    owned.iter().map(Option::as_deref).collect()
}

/// A builder that holds a finished column, to append to or be appended.
impl From<Column> for ColumnBuilder {
    fn from(column: Column) -> Self {
        ColumnBuilder {
            column: Some(column),
            leading_missing: 0,
            expected: 0,
        }
    }
}

impl ColumnBuilder {
    /// A builder for a column of about `rows` rows.
    pub fn with_expected_rows(rows: usize) -> Self {
        ColumnBuilder {
            expected: rows,
            ..ColumnBuilder::default()
        }
    }

    /// A builder whose first `rows` cells are missing (a column first seen in a later row),
    /// as if `push("")` had been called `rows` times.
    pub fn missing(rows: usize) -> Self {
        ColumnBuilder {
            leading_missing: rows,
            ..ColumnBuilder::default()
        }
    }

    fn reserve_expected(&mut self) {
        let Some(column) = &mut self.column else {
            return;
        };
        let more = self.expected.saturating_sub(column.len());
        match column {
            Column::Integer(v) | Column::DateTime(v) => v.reserve_exact(more),
            Column::Float(v) => v.reserve_exact(more),
            Column::Boolean(v) => v.reserve_exact(more),
            Column::Text(v) => v.codes.reserve_exact(more),
        }
    }

    /// Pushes a cell given as bytes, when that is quick: a float column and a plain finite
    /// number (see `parse_finite_float`). False says the cell needs `push`.
    #[inline]
    pub fn push_float(&mut self, cell: &[u8]) -> bool {
        match (&mut self.column, parse_finite_float(cell)) {
            (Some(Column::Float(v)), Some(f)) => {
                v.push(f);
                true
            }
            _ => false,
        }
    }

    pub fn push(&mut self, cell: &str) {
        if is_missing(cell) {
            match &mut self.column {
                Some(column) => push_missing(column),
                None => self.leading_missing += 1,
            }
            return;
        }
        if self.column.is_none() {
            self.column = Some(self.first(cell));
            self.reserve_expected();
        }
        let Some(column) = &mut self.column else {
            return;
        };
        let fits = match column {
            Column::Integer(v) => parse_integer(cell).map(|i| v.push(Some(i))).is_some(),
            Column::Float(v) => parse_float(cell).map(|f| v.push(f)).is_some(),
            Column::Boolean(v) => parse_boolean(cell).map(|b| v.push(Some(b))).is_some(),
            Column::DateTime(v) => parse_datetime(cell).map(|d| v.push(Some(d))).is_some(),
            Column::Text(v) => {
                v.push(Some(cell));
                true
            }
        };
        if !fits {
            self.widen(cell);
        }
    }

    /// The narrowest type the first value fits, padded with the missing cells before it.
    fn first(&self, cell: &str) -> Column {
        let mut column = if parse_boolean(cell).is_some() {
            Column::Boolean(Vec::new())
        } else if parse_integer(cell).is_some() {
            Column::Integer(Vec::new())
        } else if parse_float(cell).is_some() {
            Column::Float(Vec::new())
        } else if parse_datetime(cell).is_some() {
            Column::DateTime(Vec::new())
        } else {
            Column::Text(Text::default())
        };
        (0..self.leading_missing).for_each(|_| push_missing(&mut column));
        column
    }

    /// `cell` did not fit: an integer column takes a float as float, else the column
    /// becomes text.
    fn widen(&mut self, cell: &str) {
        let Some(column) = self.column.take() else {
            return;
        };
        self.column = Some(match (&column, parse_float(cell)) {
            (Column::Integer(v), Some(_)) => {
                Column::Float(v.iter().map(|x| x.map_or(f64::NAN, |i| i as f64)).collect())
            }
            _ => Column::Text(as_text(&column)),
        });
        self.reserve_expected();
        // Fits now: a float column takes the float, a text column anything.
        self.push(cell);
    }

    /// Appends the cells `later` read after this builder's (one chunk of a file parsed on
    /// another thread): the column takes the wider of the two types, as if one builder had
    /// read every cell in order.
    pub fn append(&mut self, later: ColumnBuilder) {
        let Some(more) = later.column else {
            (0..later.leading_missing).for_each(|_| self.push(""));
            return;
        };
        let Some(mut column) = self.column.take() else {
            let mut padded = ColumnBuilder {
                column: Some(empty_like(&more)),
                leading_missing: 0,
                expected: self.expected,
            };
            padded.reserve_expected();
            (0..self.leading_missing).for_each(|_| padded.push(""));
            padded.extend_with(more);
            *self = padded;
            return;
        };
        let merged = match (&mut column, more) {
            (Column::Integer(a), Column::Integer(b))
            | (Column::DateTime(a), Column::DateTime(b)) => {
                a.extend(b);
                column
            }
            (Column::Float(a), Column::Float(b)) => {
                a.extend(b);
                column
            }
            (Column::Boolean(a), Column::Boolean(b)) => {
                a.extend(b);
                column
            }
            (Column::Text(a), Column::Text(b)) => {
                a.extend_coded(b.codes.iter().copied(), b.values.len(), |c| &b.values[c]);
                column
            }
            (Column::Integer(a), Column::Float(b)) => Column::Float(
                a.iter()
                    .map(|x| x.map_or(f64::NAN, |i| i as f64))
                    .chain(b)
                    .collect(),
            ),
            (Column::Float(a), Column::Integer(b)) => {
                a.extend(b.iter().map(|x| x.map_or(f64::NAN, |i| i as f64)));
                column
            }
            (_, more) => {
                let mut text = as_text(&column);
                as_text(&more).iter().for_each(|v| text.push(v));
                Column::Text(text)
            }
        };
        self.column = Some(merged);
    }

    /// `append` of a float column of `values`, without making that column when this one
    /// holds floats already.
    pub fn append_floats(&mut self, values: &[f64]) {
        match &mut self.column {
            Some(Column::Float(v)) => v.extend_from_slice(values),
            _ => self.append(ColumnBuilder::from(Column::Float(values.to_vec()))),
        }
    }

    fn extend_with(&mut self, more: Column) {
        self.append(ColumnBuilder::from(more));
    }

    /// The column, holding no more memory than its rows need.
    pub fn finish(self) -> Column {
        let mut column = match self.column {
            Some(Column::Text(text)) => Column::Text(text.sealed()),
            Some(column) => column,
            None => Column::Text((0..self.leading_missing).map(|_| None).collect()),
        };
        match &mut column {
            Column::Integer(v) | Column::DateTime(v) => v.shrink_to_fit(),
            Column::Float(v) => v.shrink_to_fit(),
            Column::Boolean(v) => v.shrink_to_fit(),
            Column::Text(v) => v.codes.shrink_to_fit(),
        }
        column
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analysis::table::ColumnType;

    fn build(cells: &[&str]) -> Column {
        let mut b = ColumnBuilder::default();
        cells.iter().for_each(|c| b.push(c));
        b.finish()
    }

    fn text(cells: &[Option<&str>]) -> Column {
        Column::Text(cells.iter().copied().collect())
    }

    #[test]
    fn inference_and_widening() {
        assert_eq!(
            build(&["", "1", "2"]),
            Column::Integer(vec![None, Some(1), Some(2)])
        );
        let Column::Float(v) = build(&["1", "2.5", "NA"]) else {
            panic!("not float")
        };
        assert_eq!(v[..2], [1.0, 2.5]);
        assert!(v[2].is_nan());
        assert_eq!(
            build(&["true", "False"]),
            Column::Boolean(vec![Some(true), Some(false)])
        );
        assert_eq!(build(&["1", "x"]), text(&[Some("1"), Some("x")]));
        assert_eq!(
            build(&["2.5", "", "x"]),
            text(&[Some("2.5"), None, Some("x")])
        );
        assert_eq!(build(&["2024-01-01", "soon"]).kind(), ColumnType::Text);
        assert_eq!(build(&["", ""]), text(&[None, None]));
        assert!(matches!(
            build(&["2024-01-01", "2024-02-01 10:00:00"]),
            Column::DateTime(_)
        ));
    }

    #[test]
    fn appending_floats_is_appending_a_float_column() {
        let floats = [1.5, f64::NAN, -2.0];
        let starts: [&[&str]; 4] = [&[], &["", ""], &["1", "2"], &["0.5", "x"]];
        for cells in starts {
            let start = || {
                let mut b = ColumnBuilder::with_expected_rows(4);
                cells.iter().for_each(|c| b.push(c));
                b
            };
            let (mut quick, mut plain) = (start(), start());
            quick.append_floats(&floats);
            plain.append(ColumnBuilder::from(Column::Float(floats.to_vec())));
            let (quick, plain) = (quick.finish(), plain.finish());
            assert_eq!(quick.kind(), plain.kind(), "{cells:?}");
            assert_eq!(format!("{quick:?}"), format!("{plain:?}"), "{cells:?}");
        }
    }

    #[test]
    fn appending_chunks_reads_like_one_pass() {
        let cases: &[&[&str]] = &[
            &["1", "2", "", "3"],
            &["1", "", "2.5", "4"],
            &["", "", "", "x"],
            &["true", "", "false", "1"],
            &["", "", "7", "8.5"],
            &["2024-01-01", "", "2024-01-02", ""],
            &["a", "b", "", "c"],
            &["", "", "", ""],
        ];
        for cells in cases {
            for split in 0..=cells.len() {
                let mut first = ColumnBuilder::default();
                cells[..split].iter().for_each(|c| first.push(c));
                let mut second = ColumnBuilder::default();
                cells[split..].iter().for_each(|c| second.push(c));
                first.append(second);
                let (merged, whole) = (first.finish(), build(cells));
                assert_eq!(merged.kind(), whole.kind(), "{cells:?} split at {split}");
                assert_eq!(
                    merged.missing(),
                    whole.missing(),
                    "{cells:?} split at {split}"
                );
                if !matches!(whole, Column::Float(_)) {
                    assert_eq!(merged, whole, "{cells:?} split at {split}");
                }
            }
        }
    }

    #[test]
    fn text_is_a_dictionary() {
        let Column::Text(t) = build(&["b", "a", "b", "", "a"]) else {
            panic!("not text")
        };
        assert_eq!(t.values, ["b", "a"]);
        assert_eq!(t.codes, [0, 1, 0, Text::MISSING, 1]);
        assert_eq!(t.get(3), None);
        assert_eq!(t.get(4), Some("a"));
        // Chunks merge by code: new values join in the order the rows first use them.
        let mut first = ColumnBuilder::default();
        ["b", "", "a"].iter().for_each(|c| first.push(c));
        let mut second = ColumnBuilder::default();
        ["d", "a", "", "c", "d"].iter().for_each(|c| second.push(c));
        first.append(second);
        let Column::Text(t) = first.finish() else {
            panic!("not text")
        };
        assert_eq!(t.values, ["b", "a", "d", "c"]);
        assert_eq!(t.codes, [0, Text::MISSING, 1, 2, 1, Text::MISSING, 3, 2]);
        let mut more = Text::default();
        more.extend_coded([1, 7, Text::MISSING, 0], 2, |c| ["x", "y"][c]);
        assert_eq!(more.values, ["y", "x"]);
        assert_eq!(more.codes, [0, Text::MISSING, Text::MISSING, 1]);
    }
}
