//! AILearningWorkflow's activities: validate the content, check Project-AI's Black Vault,
//! turn the content into a knowledge entry, and store it (SQLite and knowledge.json).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use super::errors::{StepError, blocking};
use super::faults::Faults;
use super::supervise::supervised;
use crate::domain::learning::{text, validate};
use crate::store::black_vault::{BlackVault, content_hash, vault_hashes};
use crate::store::knowledge::KnowledgeEntry;
use crate::store::{Store, now};
use crate::wire::attempt::attempted;
use crate::wire::types::LearningRequest;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub valid: bool,
    pub reason: Option<String>,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultCheck {
    pub blocked: bool,
    pub content_hash: String,
    pub attempt: u32,
}

/// A knowledge entry ready to store, derived only from the request, so every attempt and
/// every re-run derives the same one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessedKnowledge {
    pub knowledge_id: String,
    pub category: String,
    pub source: String,
    pub user_id: Option<String>,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub word_count: u64,
    pub content_hash: String,
    pub content: String,
    pub attempt: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKnowledge {
    pub knowledge_id: String,
    /// False when the entry was already there (a retry or the same request again).
    pub created: bool,
    /// True when the Black Vault denied the content by the time it was to be stored:
    /// nothing was written.
    #[serde(default)]
    pub blocked: bool,
    pub attempt: u32,
}

attempted!(Validation, VaultCheck, ProcessedKnowledge, StoredKnowledge);

/// The error type of content that may not be learned.
pub const INVALID: &str = "InvalidLearningContent";

/// The id of what a request teaches: the same content in the same category is the same
/// knowledge, whoever sends it and however often. `canonical_content` is the content's
/// canonical form (`crate::canonical`), the one the vault hashes and the store keeps.
pub fn knowledge_id(category: &str, canonical_content: &str) -> String {
    let digest = Sha256::new()
        .chain_update(category.as_bytes())
        .chain_update([0u8])
        .chain_update(canonical_content.as_bytes())
        .finalize();
    format!("kn-{}", &hex::encode(digest)[..24])
}

/// `validate_learning_content`'s work: whether the request may be learned, and why not.
pub fn validate_learning_content(request: &LearningRequest, attempt: u32) -> Validation {
    let reason = validate::rejection(request);
    Validation {
        valid: reason.is_none(),
        reason,
        attempt,
    }
}

/// Whether any of the hashes is in the vault; a vault that cannot be read is a retryable
/// error, never an "allowed".
fn vault_has(vault: &BlackVault, hashes: &[String]) -> Result<bool, StepError> {
    vault
        .contains_any(hashes)
        .map_err(|e| StepError::Store(format!("cannot read the Black Vault: {e}")))
}

/// `check_black_vault`'s work. Fails closed: a vault that cannot be read never lets content
/// through.
pub async fn check_black_vault(
    vault: BlackVault,
    content: String,
    attempt: u32,
) -> Result<VaultCheck, StepError> {
    blocking(move || {
        Ok(VaultCheck {
            blocked: vault_has(&vault, &vault_hashes(&content))?,
            content_hash: content_hash(&content),
            attempt,
        })
    })
    .await
}

/// `process_learning_request`'s work: the knowledge entry the request teaches; a request
/// that is not valid is an `InvalidLearningContent` error naming the problem.
pub async fn process_learning_request(
    request: LearningRequest,
    attempt: u32,
) -> Result<ProcessedKnowledge, StepError> {
    if let Some(reason) = validate::rejection(&request) {
        return Err(StepError::invalid(INVALID, reason));
    }
    blocking(move || {
        let insight = text::analyse(&request.content);
        Ok(ProcessedKnowledge {
            knowledge_id: knowledge_id(&request.category, &insight.normalized),
            content_hash: content_hash(&request.content),
            category: request.category,
            source: request.source,
            user_id: request.user_id,
            title: insight.title,
            summary: insight.summary,
            keywords: insight.keywords,
            word_count: insight.word_count as u64,
            content: insight.normalized,
            attempt,
        })
    })
    .await
}

