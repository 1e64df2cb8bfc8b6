//! Times each phase of the data analysis pipeline in one process, with the peak resident
//! memory of each phase (VmHWM, reset between phases), for profiling what
//! `benchmarks/data_analysis.py` measures end to end through the workflow:
//!
//!     cargo run --profile release-debug --example profile_analysis -- data.csv out-dir/
//!
//! (`release-debug` is the release build with symbols, for perf; `--release` strips them.)
//!
//! Phases: load (parse the file), write copy (the Arrow IPC `table.arrow`), read copy,
//! analyse ("full": statistics, correlation, clustering, chart data), charts (PNGs). The
//! results go to `results.json` in the output folder.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use project_ai_temporal::activities::heap::release_free_memory;
use project_ai_temporal::domain::analysis::access::{Capped, InputFile};
use project_ai_temporal::domain::analysis::chart_data::ChartData;
use project_ai_temporal::domain::analysis::columnar::{read_copy, write_copy};
use project_ai_temporal::domain::analysis::limits::Limits;
use project_ai_temporal::domain::analysis::load::load_file;
use project_ai_temporal::domain::analysis::report::{AnalysisType, analyse, visualize};

/// A `/proc/self/status` value in MB.
fn status_mb(key: &str) -> Result<u64, Box<dyn Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find(|line| line.starts_with(key))
        .and_then(|line| line.split_whitespace().nth(1))
        .ok_or_else(|| format!("/proc/self/status has no {key}"))?
        .parse::<u64>()?;
    Ok(kb / 1024)
}

/// Prints the phase's time and peak memory, then starts the next phase's peak afresh.
fn report(phase: &str, began: Instant) -> Result<(), Box<dyn Error>> {
    println!(
        "{phase:12} {:>8.1?}  peak {:>4} MB  now {:>4} MB",
        began.elapsed(),
        status_mb("VmHWM")?,
        status_mb("VmRSS")?
    );
    std::fs::write("/proc/self/clear_refs", "5")?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [csv, out] = args.as_slice() else {
        return Err("usage: profile_analysis <data file> <output folder>".into());
    };
    std::fs::create_dir_all(out)?;
    let copy: &Path = &out.join("table.arrow");
    report("start", Instant::now())?;

    let began = Instant::now();
    let input = InputFile {
        path: csv.clone(),
        extension: "csv".into(),
        file: Capped::open(csv)?,
    };
    let limits = Limits::default();
    let table = load_file(input, None, &limits)?;
    release_free_memory();
    report("load", began)?;

    let began = Instant::now();
    write_copy(&table, copy)?;
    drop(table);
    report("write copy", began)?;

    let began = Instant::now();
    let table = read_copy(copy)?;
    release_free_memory();
    report("read copy", began)?;

    let began = Instant::now();
    let analysis = analyse(&table, AnalysisType::Full, &[], 3, &limits)?;
    drop(table);
    report("analyse", began)?;
    // The answer, so two builds can be compared byte for byte.
    std::fs::write(
        out.join("results.json"),
        serde_json::to_vec(&analysis.results)?,
    )?;

    // The charts step reads the chart data back from JSON, as the activity does.
    let began = Instant::now();
    let charts: ChartData = serde_json::from_slice(&serde_json::to_vec(&analysis.charts)?)?;
    visualize(&charts, &analysis.results, out)?;
    report("charts", began)?;
    Ok(())
}
