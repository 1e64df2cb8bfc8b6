//! What an analysis produces: the results (JSON, bounded in size, for the workflow result)
//! and the charts with a `report.json` and an `index.html` in one folder.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::chart_data::{ChartData, MAX_CHART_COLUMNS};
use super::charts;
use super::cluster::{ClusterOptions, cluster};
use super::parallel;
use super::stats::{correlation, statistics};
use super::table::Table;
use crate::files::write_atomically;

pub const ANALYSIS_TYPES: &[&str] = &[
    "statistics",
    "clustering",
    "correlation",
    "visualization",
    "full",
];
/// Results describe at most this many columns, so they stay small enough for a workflow result.
pub const MAX_RESULT_COLUMNS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisType {
    Statistics,
    Clustering,
    Correlation,
    Visualization,
    Full,
}

impl AnalysisType {
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "statistics" => Self::Statistics,
            "clustering" => Self::Clustering,
            "correlation" => Self::Correlation,
            "visualization" => Self::Visualization,
            "full" => Self::Full,
            _ => {
                return Err(format!(
                    "analysis_type {name:?} is not one of {}",
                    ANALYSIS_TYPES.join(", ")
                ));
            }
        })
    }

    fn has(self, part: AnalysisType) -> bool {
        self == part || self == AnalysisType::Full
    }
}

/// Everything one analysis computed: `results` is what the workflow returns, `charts` what
/// the charts step draws.
#[derive(Debug)]
pub struct Analysis {
    pub results: Value,
    pub charts: ChartData,
}

fn limited<T>(items: Vec<T>) -> Vec<T> {
    items.into_iter().take(MAX_RESULT_COLUMNS).collect()
}

/// Runs the parts `kind` asks for. Statistics always come along: they are cheap and every
/// report starts with them.
pub fn analyse(
    table: &Table,
    kind: AnalysisType,
    columns: &[String],
    clusters: usize,
) -> Result<Analysis, String> {
    let stats = statistics(table);
    let mut results = json!({
        "analysis_type": format!("{kind:?}").to_ascii_lowercase(),
        "row_count": stats.row_count,
        "column_count": stats.column_count,
        "column_types": limited(stats.column_types.clone()),
        "missing_values": limited(stats.missing_values.clone()),
        "statistics": limited(stats.numeric.clone()),
        "top_values": limited(stats.text.clone()),
    });
    // The heatmap needs the matrix whatever the analysis type.
    let matrix = correlation(table);
    if kind.has(AnalysisType::Correlation) {
        results["correlation"] =
            json!({"columns": limited(matrix.0.clone()), "matrix": limited(matrix.1.clone())});
    }
    let clustering = if kind.has(AnalysisType::Clustering) {
        let options = ClusterOptions {
            clusters,
            ..ClusterOptions::default()
        };
        let found = cluster(table, columns, &options)?;
        results["clustering"] = serde_json::to_value(&found).map_err(|e| e.to_string())?;
        Some(found)
    } else {
        None
    };
    let heatmap = (
        matrix.0.into_iter().take(MAX_CHART_COLUMNS).collect(),
        matrix
            .1
            .into_iter()
            .take(MAX_CHART_COLUMNS)
            .map(|row| row.into_iter().take(MAX_CHART_COLUMNS).collect())
            .collect(),
    );
    let charts = ChartData::of(table, &stats.numeric, Some(heatmap), clustering.as_ref());
    Ok(Analysis { results, charts })
}

/// The charts `visualize` draws, one job each.
enum Chart {
    Histogram(usize),
    Boxes,
    Heatmap,
    Scatter,
    Clusters,
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect()
}