/// `store_knowledge`'s work: the row in the store and the entry in knowledge.json, each
/// written once however often this runs. The vault is checked again first (the raw
/// content's hash and the canonical content about to be stored): content denied after
/// `check_black_vault` ran is not stored, and the result says `blocked`.
pub async fn store_knowledge(
    store: Store,
    vault: BlackVault,
    knowledge: ProcessedKnowledge,
    workflow_id: Option<String>,
    attempt: u32,
) -> Result<StoredKnowledge, StepError> {
    blocking(move || {
        let mut hashes = vault_hashes(&knowledge.content);
        hashes.push(knowledge.content_hash.clone());
        if vault_has(&vault, &hashes)? {
            return Ok(StoredKnowledge {
                knowledge_id: knowledge.knowledge_id,
                created: false,
                blocked: true,
                attempt,
            });
        }
        let entry = KnowledgeEntry {
            id: knowledge.knowledge_id.clone(),
            category: knowledge.category,
            title: knowledge.title,
            summary: knowledge.summary,
            content: knowledge.content,
            keywords: knowledge.keywords,
            word_count: knowledge.word_count,
            content_hash: knowledge.content_hash,
            source: knowledge.source,
            user_id: knowledge.user_id,
            workflow_id,
            created_at: now(),
        };
        let created = store
            .insert_knowledge(&entry)
            .map_err(|e| StepError::Store(format!("cannot store the knowledge: {e}")))?;
        // The store is the source of truth; knowledge.json follows in the store's next batch
        // (or at the next start, after a crash).
        store.queue_for_knowledge_json(&entry);
        Ok(StoredKnowledge {
            knowledge_id: entry.id,
            created,
            blocked: false,
            attempt,
        })
    })
    .await
}

pub struct LearningActivities {
    pub store: Store,
    pub vault: BlackVault,
    pub faults: Faults,
}

/// Each activity runs the plain function of its name above (direct calls run them too).
#[activities]
impl LearningActivities {
    #[activity(name = "validate_learning_content")]
    pub async fn validate_learning_content(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: LearningRequest,
    ) -> Result<Validation, ActivityError> {
        let attempt = self.faults.enter("validate_learning_content", &ctx).await?;
        Ok(validate_learning_content(&request, attempt))
    }

    #[activity(name = "check_black_vault")]
    pub async fn check_black_vault(
        self: Arc<Self>,
        ctx: ActivityContext,
        content: String,
    ) -> Result<VaultCheck, ActivityError> {
        let attempt = self.faults.enter("check_black_vault", &ctx).await?;
        supervised(
            &ctx,
            check_black_vault(self.vault.clone(), content, attempt),
        )
        .await
    }

    #[activity(name = "process_learning_request")]
    pub async fn process_learning_request(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: LearningRequest,
    ) -> Result<ProcessedKnowledge, ActivityError> {
        let attempt = self.faults.enter("process_learning_request", &ctx).await?;
        supervised(&ctx, process_learning_request(request, attempt)).await
    }

    #[activity(name = "store_knowledge")]
    pub async fn store_knowledge(
        self: Arc<Self>,
        ctx: ActivityContext,
        knowledge: ProcessedKnowledge,
    ) -> Result<StoredKnowledge, ActivityError> {
        let attempt = self.faults.enter("store_knowledge", &ctx).await?;
        let workflow_id = ctx.info().workflow_id.clone();
        let work = store_knowledge(
            self.store.clone(),
            self.vault.clone(),
            knowledge,
            workflow_id,
            attempt,
        );
        self.faults
            .leave("store_knowledge", attempt, supervised(&ctx, work).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_ids_depend_on_content_and_category_only() {
        let a = knowledge_id("tips", "text");
        assert_eq!(a, knowledge_id("tips", "text"));
        assert_ne!(a, knowledge_id("facts", "text"));
        assert_ne!(a, knowledge_id("tips", "other"));
        assert!(a.starts_with("kn-") && a.len() == 27);
    }
}
