//! What the four pipelines do, without Temporal: the learning text rules, image prompts,
//! safety and backends, data analysis, and memory extraction. Activities call into here;
//! nothing here knows of activities, workflows or the worker.

pub mod analysis;
pub mod image;
pub mod learning;
pub mod memory;
pub mod precheck;