/// Draws the charts into `folder`, writes `report.json` (the results and the chart files)
/// and an `index.html` that shows them; returns the chart paths.
pub fn visualize(data: &ChartData, results: &Value, folder: &Path) -> Result<Vec<PathBuf>, String> {
    let mut jobs: Vec<Chart> = (0..data.histograms.len()).map(Chart::Histogram).collect();
    if !data.boxes.is_empty() {
        jobs.push(Chart::Boxes);
    }
    if data.correlation.is_some() {
        jobs.push(Chart::Heatmap);
    }
    if data.scatter.is_some() {
        jobs.push(Chart::Scatter);
    }
    if data.clusters.is_some() {
        jobs.push(Chart::Clusters);
    }
    // The charts are independent: drawn on all cores, listed in this order.
    let charts_made = parallel::map(&jobs, |job| match job {
        Chart::Histogram(i) => {
            let h = &data.histograms[*i];
            let file = format!("histogram_{i:02}_{}.png", safe_name(&h.column));
            charts::histogram(folder, &file, h)
        }
        Chart::Boxes => charts::box_plots(folder, "box_plots.png", &data.boxes),
        Chart::Heatmap => {
            let (names, matrix) = data.correlation.as_ref().ok_or("no correlation")?;
            charts::heatmap(folder, "correlation_heatmap.png", names, matrix)
        }
        Chart::Scatter => {
            let scatter = data.scatter.as_ref().ok_or("no scatter")?;
            charts::scatter(folder, "scatter.png", scatter)
        }
        Chart::Clusters => {
            let points = data.clusters.as_deref().unwrap_or_default();
            charts::clusters(folder, "clusters_pca.png", points)
        }
    })
    .into_iter()
    .collect::<Result<Vec<PathBuf>, String>>()?;
    let files: Vec<String> = charts_made
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let report = json!({"results": results, "charts": files});
    let text = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
    write_atomically(folder, "report.json", &text).map_err(|e| e.to_string())?;
    let images: String = files
        .iter()
        .map(|f| {
            format!("<figure><img src=\"{f}\" alt=\"{f}\"><figcaption>{f}</figcaption></figure>\n")
        })
        .collect();
    let html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Data analysis</title>\
         <style>body{{font-family:sans-serif;margin:2em}}img{{max-width:100%;border:1px solid #ddd}}</style></head>\
         <body><h1>Data analysis</h1><p><a href=\"report.json\">report.json</a></p>\n{images}</body></html>\n"
    );
    write_atomically(folder, "index.html", html.as_bytes()).map_err(|e| e.to_string())?;
    Ok(charts_made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::table::{Column, Text};

    fn table() -> Table {
        let mut rng = fastrand::Rng::with_seed(1);
        let n = 300;
        let x: Vec<f64> = (0..n)
            .map(|i| if i < 150 { 0.0 } else { 50.0 } + rng.f64())
            .collect();
        let y: Vec<f64> = x.iter().map(|v| v * 2.0 + rng.f64()).collect();
        let label: Text = (0..n)
            .map(|i| Some(if i % 3 == 0 { "a" } else { "b" }))
            .collect();
        Table {
            names: vec!["x".into(), "y".into(), "label".into()],
            columns: vec![Column::Float(x), Column::Float(y), Column::Text(label)],
        }
    }

    #[test]
    fn types_parse_and_refuse() {
        assert_eq!(AnalysisType::parse("Full"), Ok(AnalysisType::Full));
        assert!(
            AnalysisType::parse("magic")
                .unwrap_err()
                .contains("statistics, clustering, correlation, visualization, full")
        );
    }

    #[test]
    fn full_analysis_and_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let analysis = analyse(&table(), AnalysisType::Full, &[], 2).unwrap();
        let r = &analysis.results;
        assert_eq!(r["row_count"], 300);
        assert_eq!(
            r["clustering"]["sizes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .sum::<u64>(),
            300
        );
        assert!(r["correlation"]["matrix"][0][1].as_f64().unwrap() > 0.99);
        assert!(
            serde_json::to_vec(r).unwrap().len() < 64 * 1024,
            "results stay small"
        );
        let charts = visualize(&analysis.charts, &analysis.results, dir.path()).unwrap();
        assert_eq!(
            charts.len(),
            2 + 1 + 1 + 1 + 1,
            "2 histograms, box plots, heatmap, scatter, clusters"
        );
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap())
                .unwrap();
        assert_eq!(report["charts"].as_array().unwrap().len(), charts.len());
        assert!(
            std::fs::read_to_string(dir.path().join("index.html"))
                .unwrap()
                .contains("clusters_pca.png")
        );
    }

    #[test]
    fn statistics_only_needs_no_numbers() {
        let text = Table {
            names: vec!["t".into()],
            columns: vec![Column::Text([Some("a")].into_iter().collect())],
        };
        assert!(analyse(&text, AnalysisType::Statistics, &[], 3).is_ok());
        assert!(
            analyse(&text, AnalysisType::Clustering, &[], 3)
                .unwrap_err()
                .contains("numeric column")
        );
    }
}
