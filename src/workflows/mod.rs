//! The four workflows and the orchestration probe, their request and result types, and the
//! options their steps use.

pub mod data;
pub mod image;
pub mod learning;
pub mod memory;
pub mod policy;
pub mod probe;
pub mod progress;
pub mod steps;

pub use data::DataAnalysisWorkflow;
pub use image::ImageGenerationWorkflow;
pub use learning::AILearningWorkflow;
pub use memory::MemoryExpansionWorkflow;
pub use probe::OrchestrationProbeWorkflow;
