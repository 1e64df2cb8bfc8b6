//! What a worker can host, written once: every workflow type and every activity, by the
//! names other Temporal clients use. A worker registers all of them, or the subset its
//! caller chose (a specialised worker: image generation alone on a GPU host, say).

use std::collections::BTreeSet;
use std::sync::Arc;

use temporalio_common::{ActivityDefinition, WorkflowDefinition};
use temporalio_sdk::WorkerOptions;
use temporalio_sdk::activities::ExecutableActivity;
use temporalio_sdk::workflow_replayer::WorkflowReplayerOptions;
use temporalio_sdk::workflows::WorkflowRegistrationError;
use temporalio_workflow::workflows::WorkflowImplementation;

use super::WorkerError;
use crate::activities::data::DataActivities;
use crate::activities::image::ImageActivities;
use crate::activities::learning::LearningActivities;
use crate::activities::memory::MemoryActivities;
use crate::activities::probe::ProbeActivities;
use crate::workflows::policy::{Configured, RetryDefaults};
use crate::workflows::{
    self, AILearningWorkflow, DataAnalysisWorkflow, ImageGenerationWorkflow,
    MemoryExpansionWorkflow, OrchestrationProbeWorkflow,
};

/// Which names of a kind (workflow types or activities) a worker registers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    All,
    Only(BTreeSet<String>),
}

impl Selection {
    /// `None` is every one; otherwise exactly the named ones, each of which must be `known`.
    pub fn new(
        names: Option<Vec<String>>,
        kind: &str,
        known: &[String],
    ) -> Result<Self, WorkerError> {
        let Some(names) = names else {
            return Ok(Selection::All);
        };
        if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
            return Err(WorkerError::Start(format!(
                "{unknown:?} is not a {kind} this worker can host; the {kind}s are: {}",
                known.join(", ")
            )));
        }
        Ok(Selection::Only(names.into_iter().collect()))
    }

    pub fn includes(&self, name: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Only(names) => names.contains(name),
        }
    }
}

/// The activity implementations, each shared by the activities it holds.
pub struct Implementers {
    pub learning: Arc<LearningActivities>,
    pub image: Arc<ImageActivities>,
    pub data: Arc<DataActivities>,
    pub memory: Arc<MemoryActivities>,
    pub probe: Arc<ProbeActivities>,
}

fn register_if_chosen<A>(
    options: &mut WorkerOptions,
    chosen: &Selection,
    activity: A,
    implementer: &Arc<A::Implementer>,
) where
    A: ActivityDefinition + ExecutableActivity,
    A::Input: Send + Sync,
    A::Output: Send + Sync,
{
    if chosen.includes(activity.name()) {
        options.register_activity::<A>(implementer.clone());
    }
}

/// Where workflows are registered: a worker's options, or a replayer's (which must hold
/// the same workflows the workers run).
pub trait WorkflowRegistrar {
    fn register<W, F>(&mut self, factory: F) -> Result<(), WorkflowRegistrationError>
    where
        W: WorkflowImplementation,
        <W::Run as WorkflowDefinition>::Input: Send,
        F: Fn() -> W + Send + Sync + 'static;
}

macro_rules! registrar {
    ($($options:ty),+) => {$(
        impl WorkflowRegistrar for $options {
            fn register<W, F>(&mut self, factory: F) -> Result<(), WorkflowRegistrationError>
            where
                W: WorkflowImplementation,
                <W::Run as WorkflowDefinition>::Input: Send,
                F: Fn() -> W + Send + Sync + 'static,
            {
                self.register_workflow_with_factory::<W, F>(factory).map(|_| ())
            }
        }
    )+};
}
registrar!(WorkerOptions, WorkflowReplayerOptions);

/// One workflow type with the activities it runs, under a short name (learning, image,
/// data, memory, probe) that the command line uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedGroup {
    pub name: &'static str,
    pub workflow: String,
    pub activities: Vec<String>,
}

