//! Dates in a clause: ISO dates, English month-name dates ("May 3", "3rd of May 2027"),
//! and relative days ("tomorrow", "next Friday", "end of the month").

use super::tokens::{Word, is_negation};

/// A date found in a clause's words: its normalised value and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDate {
    /// "YYYY-MM-DD"; "--MM-DD" (ISO 8601 without a year) when no year is given; the
    /// lower-case phrase for relative days ("next friday").
    pub value: String,
    pub first_word: usize,
    pub confidence: f64,
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// Pronouns before "may" or "march" make it a verb.
const SUBJECTS: &[&str] = &["i", "you", "we", "they", "he", "she", "it", "who"];
const PERIODS: &[&str] = &["week", "weekend", "month", "year"];

fn month(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(m, _)| *m == word).map(|(_, n)| *n)
}

/// 1 to 31, with an optional ordinal ending: "3", "03", "3rd", "21st".
fn day(word: &str) -> Option<u32> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.is_empty() || digits.len() > 2 {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(word: &str) -> Option<u32> {
    (word.len() == 4)
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| (1900..=2199).contains(y))
}

fn days_in_month(month: u32, year: Option<u32>) -> u32 {
    match month {
        2 => match year {
            Some(y) if !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) => 28,
            _ => 29,
        },
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn calendar(year: Option<u32>, month: u32, day: u32) -> Option<String> {
    (day <= days_in_month(month, year)).then(|| match year {
        Some(y) => format!("{y:04}-{month:02}-{day:02}"),
        None => format!("--{month:02}-{day:02}"),
    })
}

fn iso(word: &str) -> Option<String> {
    let parts: Vec<&str> = word.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) {
        return None;
    }
    calendar(Some(year(y)?), m, d)
}

/// A date at `w[i..]`: (value, words used, confidence).
fn date_at(w: &[Word], i: usize) -> Option<(String, usize, f64)> {
    let word = |k: usize| w.get(i + k).map(|x| x.lower.as_str()).unwrap_or("");
    if let Some(value) = iso(word(0)) {
        return Some((value, 1, 0.95));
    }
    // "May 3", "May 3rd, 2027"; "I may 5 ..." is a verb.
    let verb = matches!(word(0), "may" | "march")
        && i.checked_sub(1)
            .is_some_and(|k| SUBJECTS.contains(&w[k].lower.as_str()));
    if let (Some(m), Some(d), false) = (month(word(0)), day(word(1)), verb) {
        let y = year(word(2));
        return calendar(y, m, d).map(|v| (v, 2 + usize::from(y.is_some()), 0.9));
    }
    // "3 May", "3rd of May 2027"
    if let Some(d) = day(word(0)) {
        let of = usize::from(word(1) == "of");
        if let Some(m) = month(word(1 + of)) {
            let y = year(word(2 + of));
            return calendar(y, m, d).map(|v| (v, 2 + of + usize::from(y.is_some()), 0.9));
        }
    }
    match word(0) {
        "today" | "tonight" | "tomorrow" => return Some((word(0).to_owned(), 1, 0.6)),
        "next" | "this" | "coming" if WEEKDAYS.contains(&word(1)) || PERIODS.contains(&word(1)) => {
            return Some((format!("{} {}", word(0), word(1)), 2, 0.6));
        }
        "end" if word(1) == "of" => {
            let the = usize::from(word(2) == "the");
            let period = word(2 + the);
            if period == "day" || PERIODS.contains(&period) {
                return Some((format!("end of the {period}"), 3 + the, 0.6));
            }
        }
        "on" | "by" | "before" | "until" | "till" if WEEKDAYS.contains(&word(1)) => {
            return Some((word(1).to_owned(), 2, 0.6));
        }
        _ => {}
    }
    None
}

/// Every date in a clause's words, left to right; a date right after a negation ("not on
/// May 3") is skipped.
pub fn dates(w: &[Word]) -> Vec<FoundDate> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < w.len() {
        match date_at(w, i) {
            Some((value, used, confidence)) => {
                let negated = w[i.saturating_sub(2)..i]
                    .iter()
                    .any(|x| is_negation(&x.lower));
                if !negated {
                    found.push(FoundDate {
                        value,
                        first_word: i,
                        confidence,
                    });
                }
                i += used;
            }
            None => i += 1,
        }
    }
    found
}

/// A date is a deadline when the clause speaks of one ("deadline", "due") or the date
/// follows "by", "before", "until" or "till".
pub fn is_deadline(w: &[Word], date: &FoundDate) -> bool {
    let before = date.first_word.checked_sub(1).map(|k| w[k].lower.as_str());
    let lead = w.get(date.first_word).map(|x| x.lower.as_str());
    w.iter()
        .any(|x| matches!(x.lower.as_str(), "deadline" | "deadlines" | "due"))
        || matches!(before, Some("by" | "before" | "until" | "till"))
        || matches!(lead, Some("by" | "before" | "until" | "till"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::memory::tokens::words;

    fn values(text: &str) -> Vec<String> {
        dates(&words(text)).into_iter().map(|d| d.value).collect()
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(
            values("due 2027-05-03 and May 3rd, 2027"),
            ["2027-05-03", "2027-05-03"]
        );
        assert_eq!(values("on the 3rd of May"), ["--05-03"]);
        assert_eq!(values("Feb 29 2028, Feb 29 2027, April 31"), ["2028-02-29"]);
        assert_eq!(values("I may 5 times"), Vec::<String>::new());
        assert_eq!(values("2027-13-01 2027-1-01"), Vec::<String>::new());
    }

    #[test]
    fn relative_days() {
        assert_eq!(
            values("tomorrow, next Friday, by monday"),
            ["tomorrow", "next friday", "monday"]
        );
        assert_eq!(
            values("end of the month and end of week"),
            ["end of the month", "end of the week"]
        );
        assert_eq!(values("this is fine"), Vec::<String>::new());
    }

    #[test]
    fn negated_dates_are_skipped() {
        assert_eq!(values("not on May 3"), Vec::<String>::new());
        assert_eq!(values("It is not tomorrow"), Vec::<String>::new());
    }

    #[test]
    fn deadlines() {
        let w = words("submit the report by Friday");
        assert!(is_deadline(&w, &dates(&w)[0]));
        let w = words("the deadline is June 1");
        assert!(is_deadline(&w, &dates(&w)[0]));
        let w = words("my birthday is June 1");
        assert!(!is_deadline(&w, &dates(&w)[0]));
    }
}
