//! Data analysis for DataAnalysisWorkflow: loading files into typed tables, statistics as
//! pandas `describe` defines them, correlation, and k-means clustering with PCA.

pub mod access;
pub mod builder;
pub mod chart_data;
pub mod charts;
pub mod cluster;
pub mod columnar;
pub mod error;
pub mod header;
pub mod limits;
pub mod load;
pub mod parallel;
pub mod plain_records;
pub mod report;
pub mod sampling;
pub mod spreadsheet;
pub mod stats;
pub mod table;
pub mod values;
