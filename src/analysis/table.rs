//! An in-memory table of typed columns, with missing values, as the loaders build it.

use serde::{Deserialize, Serialize};

/// A column's values; `None` is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Integer(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Boolean(Vec<Option<bool>>),
    /// Microseconds since the Unix epoch, UTC.
    DateTime(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
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
            Column::Float(v) => v.iter().filter(|x| x.is_none()).count(),
            Column::Boolean(v) => v.iter().filter(|x| x.is_none()).count(),
            Column::Text(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }

    /// Numeric columns as floats (integers widened); None for other types.
    pub fn as_f64(&self) -> Option<Vec<Option<f64>>> {
        match self {
            Column::Float(v) => Some(v.clone()),
            Column::Integer(v) => Some(v.iter().map(|x| x.map(|i| i as f64)).collect()),
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
}
