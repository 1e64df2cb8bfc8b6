//! What a workflow's `status` query answers: the current step, the steps done, and how many
//! attempts each finished step took.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub workflow: String,
    /// The activity running now; "completed" or "failed" at the end.
    pub step: String,
    /// 1-based number of the current step.
    pub step_number: u32,
    pub total_steps: u32,
    pub completed_steps: Vec<String>,
    /// Attempts each finished step took (1 when it worked the first time).
    pub attempts: BTreeMap<String, u32>,
    pub error: Option<String>,
}

impl Progress {
    pub fn new(workflow: &str, total_steps: u32) -> Self {
        Progress {
            workflow: workflow.into(),
            step: "starting".into(),
            total_steps,
            ..Default::default()
        }
    }

    pub fn begin(&mut self, step: &str) {
        self.step = step.into();
        self.step_number = u32::try_from(self.completed_steps.len()).unwrap_or(u32::MAX) + 1;
    }

    pub fn finish(&mut self, step: &str, attempts: u32) {
        self.completed_steps.push(step.into());
        self.attempts.insert(step.into(), attempts);
    }

    pub fn end(&mut self, error: Option<String>) {
        self.step = if error.is_some() {
            "failed"
        } else {
            "completed"
        }
        .into();
        self.error = error;
    }

    /// The workflow was cancelled during its current step.
    pub fn cancel(&mut self) {
        self.error = Some(format!("cancelled during {}", self.step));
        self.step = "cancelled".into();
    }
}
