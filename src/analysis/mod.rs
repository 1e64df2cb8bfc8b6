//! Data analysis for DataAnalysisWorkflow: loading files into typed tables, statistics as
//! pandas `describe` defines them, correlation.

pub mod builder;
pub mod load;
pub mod stats;
pub mod table;
pub mod values;
