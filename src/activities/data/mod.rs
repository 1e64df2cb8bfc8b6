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
use super::supervise::supervised;
use crate::domain::analysis::access::{FilePolicy, output_folder};
use crate::domain::analysis::limits::Limits;
use crate::domain::analysis::table::ColumnType;
use crate::store::Store;
use crate::wire::attempt::attempted;
pub use isolation::{ChildProcess, Runner};
pub use step::Step;

pub mod isolation;
mod step;

/// The error type of files and requests analysis cannot use.
pub const INVALID: &str = "InvalidDataFile";
/// The columnar copy load_data writes in an analysis folder.
pub const TABLE_FILE: &str = "table.arrow";
/// What the charts show, which perform_analysis writes beside the table.
pub const CHART_DATA_FILE: &str = "chart_data.json";

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
    /// The workflow's user, recorded with its output folder so that an erasure finds it.
    #[serde(default)]
    pub user_id: Option<String>,
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
    /// `output_path` relative to the artifacts dir; absent in results recorded before it.
    #[serde(default)]
    pub relative_path: Option<String>,
}

attempted!(FileCheck, Loaded, Analysed, Charted);

pub struct DataActivities {
    /// The data dir's store: output folders are recorded there with their user.
    pub store: Store,
    pub policy: FilePolicy,
    pub limits: Limits,
    /// Where load_data, perform_analysis and generate_visualizations run.
    pub runner: Runner,
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

/// validate_data_file runs the plain function above; the heavy steps run as a `Step`
/// through the runner (direct calls run both the same way), in the workflow's own output
/// folder.
#[activities]
impl DataActivities {
    #[activity(name = "validate_data_file")]
    pub async fn validate_data_file(
        self: Arc<Self>,
        ctx: ActivityContext,
        file_path: String,
    ) -> Result<FileCheck, ActivityError> {
        let attempt = self.faults.enter("validate_data_file", &ctx).await?;
        supervised(
            &ctx,
            validate_data_file(self.policy.clone(), file_path, attempt),
        )
        .await
    }

    #[activity(name = "load_data")]
    pub async fn load_data(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: LoadRequest,
    ) -> Result<Loaded, ActivityError> {
        let attempt = self.faults.enter("load_data", &ctx).await?;
        let folder = folder_for(self.store.artifacts_dir(), &ctx);
        // Before anything is written there, so no file of the folder is ever unattributed.
        let (store, owned) = (self.store.clone(), folder.clone());
        let (workflow_id, user_id) = (ctx.info().workflow_id.clone(), request.user_id.clone());
        blocking(move || {
            store
                .record_analysis_output(&owned, workflow_id.as_deref(), user_id.as_deref())
                .map_err(|e| StepError::Store(format!("cannot record the output folder: {e}")))
        })
        .await?;
        let step = Step::Load {
            policy: self.policy.clone(),
            limits: self.limits,
            request,
            folder,
            attempt,
        };
        supervised(&ctx, self.runner.run(step)).await
    }

    #[activity(name = "perform_analysis")]
    pub async fn perform_analysis(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: AnalysisRequest,
    ) -> Result<Analysed, ActivityError> {
        let attempt = self.faults.enter("perform_analysis", &ctx).await?;
        let step = Step::Analyse {
            limits: self.limits,
            request,
            folder: folder_for(self.store.artifacts_dir(), &ctx),
            attempt,
        };
        supervised(&ctx, self.runner.run(step)).await
    }

    #[activity(name = "generate_visualizations")]
    pub async fn generate_visualizations(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: ChartRequest,
    ) -> Result<Charted, ActivityError> {
        let attempt = self.faults.enter("generate_visualizations", &ctx).await?;
        let step = Step::Chart {
            request,
            folder: folder_for(self.store.artifacts_dir(), &ctx),
            attempt,
        };
        supervised(&ctx, self.runner.run(step)).await
    }
}
