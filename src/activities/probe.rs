//! The probe's one activity: it does nothing but answer, so a probe run costs only the
//! orchestration (server round trips, history, the worker's task handling).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::faults::Faults;
use crate::wire::attempt::attempted;

/// Which step of the probe this is, and the payload it carries through unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStep {
    pub step: u32,
    pub payload: String,
    #[serde(default)]
    pub attempt: u32,
}

attempted!(ProbeStep);

pub struct ProbeActivities {
    pub faults: Faults,
}

#[activities]
impl ProbeActivities {
    #[activity(name = "probe_step")]
    pub async fn probe_step(
        self: Arc<Self>,
        ctx: ActivityContext,
        step: ProbeStep,
    ) -> Result<ProbeStep, ActivityError> {
        let attempt = self.faults.enter("probe_step", &ctx).await?;
        Ok(ProbeStep { attempt, ..step })
    }
}
