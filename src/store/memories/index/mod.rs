//! The memory search index: beside `memories_fts`, in the same file and the same
//! transactions, each term's postings in blocks per owner (user), each block with the
//! bound of its best score (postings.rs), so a search finds the exact top-k of BM25 ×
//! confidence over all matches while reading only the blocks that can hold them (top.rs).
//! FTS5's own tokenizer makes the terms (../tokens.rs), and the index's counts are FTS5's, so
//! scores are bm25()'s to the last bit.
//!
//! Tables (schema.rs, migration 7): `memory_index_blocks` (term, owner, first id, last id,
//! count, frontier) and `memory_index_postings` (the block's postings), `memory_index_terms`
//! (how many memories hold each term), `memory_index_owners` (user id to owner; 0 is no
//! user), `memory_index_totals` (memories and tokens indexed), and `memory_index_instances`, FTS5's
//! entries of a term (fts5vocab), from which a term that becomes common gets its blocks.

mod postings;
mod top;
mod write;

pub use top::{Best, Filters, top};
pub use write::{add, remove};

/// The columns `add` and `remove` read, from `memories m`.
pub const ROW_COLUMNS: &str = "m.id, m.text, m.subject, m.value, m.user_id, m.kind, m.confidence";
