//! Upgrades by replay: this build's workflow code run against histories that earlier builds
//! recorded (kept files, or workflows fetched from a server), so a change to a workflow's
//! commands is caught before the workers that would fail on it are deployed.

pub mod json;
pub mod server;

use std::path::Path;

use serde::Serialize;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use temporalio_common::protos::temporal::api::history::v1::{History, HistoryEvent};
use temporalio_sdk::workflow_replayer::{
    WorkflowReplayFailure, WorkflowReplayer, WorkflowReplayerOptions,
};
use temporalio_sdk_core::replay::HistoryInfo;

use crate::worker::registry::{self, Selection};
use crate::workflows::policy::RetryDefaults;

/// Why a replay could not run at all (each history's own outcome is in its `Replayed`).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The choice of workflows is not allowed (an unknown type, a limit out of range).
    #[error("{0}")]
    Selection(String),
    /// The server could not list the workflows.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// The replayer itself failed.
    #[error("replay failed: {0}")]
    Replayer(String),
}

const REPLAY_BASE_TIME: std::time::Duration = std::time::Duration::from_secs(60);
const REPLAY_TIME_PER_HISTORY: std::time::Duration = std::time::Duration::from_secs(1);

/// A history to replay, under the name a report shows (a file path, or workflow id and run).
pub struct Recorded {
    pub source: String,
    /// The history, or why it could not be read.
    pub history: Result<History, String>,
}

impl Recorded {
    /// The history in a JSON file (`temporal workflow show -o json`), read within budget.
    pub fn from_file(path: &Path) -> Recorded {
        let history = crate::files::capped::read_capped(path, json::MAX_HISTORY_BYTES)
            .and_then(|bytes| json::parse(&bytes));
        Recorded {
            source: path.display().to_string(),
            history,
        }
    }
}

/// How one history replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    /// This build makes the same commands the history recorded.
    Ok,
    /// This build's commands differ from the history's at `event_id` (when core names it).
    NonDeterministic {
        event_id: Option<i64>,
        message: String,
    },
    /// The workflow code failed a task while replaying (a panic, say).
    Failed { message: String },
    /// The history could not be read, or is not of a workflow this build has.
    Unreadable { message: String },
}

/// One history's replay, as the table and the JSON report show it.
#[derive(Debug, Clone, Serialize)]
pub struct Replayed {
    pub source: String,
    pub workflow_type: String,
    pub workflow_id: String,
    pub events: usize,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl Replayed {
    pub fn is_ok(&self) -> bool {
        self.verdict == Verdict::Ok
    }
}

/// The workflow type and id its first event (WorkflowExecutionStarted) records.
fn started(history: &History) -> Option<(String, String)> {
    match history.events.first()?.attributes.as_ref()? {
        Attributes::WorkflowExecutionStartedEventAttributes(a) => Some((
            a.workflow_type.as_ref()?.name.clone(),
            a.workflow_id.clone(),
        )),
        _ => None,
    }
}

/// The event a nondeterminism message is about: the one it names by id ("id: 7"), or the
/// first scheduled activity of the type it names ("scheduled event 'store_knowledge'").
fn event_named_in(message: &str, events: &[HistoryEvent]) -> Option<i64> {
    let after = |marker: &str| message.find(marker).map(|at| &message[at + marker.len()..]);
    let by_id = after("id: ").and_then(|rest| {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    });
    let activity = || {
        let rest = after("scheduled event '")?;
        let name = &rest[..rest.find('\'')?];
        events.iter().find_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskScheduledEventAttributes(a))
                if a.activity_type.as_ref().is_some_and(|t| t.name == name) =>
            {
                Some(e.event_id)
            }
            _ => None,
        })
    };
    by_id.or_else(activity)
}

/// The reason inside core's wrapping ("... Failure { message: \"[TMPRL1100] ...\", ..."),
/// or the whole message when it has no such part.
fn core_reason(message: &str) -> &str {
    message
        .find("[TMPRL")
        .map(|start| {
            let reason = &message[start..];
            reason.find("\", ").map_or(reason, |end| &reason[..end])
        })
        .unwrap_or(message)
}

fn verdict(failure: Option<WorkflowReplayFailure>, events: &[HistoryEvent]) -> Verdict {
    match failure {
        None => Verdict::Ok,
        Some(WorkflowReplayFailure::Nondeterminism { message }) => Verdict::NonDeterministic {
            event_id: event_named_in(&message, events),
            message: core_reason(&message).to_owned(),
        },
        Some(WorkflowReplayFailure::InvalidHistory { message }) => Verdict::Unreadable { message },
        Some(other) => Verdict::Failed {
            message: other.to_string(),
        },
    }
}

