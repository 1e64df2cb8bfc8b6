//! Replay of the kept histories (tests/histories/<version>/) against this build, and of a
//! deliberately changed learning workflow: without `patched()` the change is caught, with
//! it the old histories replay.

use std::path::PathBuf;
use std::time::Duration;

use temporalio_sdk::WorkflowContext;

use super::*;
use crate::activities::learning::LearningActivities;
use crate::workflows::AILearningWorkflow;
use crate::workflows::policy::{Configured, options as step_options};
use crate::workflows::steps::step;

/// How the learning workflow is changed for a test: a new step, a second Black Vault check
/// of the processed summary before storing, as docs/ARCHITECTURE.md's example adds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Change {
    #[default]
    None,
    Unpatched,
    Patched,
}

pub const NEW_STEP_PATCH: &str = "learning-vault-recheck";

/// The changed part of the learning workflow, between processing and storing.
pub async fn new_step(
    ctx: &mut WorkflowContext<AILearningWorkflow>,
    summary: &str,
) -> Result<(), String> {
    let change = ctx.state(|w| w.change);
    let runs = match change {
        Change::None => false,
        Change::Unpatched => true,
        Change::Patched => ctx.patched(NEW_STEP_PATCH),
    };
    if runs {
        let options = step_options(
            Duration::from_secs(10),
            crate::workflows::policy::configured_retry(RetryDefaults::default(), &[]),
        );
        step(
            ctx,
            LearningActivities::check_black_vault,
            summary.to_owned(),
            options,
        )
        .await?;
    }
    Ok(())
}

fn kept_histories() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/histories")
        .map(|entry| entry.unwrap().path())
        .filter(|version| version.is_dir())
        .flat_map(|version| std::fs::read_dir(version).unwrap())
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Every kept history of learning, replayed against the learning workflow with `change`.
fn learning_with(change: Change) -> Vec<Replayed> {
    let mut options = WorkflowReplayerOptions::new().build();
    options
        .register_workflow_with_factory::<AILearningWorkflow, _>(move || {
            let mut workflow = AILearningWorkflow::configured(RetryDefaults::default());
            workflow.change = change;
            workflow
        })
        .unwrap();
    let learning: Vec<Recorded> = kept_histories()
        .iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("learning-")
        })
        .map(|p| Recorded::from_file(p))
        .collect();
    assert!(learning.len() >= 4, "the kept learning histories");
    runtime().block_on(replay_with(options, learning)).unwrap()
}

#[test]
fn every_kept_history_replays_against_this_build() {
    let files = kept_histories();
    assert!(files.len() >= 17, "{files:?}");
    let recorded = files.iter().map(|p| Recorded::from_file(p)).collect();
    let reports = runtime().block_on(replay(recorded)).unwrap();
    let failed: Vec<_> = reports.iter().filter(|r| !r.is_ok()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let types: std::collections::BTreeSet<_> =
        reports.iter().map(|r| r.workflow_type.as_str()).collect();
    assert_eq!(types.len(), 5, "every workflow type is kept: {types:?}");
}

#[test]
fn a_new_step_without_a_patch_is_caught_at_its_event() {
    let reports = learning_with(Change::Unpatched);
    // The histories that reached storing were made without the new step; the others
    // ended before it.
    let (reached_store, ended_before): (Vec<_>, Vec<_>) = reports
        .iter()
        .partition(|r| r.source.contains("-success") || r.source.contains("-query"));
    assert!(reached_store.len() >= 2 && ended_before.iter().all(|r| r.is_ok()));
    for report in reached_store {
        let Verdict::NonDeterministic { event_id, message } = &report.verdict else {
            panic!("{report:#?}");
        };
        // Where the old history scheduled store_knowledge, the new code checks the vault.
        let history = Recorded::from_file(std::path::Path::new(&report.source))
            .history
            .unwrap();
        let event = history
            .events
            .iter()
            .find(|e| Some(e.event_id) == *event_id);
        assert!(
            event.is_some_and(|e| format!("{:?}", e.attributes).contains("store_knowledge")),
            "{report:#?}"
        );
        assert!(
            message.starts_with("[TMPRL1100] Nondeterminism error: Activity type of scheduled")
                && message.ends_with("'check_black_vault'"),
            "{message}"
        );
    }
}

#[test]
fn the_same_step_behind_patched_replays_every_kept_history() {
    let reports = learning_with(Change::Patched);
    assert!(reports.iter().all(Replayed::is_ok), "{reports:#?}");
}

#[test]
fn unreadable_and_foreign_histories_are_reported_not_replayed() {
    let dir = std::env::temp_dir().join(format!("replay-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let foreign = dir.join("foreign.json");
    std::fs::write(
        &foreign,
        br#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
            "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "Other"}}}]}"#,
    )
    .unwrap();
    // A workflow task started and then nothing that ends it: the replayer itself would
    // panic on it.
    let mut history: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            kept_histories()
                .iter()
                .find(|p| p.ends_with("0.1.0/learning-success.json"))
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let events = history["events"].as_array_mut().unwrap();
    events.retain(|e| e["eventId"] != "4");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&history).unwrap()).unwrap();
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, b"{\"events\": 7}").unwrap();
    // Over the budget (a sparse file: nothing is written), and not a regular file.
    let huge = dir.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(json::MAX_HISTORY_BYTES + 1)
        .unwrap();
    let mut recorded = vec![
        Recorded::from_file(&foreign),
        Recorded::from_file(&garbage),
        Recorded::from_file(&dir.join("missing.json")),
        Recorded::from_file(&broken),
    ];
    recorded.extend(read_files(&[empty]));
    recorded.push(Recorded::from_file(&huge));
    recorded.push(Recorded::from_file(std::path::Path::new("/dev/zero")));
    let reports = runtime().block_on(replay(recorded)).unwrap();
    let messages: Vec<String> = reports
        .iter()
        .map(|r| match &r.verdict {
            Verdict::Unreadable { message } => message.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        messages[0].contains("\"Other\" is not a workflow of this build"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("not a Temporal history"),
        "{messages:?}"
    );
    assert!(messages[2].contains("cannot open"), "{messages:?}");
    assert!(
        messages[3].contains("workflow tasks do not add up"),
        "{messages:?}"
    );
    assert!(
        messages[4].contains("no *.json history files"),
        "{messages:?}"
    );
    assert!(
        messages[5].contains("at most 67108864 are read"),
        "{messages:?}"
    );
    assert!(
        messages[6].contains("is not a regular file"),
        "{messages:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_event_named_in_a_message_is_found() {
    assert_eq!(
        event_named_in("No command for HistoryEvent(id: 17, ..", &[]),
        Some(17)
    );
    assert_eq!(
        event_named_in("scheduled event 'x' does not match", &[]),
        None
    );
    assert_eq!(event_named_in("nothing here", &[]), None);
}
