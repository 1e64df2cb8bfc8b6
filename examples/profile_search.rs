//! Times `Store::search_memories` (limit 10, no filter) over an existing store for each
//! query of a file (one a line), in rounds, for profiling what
//! `benchmarks/memory_search.py` measures through Python:
//!
//!     cargo run --profile release-debug --example profile_search -- data-dir queries.txt [rounds]
//!
//! Prints each round's p50, p90, p99 and mean in ms.

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use project_ai_temporal::store::Store;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, queries, rounds) = match args.as_slice() {
        [_, dir, queries] => (dir, queries, 3),
        [_, dir, queries, rounds] => (dir, queries, rounds.parse()?),
        _ => return Err("usage: profile_search DATA_DIR QUERIES_FILE [ROUNDS]".into()),
    };
    let queries: Vec<String> = std::fs::read_to_string(queries)?
        .lines()
        .map(str::to_owned)
        .collect();
    if queries.is_empty() {
        return Err("the queries file has no line".into());
    }
    let store = Store::open(Path::new(dir))?;
    for _ in 0..rounds {
        let mut ms = Vec::with_capacity(queries.len());
        for text in &queries {
            let began = Instant::now();
            store.search_memories(text, None, None, 10)?;
            ms.push(began.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let at = |p: usize| ms[(ms.len() * p / 100).min(ms.len() - 1)];
        let mean = ms.iter().sum::<f64>() / ms.len() as f64;
        println!(
            "p50 {:.3}  p90 {:.3}  p99 {:.3}  mean {:.3} ms",
            at(50),
            at(90),
            at(99),
            mean
        );
    }
    Ok(())
}
