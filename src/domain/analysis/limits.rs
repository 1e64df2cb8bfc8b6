//! The budgets data analysis works within: every loader knows the shape it is about to
//! build (cells, columns, decompressed bytes) and checks it against these before it
//! allocates; the analysis checks the numeric columns and clusters it is asked for. A
//! refusal names what was found, the limit, and the setting that raises it.

use crate::config::TemporalConfig;
use crate::config::fields::spec;

/// Clusters k-means makes at most (a fixed limit: each one costs every row a distance).
pub const MAX_CLUSTERS: u64 = 100;

/// The settings of the analysis budgets (see the settings table for their meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    pub max_cells: u64,
    pub max_columns: u64,
    pub max_numeric_columns: u64,
    pub max_decompressed_bytes: u64,
}

impl Limits {
    pub fn from_config(config: &TemporalConfig) -> Self {
        Limits {
            max_cells: config.analysis_max_cells,
            max_columns: config.analysis_max_columns,
            max_numeric_columns: config.analysis_max_numeric_columns,
            max_decompressed_bytes: config.analysis_max_decompressed_bytes,
        }
    }

    pub fn cells(&self) -> Budget {
        Budget::new(self.max_cells, "cells", Some("analysis_max_cells"))
    }

    pub fn columns(&self) -> Budget {
        Budget::new(self.max_columns, "columns", Some("analysis_max_columns"))
    }

    pub fn numeric_columns(&self) -> Budget {
        Budget::new(
            self.max_numeric_columns,
            "numeric columns",
            Some("analysis_max_numeric_columns"),
        )
    }

    pub fn decompressed_bytes(&self) -> Budget {
        Budget::new(
            self.max_decompressed_bytes,
            "bytes",
            Some("analysis_max_decompressed_bytes"),
        )
    }

    /// Rows a table of `columns` columns may have within the cell budget.
    pub fn max_rows(&self, columns: usize) -> u64 {
        self.max_cells / (columns.max(1) as u64)
    }
}

/// The defaults of the settings table.
impl Default for Limits {
    fn default() -> Self {
        Limits::from_config(&TemporalConfig::defaults())
    }
}

/// One limit: its value, the unit it counts, and the setting that raises it (None for a
/// fixed limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub limit: u64,
    unit: &'static str,
    setting: Option<&'static str>,
}

impl Budget {
    pub const fn new(limit: u64, unit: &'static str, setting: Option<&'static str>) -> Self {
        Budget {
            limit,
            unit,
            setting,
        }
    }

    /// Ok when `found` is within the limit, else the refusal; `subject` says what has that
    /// many (e.g. "t.csv: the header has"), and is only made when it is needed.
    #[inline]
    pub fn check(&self, found: u64, subject: impl FnOnce() -> String) -> Result<(), String> {
        if found <= self.limit {
            Ok(())
        } else {
            Err(self.exceeded(found, &subject()))
        }
    }

    /// "<subject> 50,000 columns, over the limit of 10,000 columns; analysis_max_columns
    /// (TEMPORAL_ANALYSIS_MAX_COLUMNS) raises it".
    pub fn exceeded(&self, found: u64, subject: &str) -> String {
        let raise = match self.setting {
            Some(name) => {
                let variable = spec(name).map_or("", |s| s.env);
                format!("the setting {name} ({variable}) raises it")
            }
            None => "a fixed limit".to_owned(),
        };
        format!(
            "{subject} {} {unit}, over the limit of {} {unit}; {raise}",
            grouped(found),
            grouped(self.limit),
            unit = self.unit,
        )
    }
}

/// A count with thousands separators: 16,384.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// At most `max` characters of `text` for a message or a result, "…" marking a cut.
pub fn shortened(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_value_the_limit_and_the_setting() {
        let limits = Limits {
            max_columns: 10_000,
            ..Limits::default()
        };
        assert!(limits.columns().check(10_000, || unreachable!()).is_ok());
        let err = limits
            .columns()
            .check(50_000, || "t.csv: the header has".into())
            .unwrap_err();
        assert_eq!(
            err,
            "t.csv: the header has 50,000 columns, over the limit of 10,000 columns; \
             the setting analysis_max_columns (TEMPORAL_ANALYSIS_MAX_COLUMNS) raises it"
        );
        let fixed = Budget::new(MAX_CLUSTERS, "clusters", None);
        assert!(
            fixed
                .exceeded(1000, "n_clusters asks for")
                .ends_with("limit of 100 clusters; a fixed limit")
        );
    }

    #[test]
    fn defaults_come_from_the_settings_table() {
        let limits = Limits::default();
        assert_eq!(limits.max_cells, 100_000_000);
        assert_eq!(limits.max_columns, 10_000);
        assert_eq!(limits.max_numeric_columns, 500);
        assert_eq!(limits.max_decompressed_bytes, 1 << 30);
        assert_eq!(limits.max_rows(10), 10_000_000);
        assert_eq!(limits.max_rows(0), 100_000_000);
    }

    #[test]
    fn grouping_and_shortening() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_099_511_627_776), "1,099,511,627,776");
        assert_eq!(shortened("abc", 3), "abc");
        assert_eq!(shortened("abcd", 3), "abc…");
        assert_eq!(shortened("ééé", 2), "éé…");
    }
}
