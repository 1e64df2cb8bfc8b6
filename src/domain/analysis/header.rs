//! A table's column names from a file's header row, as pandas names them.

use std::collections::{HashMap, HashSet};

/// Column names as pandas makes them: blanks become "Unnamed: i", repeats get ".1", ".2"
/// (the lowest number not taken). Linear: each name is looked up once, and each repeated
/// name's numbering goes on from where it stopped.
pub fn column_names(raw: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut taken: HashSet<String, foldhash::fast::RandomState> = HashSet::default();
    // For a repeated name, the next number to try.
    let mut next: HashMap<String, usize, foldhash::fast::RandomState> = HashMap::default();
    for (i, name) in raw.into_iter().enumerate() {
        let base = if name.trim().is_empty() {
            format!("Unnamed: {i}")
        } else {
            name.trim().to_owned()
        };
        let name = if taken.contains(&base) {
            let n = next.entry(base.clone()).or_insert(1);
            let mut candidate = format!("{base}.{n}");
            while taken.contains(&candidate) {
                *n += 1;
                candidate = format!("{base}.{n}");
            }
            *n += 1;
            candidate
        } else {
            base
        };
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_are_linear_and_as_before() {
        assert_eq!(
            column_names(["x", "x", "x.1", "", "x", "x.1"].map(String::from).to_vec()),
            ["x", "x.1", "x.1.1", "Unnamed: 3", "x.2", "x.1.2"]
        );
        let started = std::time::Instant::now();
        let names = column_names(vec!["x".to_owned(); 200_000]);
        assert_eq!(
            (names[1].as_str(), names[199_999].as_str()),
            ("x.1", "x.199999")
        );
        let blanks = column_names(vec![String::new(); 300_000]);
        assert_eq!(blanks[299_999], "Unnamed: 299999");
        assert!(started.elapsed().as_secs() < 10, "linear");
    }
}
