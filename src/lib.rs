//! project-ai-temporal: durable Temporal workflows for Project-AI.
//!
//! The Rust core (everything but `python`) is plain Rust; `python` holds the PyO3 bindings
//! and builds only with the `python` feature, which maturin turns on.

pub mod activities;
pub mod canonical;
pub mod client;
pub mod config;
pub mod devserver;
pub mod domain;
pub mod files;
pub mod interrupt;
pub mod platform;
pub mod png;
pub mod replay;
pub mod store;
pub mod wire;
pub mod worker;
pub mod workflows;

#[cfg(feature = "python")]
mod python;
