//! The activities of the four workflows: the real work, idempotent, with business failures
//! as results and infrastructure failures as retryable errors.

pub mod data;
pub mod direct;
pub mod errors;
pub mod faults;
pub mod heap;
pub mod image;
pub mod learning;
pub mod memory;
pub mod probe;
pub mod supervise;
