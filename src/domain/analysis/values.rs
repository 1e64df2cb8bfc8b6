//! Reading one cell: missing-value markers (pandas' defaults), and the typed values a
//! column may hold, tried from the narrowest type to the widest.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Whether a cell is one that pandas' read_csv treats as missing by default (spaces around
/// it aside). The markers are listed here once: a match compiles to a switch on the length
/// then one comparison, instead of a comparison with each marker in turn.
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell.trim(),
        "" | "#N/A"
            | "#N/A N/A"
            | "#NA"
            | "-1.#IND"
            | "-1.#QNAN"
            | "-NaN"
            | "-nan"
            | "1.#IND"
            | "1.#QNAN"
            | "<NA>"
            | "N/A"
            | "NA"
            | "NULL"
            | "NaN"
            | "None"
            | "n/a"
            | "nan"
            | "null"
    )
}

pub fn parse_integer(cell: &str) -> Option<i64> {
    let cell = cell.trim();
    // "1.0" is a float, "007" is still the integer 7 (as pandas reads it).
    cell.parse::<i64>().ok()
}

/// Decimal and scientific notation, "inf" and "infinity" (as pandas); never NaN, since the
/// NaN words are missing values.
pub fn parse_float(cell: &str) -> Option<f64> {
    cell.trim().parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// `parse_float` of a cell given as bytes, when that is quick to tell: a finite number
/// written without surrounding spaces. None says "ask `parse_float`" (the cell may still be
/// a number, or missing, or text). Such a cell is ASCII, so valid UTF-8, and never a
/// missing-value marker (none of them reads as a finite number); both parsers round
/// correctly, so the value is the same bits.
pub fn parse_finite_float(cell: &[u8]) -> Option<f64> {
    fast_float2::parse::<f64, _>(cell)
        .ok()
        .filter(|v| v.is_finite())
}

pub fn parse_boolean(cell: &str) -> Option<bool> {
    match cell.trim() {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// ISO 8601 dates and date-times (with 'T' or a space, optional fraction and offset), as
/// microseconds since the epoch in UTC.
pub fn parse_datetime(cell: &str) -> Option<i64> {
    let cell = cell.trim();
    if cell.len() < 10
        || !cell.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        || cell.as_bytes()[4] != b'-'
    {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(cell) {
        return Some(dt.timestamp_micros());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(cell, format) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    NaiveDate::parse_from_str(cell, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_micros())
}

/// ISO 8601 text for a datetime value.
pub fn format_datetime(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros).map_or_else(
        || micros.to_string(),
        |dt| dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert!(is_missing("  ") && is_missing("NA") && is_missing("nan") && !is_missing("0"));
        assert_eq!(parse_integer(" 42 "), Some(42));
        assert_eq!(parse_integer("4.2"), None);
        assert_eq!(parse_float("4.5e3"), Some(4500.0));
        assert_eq!(parse_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("12abc"), None);
        assert_eq!(parse_float("NAN"), None);
        assert_eq!(parse_float("Infinity"), Some(f64::INFINITY));
        // The quick parser agrees where it answers, and leaves the rest to parse_float.
        for cell in [
            "1",
            "-2.5",
            "+3.25e-7",
            ".5",
            "5.",
            "1e308",
            "4.9e-324",
            "0.1",
            "-0",
            "007",
            "123456789012345678901234567890",
            "2.2250738585072011e-308",
        ] {
            let quick = parse_finite_float(cell.as_bytes()).map(f64::to_bits);
            assert_eq!(quick, parse_float(cell).map(f64::to_bits), "{cell}");
        }
        for cell in [
            " 1",
            "1 ",
            "",
            "1e",
            "e5",
            ".",
            "-",
            "inf",
            "-Infinity",
            "nan",
            "-1.#IND",
            "1e400",
            "1,5",
            "0x10",
            "1_0",
            "NA",
        ] {
            assert_eq!(parse_finite_float(cell.as_bytes()), None, "{cell}");
        }
        // pandas' default markers.
        for marker in [
            "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
            "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
        ] {
            assert!(
                is_missing(marker) && is_missing(&format!(" {marker} ")),
                "{marker}"
            );
        }
        assert!(!is_missing("oslo") && !is_missing("N/A N/A"));
        assert_eq!(parse_boolean("True"), Some(true));
        assert_eq!(parse_boolean("yes"), None);
        assert_eq!(parse_datetime("1970-01-02"), Some(86_400_000_000));
        assert_eq!(parse_datetime("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(parse_datetime("1970-01-01 00:01:00"), Some(60_000_000));
        assert_eq!(parse_datetime("2024-13-01"), None);
        assert_eq!(parse_datetime("hello world"), None);
        assert_eq!(format_datetime(1_500_000), "1970-01-01T00:00:01.500");
    }
}
