//! The three heavy analysis steps as one serialisable call, so that the same call runs in
//! the worker's process or in an analysis child process (`isolation`) alike.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Analysed, AnalysisRequest, CHART_DATA_FILE, ChartRequest, Charted, INVALID, LoadRequest,
    Loaded, TABLE_FILE,
};
use crate::activities::errors::StepError;
use crate::activities::heap::release_free_memory;
use crate::domain::analysis::access::{FilePolicy, confined};
use crate::domain::analysis::chart_data::ChartData;
use crate::domain::analysis::columnar::{read_copy, write_copy};
use crate::domain::analysis::limits::Limits;
use crate::domain::analysis::load::load_file;
use crate::domain::analysis::report::{
    AnalysisType, analyse, listed_schema, visualize, write_results,
};
use crate::files::atomic::write_atomically;
use crate::interrupt;
use crate::store::analysis_outputs::ANALYSIS_FOLDER;

/// One of load_data, perform_analysis and generate_visualizations, with everything its work
/// needs; `folder` is the workflow's own output folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Load {
        policy: FilePolicy,
        limits: Limits,
        request: LoadRequest,
        folder: PathBuf,
        attempt: u32,
    },
    Analyse {
        limits: Limits,
        request: AnalysisRequest,
        folder: PathBuf,
        attempt: u32,
    },
    Chart {
        request: ChartRequest,
        folder: PathBuf,
        attempt: u32,
    },
}

fn invalid(message: impl Into<String>) -> StepError {
    StepError::invalid(INVALID, message)
}

fn answer<T: Serialize>(done: T) -> Result<Value, StepError> {
    serde_json::to_value(done).map_err(|e| StepError::Transient(e.to_string()))
}

impl Step {
    /// The activities whose work is a step, as `activity` names them.
    pub const ACTIVITIES: [&'static str; 3] =
        ["load_data", "perform_analysis", "generate_visualizations"];

    /// The activity's name, for messages.
    pub fn activity(&self) -> &'static str {
        let [load, analyse, chart] = Self::ACTIVITIES;
        match self {
            Step::Load { .. } => load,
            Step::Analyse { .. } => analyse,
            Step::Chart { .. } => chart,
        }
    }

    /// Does the work here, in this process (blocking): the activity's result as JSON. The
    /// heap is left as the step left it: a child process exits next, and the worker's
    /// runner returns the free pages (`Runner::InProcess`).
    pub fn run(self) -> Result<Value, StepError> {
        let done = self.run_here();
        // A loop that gave up reports it under its own error type; the activity was
        // cancelled and nobody reads it, but it is no verdict on the input.
        if done.is_err() && interrupt::requested() {
            return Err(StepError::Transient(interrupt::STOPPED.into()));
        }
        done
    }

    fn run_here(self) -> Result<Value, StepError> {
        match self {
            Step::Load {
                policy,
                limits,
                request,
                folder,
                attempt,
            } => answer(load(&policy, &limits, &request, folder, attempt)?),
            Step::Analyse {
                limits,
                request,
                folder,
                attempt,
            } => answer(analyse_table(&limits, request, folder, attempt)?),
            Step::Chart {
                request,
                folder,
                attempt,
            } => answer(chart(request, folder, attempt)?),
        }
    }
}

/// The file (opened once, through the policy) as a columnar copy, `<folder>/table.arrow`; a
/// file that may not or cannot be loaded, or is over a limit, is an `InvalidDataFile` error.
fn load(
    policy: &FilePolicy,
    limits: &Limits,
    request: &LoadRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Loaded, StepError> {
    // Checked again: this step may run on another worker than the check did.
    let input = policy.open(&request.path).map_err(invalid)?;
    let table = load_file(input, request.sheet.as_deref(), limits).map_err(|e| invalid(e.0))?;
    let table_path = folder.join(TABLE_FILE);
    write_copy(&table, &table_path).map_err(StepError::Store)?;
    let (schema, rows, columns) = (listed_schema(&table), table.rows(), table.columns.len());
    drop(table);
    Ok(Loaded {
        table_path: table_path.to_string_lossy().into_owned(),
        schema,
        rows: rows as u64,
        columns: columns as u64,
        attempt,
    })
}

/// The bounded results of the table of `folder` (the request's `table_path` must be it),
/// with the whole results and the chart data written beside it.
fn analyse_table(
    limits: &Limits,
    request: AnalysisRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Analysed, StepError> {
    let kind = AnalysisType::parse(&request.analysis_type).map_err(invalid)?;
    let table_path = confined(&folder, TABLE_FILE, &request.table_path).map_err(invalid)?;
    let table = read_copy(&table_path).map_err(|e| StepError::Store(e.0))?;
    // Reading leaves the batches' freed buffers scattered over the heap.
    release_free_memory();
    let clusters = usize::try_from(request.n_clusters).unwrap_or(usize::MAX);
    let analysis = analyse(&table, kind, &request.columns, clusters, limits).map_err(invalid)?;
    drop(table);
    // The whole results and what the charts show, next to the table, so the charts step
    // needs no table.
    write_results(&folder, &analysis.full).map_err(StepError::Store)?;
    let charts =
        serde_json::to_vec(&analysis.charts).map_err(|e| StepError::Transient(e.to_string()))?;
    write_atomically(&folder, CHART_DATA_FILE, &charts)
        .map_err(|e| StepError::Store(format!("cannot write {CHART_DATA_FILE}: {e}")))?;
    drop(analysis.charts);
    Ok(Analysed {
        results: analysis.results,
        attempt,
    })
}

/// The charts and the report in `folder` (the request's `table_path` must be its table).
fn chart(request: ChartRequest, folder: PathBuf, attempt: u32) -> Result<Charted, StepError> {
    confined(&folder, TABLE_FILE, &request.table_path).map_err(invalid)?;
    let chart_data = folder.join(CHART_DATA_FILE);
    let data = std::fs::read(&chart_data)
        .map_err(|e| StepError::Store(format!("{}: {e}", chart_data.display())))?;
    let data: ChartData = serde_json::from_slice(&data)
        .map_err(|e| StepError::Store(format!("{}: {e}", chart_data.display())))?;
    let charts = visualize(&data, &request.results, &folder).map_err(StepError::Store)?;
    let relative_path = folder
        .file_name()
        .map(|name| format!("{ANALYSIS_FOLDER}/{}", name.to_string_lossy()));
    Ok(Charted {
        relative_path,
        output_path: folder.to_string_lossy().into_owned(),
        charts: charts
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect(),
        attempt,
    })
}
