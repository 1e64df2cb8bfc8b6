//! The histories to replay from a server: this build's workflow types, open ones and those
//! closed since a time, newest first, at most a bounded count.

use futures::StreamExt;

use super::json::MAX_HISTORY_EVENTS;
use super::{Recorded, ReplayError};
use crate::client::TemporalClient;
use crate::worker::registry;

/// The most workflows one replay fetches (each history is read whole).
pub const MAX_WORKFLOWS: usize = 1000;
/// Histories fetched at once.
const FETCHING: usize = 8;
const PAGE: i32 = 100;

/// Which of a server's workflows to replay.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Workflow types (default: every type this build has).
    pub workflow_types: Option<Vec<String>>,
    /// Closed workflows only when they closed at or after this time (seconds since the
    /// epoch); open ones always. `None`: every closed one the server still keeps.
    pub closed_since: Option<i64>,
    /// At most this many, newest first (1..=MAX_WORKFLOWS).
    pub limit: usize,
}

/// The visibility query for `selection`; the error names what is not allowed.
pub fn query(selection: &Selection) -> Result<String, ReplayError> {
    let known = registry::workflow_types();
    let types = selection.workflow_types.clone().unwrap_or(known.clone());
    if types.is_empty() {
        return Err(ReplayError::Selection(
            "no workflow types chosen; the types are: ".to_owned() + &known.join(", "),
        ));
    }
    if let Some(unknown) = types.iter().find(|t| !known.contains(t)) {
        return Err(ReplayError::Selection(format!(
            "{unknown:?} is not a workflow type of this build; the types are: {}",
            known.join(", ")
        )));
    }
    if !(1..=MAX_WORKFLOWS).contains(&selection.limit) {
        return Err(ReplayError::Selection(format!(
            "the limit is {}; it must be between 1 and {MAX_WORKFLOWS}",
            selection.limit
        )));
    }
    // Known type names only, so quoting them cannot change the query.
    let quoted: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
    let mut query = format!("WorkflowType IN ({})", quoted.join(", "));
    if let Some(since) = selection.closed_since {
        let since = chrono::DateTime::from_timestamp(since, 0)
            .ok_or_else(|| ReplayError::Selection(format!("{since} is not a time")))?
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        query += &format!(" AND (ExecutionStatus = 'Running' OR CloseTime >= '{since}')");
    }
    Ok(query)
}

/// The chosen workflows' histories; one that cannot be fetched is reported as unreadable.
pub async fn fetch(
    client: &TemporalClient,
    selection: &Selection,
) -> Result<Vec<Recorded>, ReplayError> {
    let query = query(selection)?;
    let mut chosen = Vec::new();
    let mut token = Vec::new();
    loop {
        let (page, next) = client.list_page(&query, PAGE, token).await?;
        // An empty page that promises more would have this loop ask forever.
        let empty = page.is_empty();
        chosen.extend(page);
        if next.is_empty() || empty || chosen.len() >= selection.limit {
            break;
        }
        token = next;
    }
    chosen.truncate(selection.limit);
    Ok(futures::stream::iter(chosen)
        .map(|w| async move {
            let history = client
                .raw_history(&w.workflow_id, Some(&w.run_id), MAX_HISTORY_EVENTS)
                .await
                .map_err(|e| e.to_string());
            Recorded {
                source: format!("{} ({})", w.workflow_id, w.run_id),
                history,
            }
        })
        .buffered(FETCHING)
        .collect()
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(types: Option<&[&str]>, since: Option<i64>, limit: usize) -> Selection {
        Selection {
            workflow_types: types.map(|t| t.iter().map(|s| s.to_string()).collect()),
            closed_since: since,
            limit,
        }
    }

    #[test]
    fn the_query_holds_only_known_types_and_the_time() {
        let q = query(&selection(Some(&["AILearningWorkflow"]), Some(0), 5)).unwrap();
        assert_eq!(
            q,
            "WorkflowType IN ('AILearningWorkflow') AND \
             (ExecutionStatus = 'Running' OR CloseTime >= '1970-01-01T00:00:00Z')"
        );
        assert!(
            query(&selection(None, None, 1))
                .unwrap()
                .contains("'DataAnalysisWorkflow'")
        );
        for (bad, says) in [
            (
                selection(Some(&["X' OR 1=1"]), None, 5),
                "is not a workflow type",
            ),
            (selection(Some(&[]), None, 5), "no workflow types"),
            (selection(None, None, 0), "between 1 and 1000"),
            (
                selection(None, None, MAX_WORKFLOWS + 1),
                "between 1 and 1000",
            ),
            (selection(None, Some(i64::MAX), 5), "is not a time"),
        ] {
            let error = query(&bad).unwrap_err().to_string();
            assert!(error.contains(says), "{error}");
        }
    }
}
