//! The values that cross between workflows, activities, clients and Python: the request
//! and result types of the workflows (and the schema each input is checked against), a
//! memory record, and which attempt produced an activity's result. Plain data: this folder
//! imports nothing else of the crate, so every layer may use it.

pub mod attempt;
pub mod input;
pub mod memory;
pub mod types;
