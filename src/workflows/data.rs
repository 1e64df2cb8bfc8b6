//! DataAnalysisWorkflow: check the file, load it, analyse it, draw the charts. Failures
//! come back as `success=false` results naming the problem.

use std::time::Duration;

use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{WorkflowContext, WorkflowContextView, WorkflowResult};

use super::policy::{Configured, RetryDefaults, attempts, configured_retry, options, retry};
use super::progress::Progress;
use super::steps::{Tracked, ended, step};
use crate::activities::data::{self, AnalysisRequest, ChartRequest, DataActivities, LoadRequest};
use crate::domain::analysis::report::AnalysisType;
use crate::wire::input::Input;
use crate::wire::types::{DataAnalysisRequest, DataAnalysisResult};

pub const NAME: &str = "DataAnalysisWorkflow";
const INVALID: &[&str] = &[data::INVALID];

#[workflow]
pub struct DataAnalysisWorkflow {
    progress: Progress,
    retry: RetryDefaults,
}

impl Default for DataAnalysisWorkflow {
    fn default() -> Self {
        Self::configured(RetryDefaults::default())
    }
}

impl Configured for DataAnalysisWorkflow {
    fn configured(retry: RetryDefaults) -> Self {
        DataAnalysisWorkflow {
            progress: Progress::new(NAME, 4),
            retry,
        }
    }

    fn retry_defaults(&self) -> RetryDefaults {
        self.retry
    }
}

impl Tracked for DataAnalysisWorkflow {
    fn progress(&mut self) -> &mut Progress {
        &mut self.progress
    }
}

impl DataAnalysisResult {
    pub fn failed(error: String) -> Self {
        DataAnalysisResult {
            success: false,
            error: Some(error),
            ..Default::default()
        }
    }
}

#[workflow_methods]
impl DataAnalysisWorkflow {
    #[run(name = "DataAnalysisWorkflow")]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        request: Input<DataAnalysisRequest>,
    ) -> WorkflowResult<DataAnalysisResult> {
        let result = Self::analyse(ctx, request)
            .await
            .unwrap_or_else(DataAnalysisResult::failed);
        let error = result.error.clone();
        ended(ctx, result, error)
    }

    #[query(name = "status")]
    pub fn status(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

impl DataAnalysisWorkflow {
    async fn analyse(
        ctx: &mut WorkflowContext<Self>,
        request: Input<DataAnalysisRequest>,
    ) -> Result<DataAnalysisResult, String> {
        let d = ctx.state(|w| w.retry_defaults());
        let request = request.into_request()?;
        // A request for an unknown analysis fails before any work (deterministic, no activity).
        AnalysisType::parse(&request.analysis_type)?;
        // 1. The file: 30 s; the original set no policy, so the configured one applies.
        let check = options(Duration::from_secs(30), configured_retry(d, &[]));
        let file = step(
            ctx,
            DataActivities::validate_data_file,
            request.file_path.clone(),
            check,
        )
        .await?;
        let Some(path) = file.path.filter(|_| file.valid) else {
            return Err(format!(
                "File validation failed: {}",
                file.reason.unwrap_or_default()
            ));
        };
        // 2. Loading: 5 min, 3 attempts.
        let load = options(Duration::from_secs(300), attempts(d, 3, INVALID));
        let loaded = step(
            ctx,
            DataActivities::load_data,
            LoadRequest {
                path,
                sheet: request.sheet.clone(),
                user_id: request.user_id.clone(),
            },
            load,
        )
        .await?;
        // 3. Analysis: 30 min, 2 attempts, 10 s first interval.
        let analyse = options(
            Duration::from_secs(1800),
            retry(2, Duration::from_secs(10), Duration::from_secs(60), INVALID),
        );
        let analysis_request = AnalysisRequest {
            table_path: loaded.table_path.clone(),
            analysis_type: request.analysis_type.clone(),
            columns: request.columns.clone().unwrap_or_default(),
            n_clusters: request.n_clusters,
        };
        let analysed = step(
            ctx,
            DataActivities::perform_analysis,
            analysis_request,
            analyse,
        )
        .await?;
        // 4. Charts: 5 min, configured policy.
        let draw = options(Duration::from_secs(300), configured_retry(d, &[]));
        let chart_request = ChartRequest {
            table_path: loaded.table_path,
            results: analysed.results.clone(),
        };
        let charted = step(
            ctx,
            DataActivities::generate_visualizations,
            chart_request,
            draw,
        )
        .await?;
        let mut results = analysed.results;
        results["charts"] = serde_json::json!(charted.charts);
        Ok(DataAnalysisResult {
            success: true,
            results: Some(results),
            output_path: Some(charted.output_path),
            error: None,
            relative_output_path: charted.relative_path,
        })
    }
}
