//! An in-memory table of typed columns, with missing values, as the loaders build it.
//! Compact on purpose: a million-row table must fit well under the memory pandas needs.
//! Floats mark a missing value with NaN (as pandas does, so a NaN in the data is missing
//! too); text is dictionary-encoded, since analysed text columns are mostly categories.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// A column's values; `None` (NaN for floats) is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Integer(Vec<Option<i64>>),
    Float(Vec<f64>),
    Boolean(Vec<Option<bool>>),
    /// Microseconds since the Unix epoch, UTC.
    DateTime(Vec<Option<i64>>),
    Text(Text),
}

/// Dictionary-encoded text: each row's code indexes `values`; `Text::MISSING` is missing.
#[derive(Debug, Clone, Default)]
pub struct Text {
    pub codes: Vec<u32>,
    pub values: Vec<String>,
    index: HashMap<String, u32, foldhash::fast::RandomState>,
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Text {
    pub const MISSING: u32 = u32::MAX;

    pub fn push(&mut self, value: Option<&str>) {
        let code = value.map_or(Self::MISSING, |v| self.intern(v));
        self.codes.push(code);
    }

    /// The code of `value`, added to the dictionary when it is new.
    fn intern(&mut self, value: &str) -> u32 {
        if self.index.len() != self.values.len() {
            // Sealed earlier: rebuild the lookup so the dictionary stays free of repeats.
            self.index = (0..)
                .zip(&self.values)
                .map(|(c, v)| (v.clone(), c))
                .collect();
        }
        if let Some(&code) = self.index.get(value) {
            return code;
        }
        let code = self.values.len() as u32;
        self.values.push(value.to_owned());
        self.index.insert(value.to_owned(), code);
        code
    }

    /// Appends rows given as codes into another dictionary of `size` values, `value(code)`
    /// each (a code out of its range is missing). Each value is looked up once, not once
    /// per row, and new values join in the order the rows first use them, as if the rows
    /// were pushed one by one.
    pub fn extend_coded<'a>(
        &mut self,
        codes: impl IntoIterator<Item = u32>,
        size: usize,
        value: impl Fn(usize) -> &'a str,
    ) {
        // Each foreign code's own code, MISSING until a row uses it.
        let mut own = vec![Self::MISSING; size];
        let codes = codes.into_iter();
        self.codes.reserve(codes.size_hint().0);
        for code in codes {
            let mapped = match own.get_mut(code as usize) {
                None => Self::MISSING,
                Some(&mut c) if c != Self::MISSING => c,
                Some(slot) => {
                    let c = self.intern(value(code as usize));
                    *slot = c;
                    c
                }
            };
            self.codes.push(mapped);
        }
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        let code = *self.codes.get(row)?;
        self.values.get(code as usize).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.codes
            .iter()
            .map(|&c| self.values.get(c as usize).map(String::as_str))
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Drops the lookup table once the column is complete (it doubles the dictionary).
    pub fn sealed(mut self) -> Self {
        self.index = HashMap::default();
        self
    }
}

impl<'a> FromIterator<Option<&'a str>> for Text {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(items: I) -> Self {
        let mut text = Text::default();
        items.into_iter().for_each(|v| text.push(v));
        text.sealed()
    }
}

/// A column's type, as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Integer,
    Float,
    Boolean,
    Datetime,
    Text,
}

impl Column {
    pub fn kind(&self) -> ColumnType {
        match self {
            Column::Integer(_) => ColumnType::Integer,
            Column::Float(_) => ColumnType::Float,
            Column::Boolean(_) => ColumnType::Boolean,
            Column::DateTime(_) => ColumnType::Datetime,
            Column::Text(_) => ColumnType::Text,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Integer(v) | Column::DateTime(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Boolean(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn missing(&self) -> usize {
        match self {
            Column::Integer(v) | Column::DateTime(v) => v.iter().filter(|x| x.is_none()).count(),
            Column::Float(v) => v.iter().filter(|x| x.is_nan()).count(),
            Column::Boolean(v) => v.iter().filter(|x| x.is_none()).count(),
            Column::Text(v) => v.codes.iter().filter(|&&c| c == Text::MISSING).count(),
        }
    }

    /// Numeric columns as floats, NaN where missing (integers widened, floats borrowed);
    /// None for other types.
    pub fn as_f64(&self) -> Option<Cow<'_, [f64]>> {
        match self {
            Column::Float(v) => Some(Cow::Borrowed(v)),
            Column::Integer(v) => Some(Cow::Owned(
                v.iter().map(|x| x.map_or(f64::NAN, |i| i as f64)).collect(),
            )),
            _ => None,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Column::Integer(_) | Column::Float(_))
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub names: Vec<String>,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    /// (name, type) per column.
    pub fn schema(&self) -> Vec<(String, ColumnType)> {
        self.names
            .iter()
            .cloned()
            .zip(self.columns.iter().map(Column::kind))
            .collect()
    }

    /// The numeric columns as floats (NaN where missing), in table order.
    pub fn numeric(&self) -> Vec<(&str, Cow<'_, [f64]>)> {
        self.numeric_first(usize::MAX)
    }

    /// The first `n` numeric columns, as `numeric` gives them (the others not converted).
    pub fn numeric_first(&self, n: usize) -> Vec<(&str, Cow<'_, [f64]>)> {
        self.names
            .iter()
            .zip(&self.columns)
            .filter(|(_, c)| c.is_numeric())
            .take(n)
            .filter_map(|(n, c)| c.as_f64().map(|v| (n.as_str(), v)))
            .collect()
    }
}
