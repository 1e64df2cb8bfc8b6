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
use crate::analysis::access::FilePolicy;
use crate::analysis::chart_data::ChartData;
use crate::analysis::columnar::{read_copy, read_parquet, write_copy};
use crate::analysis::load::{LoadError, load_delimited_file, load_json, load_json_lines};
use crate::analysis::report::{AnalysisType, analyse, visualize};
use crate::analysis::spreadsheet::load_xlsx;
use crate::analysis::table::{ColumnType, Table};
use crate::files::write_atomically;
use crate::workflows::steps::attempted;

/// Analysis output lands in `<data_dir>/analysis/<workflow id>/`.
pub const ANALYSIS_FOLDER: &str = "analysis";
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
    pub faults: Faults,
}

/// The files analysis may read: regular files up to `max_bytes` under the data dir, the
/// working directory or one of `allowed_roots`.
pub fn file_policy(data_dir: &Path, allowed_roots: &[PathBuf], max_bytes: u64) -> FilePolicy {
    let mut roots = vec![data_dir.to_path_buf()];
    roots.extend(std::env::current_dir().ok());
    roots.extend(allowed_roots.iter().cloned());
    FilePolicy::new(&roots, max_bytes)
}

/// The loader for a file, by extension.
pub fn load_file(path: &Path, sheet: Option<&str>) -> Result<Table, LoadError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let read = || std::fs::read(path).map_err(|e| LoadError(format!("{}: {e}", path.display())));
    match extension.as_str() {
        "csv" | "txt" => load_delimited_file(path, None),
        "tsv" => load_delimited_file(path, Some(b'\t')),
        "json" => load_json(path, &read()?),
        "jsonl" => load_json_lines(path, &read()?),
        "xlsx" => load_xlsx(path, sheet),
        "parquet" => read_parquet(path),
        other => Err(LoadError(format!(
            "{}: no loader for .{other}",
            path.display()
        ))),
    }
}

/// The folder of one analysis, `<data_dir>/analysis/<id>` (the id made safe as a file name).
pub fn analysis_folder(data_dir: &Path, id: &str) -> PathBuf {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    data_dir.join(ANALYSIS_FOLDER).join(safe)
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

/// `load_data`'s work: the file (checked against the policy again) as a columnar copy,
/// `<folder>/table.arrow`; a file that may not or cannot be loaded is an `InvalidDataFile`
/// error.
pub async fn load_data(
    policy: FilePolicy,
    request: LoadRequest,
    folder: PathBuf,
    attempt: u32,
) -> Result<Loaded, StepError> {
    blocking(move || {
        // Checked again: this activity may run on another worker than the check did.
        let path = policy
            .check(&request.path)
            .map_err(|e| StepError::invalid(INVALID, e))?;
        let table = load_file(&path, request.sheet.as_deref())
            .map_err(|e| StepError::invalid(INVALID, e.0))?;
        let table_path = folder.join(TABLE_FILE);
        write_copy(&table, &table_path).map_err(StepError::Store)?;
        let (schema, rows, columns) = (table.schema(), table.rows(), table.columns.len());
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

/// `perform_analysis`'s work: the results, and the chart data written next to the table.
pub async fn perform_analysis(
    request: AnalysisRequest,
    attempt: u32,
) -> Result<Analysed, StepError> {
    blocking(move || {
        let kind = AnalysisType::parse(&request.analysis_type)
            .map_err(|e| StepError::invalid(INVALID, e))?;
        let table_path = PathBuf::from(&request.table_path);
        let table = read_copy(&table_path).map_err(|e| StepError::Store(e.0))?;
        // Reading leaves the batches' freed buffers scattered over the heap.
        release_free_memory();
        let clusters = usize::try_from(request.n_clusters).unwrap_or(usize::MAX);
        let analysis = analyse(&table, kind, &request.columns, clusters)
            .map_err(|e| StepError::invalid(INVALID, e))?;
        drop(table);
        // What the charts show, next to the table, so the charts step needs no table.
        let folder = table_path.parent().unwrap_or(Path::new("."));
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

/// `generate_visualizations`'s work: the charts and the report in the table's folder.
pub async fn generate_visualizations(
    request: ChartRequest,
    attempt: u32,
) -> Result<Charted, StepError> {
    blocking(move || {
        let table_path = PathBuf::from(&request.table_path);
        let folder = table_path.parent().unwrap_or(Path::new(".")).to_path_buf();
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

/// Each activity runs the plain function of its name above (direct calls run them too).
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
        let workflow_id = ctx.info().workflow_id.as_deref().unwrap_or("standalone");
        let folder = analysis_folder(&self.data_dir, workflow_id);
        Ok(load_data(self.policy.clone(), request, folder, attempt).await?)
    }

    #[activity(name = "perform_analysis")]
    pub async fn perform_analysis(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: AnalysisRequest,
    ) -> Result<Analysed, ActivityError> {
        let attempt = self.faults.enter("perform_analysis", &ctx).await?;
        Ok(perform_analysis(request, attempt).await?)
    }

    #[activity(name = "generate_visualizations")]
    pub async fn generate_visualizations(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: ChartRequest,
    ) -> Result<Charted, ActivityError> {
        let attempt = self.faults.enter("generate_visualizations", &ctx).await?;
        Ok(generate_visualizations(request, attempt).await?)
    }
}
