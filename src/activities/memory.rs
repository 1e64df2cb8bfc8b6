//! MemoryExpansionWorkflow's activities: extract the memories of a conversation (with the
//! rules of `domain::memory`), store them once, bring the full-text index up to date.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::{StepError, blocking};
use super::faults::Faults;
use super::supervise::supervised;
use crate::domain::memory::extract::{Extraction, Message, extract, message_memory};
use crate::domain::memory::request;
use crate::store::Store;
use crate::wire::attempt::attempted;
use crate::wire::memory::Memory;

/// The error type of requests no retry can fix.
pub const INVALID: &str = "InvalidMemoryRequest";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    pub info: Extraction,
    pub attempt: u32,
}

/// What store_memories gets (the original's `{conversation_id, info, user_id}`, plus the
/// messages, whose kept ones `info` names by index).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoriesToStore {
    pub conversation_id: String,
    pub user_id: Option<String>,
    pub messages: Vec<Message>,
    pub info: Extraction,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMemories {
    /// Memories that were not stored before this workflow (on a retry, those an earlier
    /// attempt of it stored count too).
    pub new: u64,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedMemories {
    /// Memories added to the full-text index by this call.
    pub indexed: u64,
    pub attempt: u32,
}

attempted!(Extracted, StoredMemories, IndexedMemories);

pub struct MemoryActivities {
    pub store: Store,
    pub faults: Faults,
}

/// The workflow checked the request; an activity called some other way still gets no more
/// than `MAX_MESSAGES` messages. (Not the byte limit: the checked messages may be longer than
/// the request, a numeric timestamp becoming RFC 3339 text.)
fn check_messages(messages: &[Message]) -> Result<(), StepError> {
    request::check_size(messages.len(), 0).map_err(|e| StepError::invalid(INVALID, e))
}

/// `extract_memory_information`'s work: the messages to keep and the typed memories.
pub async fn extract_memory_information(
    messages: Vec<Message>,
    attempt: u32,
) -> Result<Extracted, StepError> {
    // Checked again: another client may call the activity with anything.
    check_messages(&messages)?;
    blocking(move || {
        let info = extract(&messages);
        if info.truncated {
            tracing::warn!(
                kept = info.kept.len(),
                memories = info.memories.len(),
                "typed memories were cut at the extraction's size limit"
            );
        }
        Ok(Extracted { info, attempt })
    })
    .await
}

/// The memories an extraction of `messages` stands for: the kept messages (by index), then
/// the typed memories.
pub fn extracted_memories(
    messages: &[Message],
    info: Extraction,
) -> Result<Vec<Memory>, StepError> {
    check_messages(messages)?;
    let mut memories = Vec::with_capacity(info.kept.len() + info.memories.len());
    for &i in &info.kept {
        let message = messages.get(i as usize).ok_or_else(|| {
            StepError::invalid(INVALID, format!("kept message {i} is not in the request"))
        })?;
        memories.push(message_memory(i, message));
    }
    memories.extend(info.memories);
    Ok(memories)
}

/// `store_memories`'s work: the memories the store does not hold yet; returns how many.
pub async fn store_memories(
    store: Store,
    conversation_id: String,
    user_id: Option<String>,
    workflow_id: Option<String>,
    memories: Vec<Memory>,
    attempt: u32,
) -> Result<StoredMemories, StepError> {
    blocking(move || {
        let new = store
            .insert_memories(
                &conversation_id,
                user_id.as_deref(),
                workflow_id.as_deref(),
                &memories,
            )
            .map_err(|e| StepError::Store(format!("cannot store the memories: {e}")))?;
        // A retry after an attempt that stored but could not report: the memories this
        // workflow stored are its new ones, so the count is the one the lost result had.
        let new = match workflow_id.as_deref() {
            Some(id) if attempt > 1 => store
                .conversation_memories(&conversation_id)
                .map_err(|e| StepError::Store(format!("cannot count the memories: {e}")))?
                .iter()
                .filter(|m| m.workflow_id.as_deref() == Some(id))
                .count() as u64,
            _ => new,
        };
        Ok(StoredMemories { new, attempt })
    })
    .await
}

/// `update_memory_indexes`'s work: indexes every memory not indexed yet (this
/// conversation's, and any an earlier run stored but could not index).
pub async fn update_memory_indexes(
    store: Store,
    conversation_id: String,
    attempt: u32,
) -> Result<IndexedMemories, StepError> {
    blocking(move || {
        let indexed = store.index_pending_memories().map_err(|e| {
            StepError::Store(format!(
                "cannot index the memories of {conversation_id}: {e}"
            ))
        })?;
        Ok(IndexedMemories { indexed, attempt })
    })
    .await
}

/// Each activity runs the plain function of its name above (direct calls run them too).
#[activities]
impl MemoryActivities {
    #[activity(name = "extract_memory_information")]
    pub async fn extract_memory_information(
        self: Arc<Self>,
        ctx: ActivityContext,
        messages: Vec<Message>,
    ) -> Result<Extracted, ActivityError> {
        let attempt = self
            .faults
            .enter("extract_memory_information", &ctx)
            .await?;
        supervised(&ctx, extract_memory_information(messages, attempt)).await
    }

    #[activity(name = "store_memories")]
    pub async fn store_memories(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: MemoriesToStore,
    ) -> Result<StoredMemories, ActivityError> {
        let attempt = self.faults.enter("store_memories", &ctx).await?;
        let memories = extracted_memories(&request.messages, request.info)?;
        let workflow_id = ctx.info().workflow_id.clone();
        let store = self.store.clone();
        let work = store_memories(
            store,
            request.conversation_id,
            request.user_id,
            workflow_id,
            memories,
            attempt,
        );
        self.faults
            .leave("store_memories", attempt, supervised(&ctx, work).await)
    }

    #[activity(name = "update_memory_indexes")]
    pub async fn update_memory_indexes(
        self: Arc<Self>,
        ctx: ActivityContext,
        conversation_id: String,
    ) -> Result<IndexedMemories, ActivityError> {
        let attempt = self.faults.enter("update_memory_indexes", &ctx).await?;
        let work = update_memory_indexes(self.store.clone(), conversation_id, attempt);
        self.faults.leave(
            "update_memory_indexes",
            attempt,
            supervised(&ctx, work).await,
        )
    }
}
