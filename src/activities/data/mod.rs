//! DataAnalysisWorkflow's activities: check the file, load it into a columnar copy under
//! the data dir, analyse that copy, draw the charts. Data never travels through workflow
//! history: the steps pass paths, schemas, counts and bounded results.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::{StepError, blocking};
use super::faults::Faults;
use super::heap::release_free_memory;
use crate::analysis::access::{FilePolicy, confined, output_folder};
use crate::analysis::chart_data::ChartData;
use crate::analysis::columnar::{read_copy, write_copy};
use crate::analysis::limits::Limits;
use crate::analysis::load::load_file;
use crate::analysis::report::{AnalysisType, analyse, listed_schema, visualize, write_results};
use crate::analysis::table::ColumnType;
use crate::files::write_atomically;
use crate::workflows::steps::attempted;

/// The error type of files and requests analysis cannot use.
pub const INVALID: &str = "InvalidDataFile";
/// The columnar copy load_data writes in an analysis folder.
pub const TABLE_FILE: &str = "table.arrow";
const CHART_DATA_FILE: &str = "chart_data.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheck {
    pub valid: bool,
    pub reason: Option<String>,
    /// The file's real path, which the next steps read.
    pub path: Option<String>,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadRequest {
    pub path: String,
    pub sheet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loaded {
    /// The columnar copy (an Arrow IPC file).
    pub table_path: String,
    pub schema: Vec<(String, ColumnType)>,
    pub rows: u64,
    pub columns: u64,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisRequest {
    pub table_path: String,
    pub analysis_type: String,
    pub columns: Vec<String>,
    pub n_clusters: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysed {
    pub results: serde_json::Value,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartRequest {
    pub table_path: String,
    pub results: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charted {
    pub output_path: String,
    pub charts: Vec<String>,
    pub attempt: u32,
}

attempted!(FileCheck, Loaded, Analysed, Charted);

pub struct DataActivities {
    pub data_dir: PathBuf,
    pub policy: FilePolicy,
    pub limits: Limits,
    pub faults: Faults,
}

/// The files analysis may read (`<data_dir>/inputs/` and `allowed_roots`, files up to
/// `max_bytes`), with the inputs folder made so that it is there to put files in.
pub fn file_policy(data_dir: &Path, allowed_roots: &[PathBuf], max_bytes: u64) -> FilePolicy {
    let policy = FilePolicy::new(data_dir, allowed_roots, max_bytes);
    if let Err(e) = std::fs::create_dir_all(policy.inputs()) {
        tracing::warn!(folder = %policy.inputs().display(), error = %e, "cannot make the analysis inputs folder");
    }
    policy
}

fn folder_for(data_dir: &Path, ctx: &ActivityContext) -> PathBuf {
    let id = ctx.info().workflow_id.as_deref().unwrap_or("standalone");
    output_folder(data_dir, id)
}

fn invalid(message: impl Into<String>) -> StepError {
    StepError::invalid(INVALID, message)
}

/// `validate_data_file`'s work: whether the policy lets analysis read the file, and its
/// real path.
pub async fn validate_data_file(
    policy: FilePolicy,
    file_path: String,
    attempt: u32,
) -> Result<FileCheck, StepError> {
    blocking(move || {
        Ok(match policy.check(&file_path) {
            Ok(path) => FileCheck {
                valid: true,
                reason: None,
                path: Some(path.to_string_lossy().into_owned()),
                attempt,
            },
            Err(reason) => FileCheck {
                valid: false,
                reason: Some(reason),
                path: None,
                attempt,
            },
        })
    })
    .await
}

/// `load_data`'s work: the file (opened once, through the policy) as a columnar copy,
/// `<folder>/table.arrow`; a file that may not or cannot be loaded, or is over a limit, is
/// an `InvalidDataFile` error.
pub async fn load_data(
    policy: FilePolicy,
    limits: Limits,
    request: LoadRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Loaded, StepError> {
    blocking(move || {
        // Checked again: this activity may run on another worker than the check did.
        let input = policy.open(&request.path).map_err(invalid)?;
        let table =
            load_file(input, request.sheet.as_deref(), &limits).map_err(|e| invalid(e.0))?;
        let table_path = folder.join(TABLE_FILE);
        write_copy(&table, &table_path).map_err(StepError::Store)?;
        let (schema, rows, columns) = (listed_schema(&table), table.rows(), table.columns.len());
        drop(table);
        release_free_memory();
        Ok(Loaded {
            table_path: table_path.to_string_lossy().into_owned(),
            schema,
            rows: rows as u64,
            columns: columns as u64,
            attempt,
        })
    })
    .await
}

/// `perform_analysis`'s work on the table of `folder` (the request's `table_path` must be
/// it): the bounded results, with the whole results and the chart data written beside it.
pub async fn perform_analysis(
    limits: Limits,
    request: AnalysisRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Analysed, StepError> {
    blocking(move || {
        let kind = AnalysisType::parse(&request.analysis_type).map_err(invalid)?;
        let table_path = confined(&folder, TABLE_FILE, &request.table_path).map_err(invalid)?;
        let table = read_copy(&table_path).map_err(|e| StepError::Store(e.0))?;
        // Reading leaves the batches' freed buffers scattered over the heap.
        release_free_memory();
        let clusters = usize::try_from(request.n_clusters).unwrap_or(usize::MAX);
        let analysis =
            analyse(&table, kind, &request.columns, clusters, &limits).map_err(invalid)?;
        drop(table);
        // The whole results and what the charts show, next to the table, so the charts
        // step needs no table.
        let folder = folder.as_path();
        write_results(folder, &analysis.full).map_err(StepError::Store)?;
        let charts = serde_json::to_vec(&analysis.charts)
            .map_err(|e| StepError::Transient(e.to_string()))?;
        write_atomically(folder, CHART_DATA_FILE, &charts)
            .map_err(|e| StepError::Store(format!("cannot write {CHART_DATA_FILE}: {e}")))?;
        drop(analysis.charts);
        release_free_memory();
        Ok(Analysed {
            results: analysis.results,
            attempt,
        })
    })
    .await
}

/// `generate_visualizations`' work: the charts and the report in `folder` (the request's
/// `table_path` must be its table).
pub async fn generate_visualizations(
    request: ChartRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Charted, StepError> {
    blocking(move || {
        confined(&folder, TABLE_FILE, &request.table_path).map_err(invalid)?;
        let chart_data = folder.join(CHART_DATA_FILE);
        let data = std::fs::read(&chart_data)
            .map_err(|e| StepError::Store(format!("{}: {e}", chart_data.display())))?;
        let data: ChartData = serde_json::from_slice(&data)
            .map_err(|e| StepError::Store(format!("{}: {e}", chart_data.display())))?;
        let charts = visualize(&data, &request.results, &folder).map_err(StepError::Store)?;
        Ok(Charted {
            output_path: folder.to_string_lossy().into_owned(),
            charts: charts
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect(),
            attempt,
        })
    })
    .await
}

/// Each activity runs the plain function of its name above (direct calls run them too),
/// in the workflow's own output folder.
#[activities]
impl DataActivities {
    #[activity(name = "validate_data_file")]
    pub async fn validate_data_file(
        self: Arc<Self>,
        ctx: ActivityContext,
        file_path: String,
    ) -> Result<FileCheck, ActivityError> {
        let attempt = self.faults.enter("validate_data_file", &ctx).await?;
        Ok(validate_data_file(self.policy.clone(), file_path, attempt).await?)
    }

    #[activity(name = "load_data")]
    pub async fn load_data(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: LoadRequest,
    ) -> Result<Loaded, ActivityError> {
        let attempt = self.faults.enter("load_data", &ctx).await?;
        let folder = folder_for(&self.data_dir, &ctx);
        Ok(load_data(self.policy.clone(), self.limits, request, folder, attempt).await?)
    }

    #[activity(name = "perform_analysis")]
    pub async fn perform_analysis(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: AnalysisRequest,
    ) -> Result<Analysed, ActivityError> {
        let attempt = self.faults.enter("perform_analysis", &ctx).await?;
        let folder = folder_for(&self.data_dir, &ctx);
        Ok(perform_analysis(self.limits, request, folder, attempt).await?)
    }

    #[activity(name = "generate_visualizations")]
    pub async fn generate_visualizations(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: ChartRequest,
    ) -> Result<Charted, ActivityError> {
        let attempt = self.faults.enter("generate_visualizations", &ctx).await?;
        let folder = folder_for(&self.data_dir, &ctx);
        Ok(generate_visualizations(request, folder, attempt).await?)
    }
}
