//! MemoryExpansionWorkflow's activities (extract the memories of a conversation, store
//! them once, bring the full-text index up to date) and the extraction rules: deterministic,
//! documented rules that turn a conversation into typed memories.
//!
//! Every message whose content has more than 20 characters is kept verbatim as conversation
//! text (a memory of kind `message`, as the original kept them). The typed memories come
//! from the messages whose role is `user` (any case), sentence by sentence, clause by
//! clause (clauses end at `, ; : ( ) — –` and at the word "but"). Rules are English;
//! matching ignores case, and "I'm", "I've", "I'd", "name's" are read as "I am", "I have",
//! "I would", "name is".
//!
//! | kind | rule (trigger, then the value) | subject | value | confidence |
//! | --- | --- | --- | --- | --- |
//! | fact | "my name is / my first name is / my full name is" + a name | `name` | the name | 0.9 |
//! | fact | "I am called / I go by" + a name | `name` | the name | 0.8 |
//! | fact | "call me" + a name, opening the clause | `name` | the name | 0.7 |
//! | fact | "I live in / reside in / am living in / am based in / am staying in / (have) moved to" + a place | `location` | the place | 0.85 |
//! | fact | "I am from / come from / grew up in" + a place | `hometown` | the place | 0.8 |
//! | fact | "I work at / work for / am employed at, by / am working at, for" + a name | `employer` | the employer | 0.85 |
//! | fact | "I work as / am working as / am employed as (a, an)" + words; "my role / position / occupation / profession is", "my job title is" + words | `role` | the role | 0.85 |
//! | fact | "my job is (a, an)" + words ending in an occupation | `role` | the role | 0.8 |
//! | fact | "I am a / an" + up to 3 words ending in an occupation (a listed one, or a word over 5 letters ending in -ist, -ian, -eer) | `role` | the role | 0.6 |
//! | preference | "I like / love / adore / prefer / enjoy / hate / detest / dislike" + a thing (not a pronoun: "I like it" is nothing) | the thing | `likes`, `loves`, `prefers`, `enjoys`, `hates`, `dislikes` | 0.8 |
//! | preference | "my favourite / favorite / fav" + X + "is / are / was" + Y | `favourite X` as written | Y | 0.85 |
//! | request | at the start of a sentence (after "please", "can you", "ok", ...): "remember that / to / :", "don't forget (that)", "do not forget", "never forget", "keep in mind (that)", "note to self", "make a note (that, of)" + the rest of the sentence | — | — | 0.95 |
//! | date | an ISO date (2027-05-03) | `deadline` or `date` | `2027-05-03` | 0.95 |
//! | date | a month-name date: "May 3", "May 3rd, 2027", "3 May", "3rd of May 2027" (invalid days such as April 31 are ignored) | `deadline` or `date` | `2027-05-03`, or `--05-03` without a year | 0.9 |
//! | date | "today", "tonight", "tomorrow", "next / this / coming" + weekday, week, weekend, month, year; "end of (the) day, week, month, year"; "on / by / before / until / till" + weekday | `deadline` or `date` | the phrase in lower case (`next friday`) | 0.6 |
//! | keyword | the 10 most frequent meaningful words (3+ letters, not a stop word, not a rule's own word such as "name" or "love", seen at least twice) of the user's messages; `text` is the word | — | — | 0.5 |
//! | message | any message (any role) with more than 20 characters | — | — | 1.0 |
//!
//! - A memory's `text` is the clause it came from (for a request: what to remember; for a
//!   keyword: the word), at most 200 characters, cut at a word.
//! - Values: a name is up to 4 capitalised words (or words of a script without case:
//!   "李雷"), particles such as "van", "de", "bin" allowed inside; a single lower-case word
//!   counts as a name only when the whole message has no capital letter ("my name is
//!   alice", confidence 0.2 lower). Other values run to the first boundary word ("and",
//!   "but", "with", "at", "in", "for", "because", "since", ...), at most 3 to 6 words.
//! - Not facts: questions (ending in "?", or starting with an auxiliary verb — "do I like
//!   tea" — or a wh-word plus an auxiliary — "where do I live"); hypotheticals (starting
//!   with "if", "unless", "suppose", "imagine", "maybe", ...); negated clauses ("my name is
//!   not important", "I don't like tea", "I no longer live in Oslo", "I am not a teacher").
//!   A request phrased as a question ("can you remember that my name is Bob?") still counts,
//!   and its body is read as a statement.
//! - A date is a `deadline` when its clause says "deadline" or "due", or it follows "by",
//!   "before", "until", "till"; a date right after a negation ("not on May 3") is skipped.
//! - Questions give no facts, preferences or dates, but their words count for keywords.

pub mod dates;
pub mod extract;
pub mod kind;
pub mod request;
pub mod rules;
pub mod tokens;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::{StepError, blocking};
use super::faults::Faults;
use super::supervise::supervised;
use crate::store::Store;
use crate::workflows::steps::attempted;
use extract::{Extraction, Memory, Message, extract, message_memory};

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
    /// Memories that were not stored before.
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
        supervised(&ctx, work).await
    }

    #[activity(name = "update_memory_indexes")]
    pub async fn update_memory_indexes(
        self: Arc<Self>,
        ctx: ActivityContext,
        conversation_id: String,
    ) -> Result<IndexedMemories, ActivityError> {
        let attempt = self.faults.enter("update_memory_indexes", &ctx).await?;
        let work = update_memory_indexes(self.store.clone(), conversation_id, attempt);
        supervised(&ctx, work).await
    }
}
