//! A test-only fault switch, off unless `PROJECT_AI_TEMPORAL_FAULTS` is set when a worker
//! starts. It makes chosen activities misbehave so tests can watch retries and timeouts:
//!
//! `PROJECT_AI_TEMPORAL_FAULTS="process_learning_request=fail:2,store_knowledge=sleep:40"`
//!
//! - `fail:N`: attempts 1..=N fail with a retryable error;
//! - `sleep:S`: every attempt first sleeps S seconds (to exceed a timeout);
//! - `panic:N`: attempts 1..=N panic (the worker must survive);
//! - `lose:N`: attempts 1..=N do their work (a store activity writes) and then fail with a
//!   retryable error, as when a worker dies before reporting: the retry must not store twice.

use std::collections::HashMap;
use std::time::Duration;

use futures::FutureExt;

use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::retryable;
use super::supervise::supervised;

pub const FAULTS_ENV: &str = "PROJECT_AI_TEMPORAL_FAULTS";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Fail(u32),
    Sleep(Duration),
    Panic(u32),
    LoseResult(u32),
}

#[derive(Debug, Clone, Default)]
pub struct Faults(HashMap<String, Fault>);

impl Faults {
    /// The faults the environment asks for; a malformed entry is an error naming it.
    pub fn from_env() -> Result<Self, String> {
        std::env::var(FAULTS_ENV).map_or(Ok(Faults::default()), |spec| Self::parse(&spec))
    }

    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut faults = HashMap::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || {
                format!(
                    "{FAULTS_ENV}: {entry:?} is not activity=fail:N, activity=sleep:SECONDS, activity=panic:N or activity=lose:N"
                )
            };
            let (activity, fault) = entry.split_once('=').ok_or_else(bad)?;
            let (kind, amount) = fault.split_once(':').ok_or_else(bad)?;
            let fault = match kind {
                "fail" => Fault::Fail(amount.parse().map_err(|_| bad())?),
                "panic" => Fault::Panic(amount.parse().map_err(|_| bad())?),
                "lose" => Fault::LoseResult(amount.parse().map_err(|_| bad())?),
                // try_from: infinite, NaN or huge seconds are refused, not a panic.
                "sleep" => Fault::Sleep(
                    Duration::try_from_secs_f64(amount.parse::<f64>().map_err(|_| bad())?)
                        .map_err(|_| bad())?,
                ),
                _ => return Err(bad()),
            };
            faults.insert(activity.trim().to_owned(), fault);
        }
        Ok(Faults(faults))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Starts an attempt of `activity`: applies its fault, if any, and returns the attempt
    /// number (1 for the first).
    pub async fn enter(&self, activity: &str, ctx: &ActivityContext) -> Result<u32, ActivityError> {
        let attempt = ctx.info().attempt;
        match self.0.get(activity) {
            Some(Fault::Fail(n)) if attempt <= *n => Err(retryable(format!(
                "injected fault: attempt {attempt} of the first {n} fails"
            ))),
            Some(Fault::Panic(n)) if attempt <= *n => {
                panic!("injected panic in {activity}, attempt {attempt}")
            }
            // Slept like a long step: heartbeating, and stopped by a cancellation.
            Some(Fault::Sleep(d)) => {
                let slept = tokio::time::sleep(*d).map(Ok::<(), ActivityError>);
                supervised(ctx, slept).await.map(|()| attempt)
            }
            _ => Ok(attempt),
        }
    }

    /// Ends attempt `attempt` of `activity` with `done`, unless a `lose:N` fault drops its
    /// result.
    pub fn leave<T>(
        &self,
        activity: &str,
        attempt: u32,
        done: Result<T, ActivityError>,
    ) -> Result<T, ActivityError> {
        match self.0.get(activity) {
            Some(Fault::LoseResult(n)) if attempt <= *n && done.is_ok() => Err(retryable(format!(
                "injected fault: attempt {attempt} did its work, and its result is lost"
            ))),
            _ => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        let f = Faults::parse("a=fail:2, b=sleep:1.5,c=panic:1,d=lose:1").unwrap();
        assert_eq!(f.0["a"], Fault::Fail(2));
        assert_eq!(f.0["d"], Fault::LoseResult(1));
        assert!(f.leave("d", 1, Ok(())).is_err());
        assert!(f.leave("d", 2, Ok(())).is_ok());
        assert_eq!(f.0["b"], Fault::Sleep(Duration::from_millis(1500)));
        assert!(
            Faults::parse("a=explode:1")
                .unwrap_err()
                .contains("a=explode:1")
        );
        assert!(Faults::parse("").unwrap().is_empty());
    }
}