/// A replayer with every workflow this build hosts (retry defaults do not change the
/// commands a workflow makes, so the defaults serve every worker's histories).
fn replayer_options() -> Result<WorkflowReplayerOptions, ReplayError> {
    let mut options = WorkflowReplayerOptions::new().build();
    registry::register_workflows(&mut options, &Selection::All, RetryDefaults::default())
        .map_err(|e| ReplayError::Replayer(e.to_string()))?;
    Ok(options)
}

/// Replays `recorded` against this build's workflows, in order.
pub async fn replay(recorded: Vec<Recorded>) -> Result<Vec<Replayed>, ReplayError> {
    replay_with(replayer_options()?, recorded).await
}

/// The histories in `files` (folders stand for the `*.json` files in them, in name order).
pub fn read_files(files: &[std::path::PathBuf]) -> Vec<Recorded> {
    let mut recorded = Vec::new();
    for path in files {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut inside: Vec<_> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect();
                inside.sort();
                if inside.is_empty() {
                    recorded.push(Recorded {
                        source: path.display().to_string(),
                        history: Err("the folder has no *.json history files".into()),
                    });
                }
                recorded.extend(inside.iter().map(|p| Recorded::from_file(p)));
            }
            Err(_) => recorded.push(Recorded::from_file(path)),
        }
    }
    recorded
}

/// `replay` with chosen workflow implementations (the tests replay changed workflows).
pub(crate) async fn replay_with(
    options: WorkflowReplayerOptions,
    recorded: Vec<Recorded>,
) -> Result<Vec<Replayed>, ReplayError> {
    let known = registry::workflow_types();
    let mut reports = Vec::with_capacity(recorded.len());
    let mut runnable = Vec::new();
    for Recorded { source, history } in recorded {
        let (workflow_type, workflow_id) =
            history.as_ref().ok().and_then(started).unwrap_or_default();
        let events = history.as_ref().map_or(0, |h| h.events.len());
        let unreadable = match &history {
            Err(message) => Some(message.clone()),
            Ok(_) if workflow_type.is_empty() => {
                Some("the history does not begin with WorkflowExecutionStarted".to_owned())
            }
            Ok(_) if !known.contains(&workflow_type) => Some(format!(
                "{workflow_type:?} is not a workflow of this build; it has {}",
                known.join(", ")
            )),
            // The replayer's own reading of the workflow tasks panics on a malformed
            // sequence (a started task followed by anything but its end, say).
            Ok(h) => HistoryInfo::new_from_history(h, None)
                .err()
                .map(|e| format!("the history's workflow tasks do not add up: {e}")),
        };
        let verdict = match unreadable {
            Some(message) => Verdict::Unreadable { message },
            None => {
                runnable.push((reports.len(), history.expect("checked above")));
                Verdict::Ok
            }
        };
        reports.push(Replayed {
            source,
            workflow_type,
            workflow_id,
            events,
            verdict,
        });
    }
    if runnable.is_empty() {
        return Ok(reports);
    }
    let (slots, histories): (Vec<usize>, Vec<History>) = runnable.into_iter().unzip();
    // A replay runs workflow code without its activities, in milliseconds per history; a
    // replayer that takes this long is stuck, and the caller gets an answer.
    let allowed = REPLAY_BASE_TIME + REPLAY_TIME_PER_HISTORY * histories.len() as u32;
    let outcomes = tokio::time::timeout(allowed, on_own_thread(options, histories))
        .await
        .map_err(|_| ReplayError::Replayer(format!("the replayer gave no answer in {allowed:?}")))?
        .map_err(ReplayError::Replayer)?;
    for (slot, verdict) in slots.into_iter().zip(outcomes) {
        reports[slot].verdict = verdict;
    }
    Ok(reports)
}

/// Runs the replayer (whose futures are not `Send`) on a thread of its own with a
/// single-threaded runtime, so any runtime, or none, can await it.
async fn on_own_thread(
    options: WorkflowReplayerOptions,
    histories: Vec<History>,
) -> Result<Vec<Verdict>, String> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("workflow-replay".into())
        .spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the replay runtime: {e}"))
                .and_then(|runtime| {
                    runtime.block_on(async {
                        let replayer = WorkflowReplayer::new(options).map_err(|e| e.to_string())?;
                        let results = replayer
                            .replay_workflows(histories.into_iter().map(Into::into))
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(results
                            .into_iter()
                            .map(|r| verdict(r.replay_failure, r.history.events()))
                            .collect())
                    })
                });
            let _ = sender.send(outcome);
        })
        .map_err(|e| format!("cannot start the replay thread: {e}"))?;
    receiver
        .await
        .map_err(|_| "the replay thread stopped without an answer".to_owned())?
}

#[cfg(test)]
pub(crate) mod tests;