macro_rules! hosted {
    ($(
        $group:ident: $workflow:ty = $name:expr, $implementer:ty => [$($activity:ident),+ $(,)?]
    ),+ $(,)?) => {
        /// Registers the chosen workflows, each made with this worker's retry defaults.
        pub fn register_workflows(options: &mut impl WorkflowRegistrar, chosen: &Selection, retry: RetryDefaults) -> Result<(), WorkerError> {
            $(if chosen.includes($name) {
                options
                    .register::<$workflow, _>(move || <$workflow>::configured(retry))
                    .map_err(|e| WorkerError::Start(e.to_string()))?;
            })+
            Ok(())
        }

        /// Registers the chosen activities.
        pub fn register_activities(options: &mut WorkerOptions, implementers: &Implementers, chosen: &Selection) {
            $($(register_if_chosen(options, chosen, <$implementer>::$activity, &implementers.$group);)+)+
        }

        /// What a worker can host, a group per workflow type, in registration order.
        pub fn hosted_groups() -> Vec<HostedGroup> {
            vec![$(HostedGroup {
                name: stringify!($group),
                workflow: $name.to_owned(),
                activities: vec![$(<$implementer>::$activity.name().to_owned()),+],
            }),+]
        }
    };
}

hosted!(
    learning: AILearningWorkflow = workflows::learning::NAME, LearningActivities => [
        validate_learning_content,
        check_black_vault,
        process_learning_request,
        store_knowledge,
    ],
    image: ImageGenerationWorkflow = workflows::image::NAME, ImageActivities => [
        check_content_safety,
        generate_image,
        store_image_metadata,
    ],
    data: DataAnalysisWorkflow = workflows::data::NAME, DataActivities => [
        validate_data_file,
        load_data,
        perform_analysis,
        generate_visualizations,
    ],
    memory: MemoryExpansionWorkflow = workflows::memory::NAME, MemoryActivities => [
        extract_memory_information,
        store_memories,
        update_memory_indexes,
    ],
    probe: OrchestrationProbeWorkflow = workflows::probe::NAME, ProbeActivities => [probe_step],
);

/// The workflow type names a worker can host, in registration order.
pub fn workflow_types() -> Vec<String> {
    hosted_groups().into_iter().map(|g| g.workflow).collect()
}

/// Every activity name a worker can host.
pub fn activity_names() -> Vec<String> {
    hosted_groups()
        .into_iter()
        .flat_map(|g| g.activities)
        .collect()
}

/// The workflow types and activities a worker is to host (`None`: all of that kind); an
/// unknown name is an error naming the ones a worker can host.
pub fn choose(
    workflows: Option<Vec<String>>,
    activities: Option<Vec<String>>,
) -> Result<(Selection, Selection), WorkerError> {
    Ok((
        Selection::new(workflows, "workflow type", &workflow_types())?,
        Selection::new(activities, "activity", &activity_names())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_activity_names_are_hosted() {
        let names = activity_names();
        for name in [
            "validate_learning_content",
            "check_black_vault",
            "process_learning_request",
            "store_knowledge",
            "check_content_safety",
            "generate_image",
            "store_image_metadata",
            "validate_data_file",
            "load_data",
            "perform_analysis",
            "generate_visualizations",
            "extract_memory_information",
            "store_memories",
            "update_memory_indexes",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} is not hosted");
        }
        assert_eq!(names.len(), 15, "the 14 activities and the probe step");
    }

    #[test]
    fn a_selection_names_what_is_unknown_and_what_is_allowed() {
        let known = workflow_types();
        let error = Selection::new(Some(vec!["Nope".into()]), "workflow type", &known)
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"Nope\""), "{error}");
        assert!(error.contains("AILearningWorkflow"), "{error}");
        let chosen = Selection::new(
            Some(vec!["ImageGenerationWorkflow".into()]),
            "workflow type",
            &known,
        )
        .unwrap();
        assert!(chosen.includes("ImageGenerationWorkflow"));
        assert!(!chosen.includes("AILearningWorkflow"));
        assert!(
            Selection::new(None, "workflow type", &known)
                .unwrap()
                .includes("x")
        );
    }
}
