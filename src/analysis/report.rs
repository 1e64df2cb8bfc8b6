//! What an analysis produces: the results (JSON, bounded in size, for the workflow result)
//! and the charts with a `report.json` and an `index.html` in one folder.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::charts;
use super::cluster::{ClusterOptions, Clustering, cluster};
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
/// Charts are drawn for at most this many numeric columns (histograms, box plots, heatmap).
pub const MAX_CHART_COLUMNS: usize = 12;
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

/// Everything one analysis computed; `results` is what the workflow returns.
#[derive(Debug)]
pub struct Analysis {
    pub results: Value,
    pub clustering: Option<Clustering>,
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
    if kind.has(AnalysisType::Correlation) {
        let (names, matrix) = correlation(table);
        results["correlation"] = json!({"columns": limited(names), "matrix": limited(matrix)});
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
    Ok(Analysis {
        results,
        clustering,
    })
}

fn numeric_columns(table: &Table) -> Vec<(String, Vec<f64>)> {
    table
        .names
        .iter()
        .zip(&table.columns)
        .filter_map(|(n, c)| {
            c.as_f64().map(|v| {
                (
                    n.clone(),
                    v.into_iter().flatten().filter(|x| x.is_finite()).collect(),
                )
            })
        })
        .take(MAX_CHART_COLUMNS)
        .collect()
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect()
}

/// Draws the charts into `folder`, writes `report.json` (the results and the chart files)
/// and an `index.html` that shows them; returns the chart paths.
/// `clusters` are each clustered row's position on the principal components and its label.
pub fn visualize(
    table: &Table,
    results: &Value,
    clusters: Option<(&[[f64; 2]], &[u32])>,
    folder: &Path,
) -> Result<Vec<PathBuf>, String> {
    let numeric = numeric_columns(table);
    let mut charts_made = Vec::new();
    for (i, (name, values)) in numeric.iter().enumerate() {
        charts_made.push(charts::histogram(
            folder,
            &format!("histogram_{i:02}_{}.png", safe_name(name)),
            name,
            values,
        )?);
    }
    if !numeric.is_empty() {
        charts_made.push(charts::box_plots(folder, "box_plots.png", &numeric)?);
    }
    if numeric.len() >= 2 {
        // The analysis step computed the matrix already when it was asked for.
        let given = results.get("correlation").and_then(|c| {
            let names: Vec<String> = serde_json::from_value(c.get("columns")?.clone()).ok()?;
            let matrix: Vec<Vec<Option<f64>>> =
                serde_json::from_value(c.get("matrix")?.clone()).ok()?;
            Some((names, matrix))
        });
        let (names, matrix) = given.unwrap_or_else(|| correlation(table));
        let n = names.len().min(MAX_CHART_COLUMNS);
        let matrix: Vec<Vec<Option<f64>>> = matrix
            .into_iter()
            .take(n)
            .map(|row| row.into_iter().take(n).collect())
            .collect();
        charts_made.push(charts::heatmap(
            folder,
            "correlation_heatmap.png",
            &names[..n],
            &matrix,
        )?);
        // The scatter pairs the first two numeric columns over the rows where both are present.
        let (a, b) = (&table.names, &table.columns);
        let firsts: Vec<(&String, Vec<Option<f64>>)> = a
            .iter()
            .zip(b)
            .filter_map(|(n, c)| c.as_f64().map(|v| (n, v)))
            .take(2)
            .collect();
        let pairs: Vec<(f64, f64)> = firsts[0]
            .1
            .iter()
            .zip(&firsts[1].1)
            .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
            .collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        charts_made.push(charts::scatter(
            folder,
            "scatter.png",
            (firsts[0].0, &xs),
            (firsts[1].0, &ys),
        )?);
    }
    if let Some((projected, labels)) = clusters {
        charts_made.push(charts::clusters(
            folder,
            "clusters_pca.png",
            projected,
            labels,
        )?);
    }
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
    use crate::analysis::table::Column;

    fn table() -> Table {
        let mut rng = fastrand::Rng::with_seed(1);
        let n = 300;
        let x: Vec<Option<f64>> = (0..n)
            .map(|i| Some(if i < 150 { 0.0 } else { 50.0 } + rng.f64()))
            .collect();
        let y: Vec<Option<f64>> = x.iter().map(|v| v.map(|v| v * 2.0 + rng.f64())).collect();
        let label: Vec<Option<String>> = (0..n)
            .map(|i| Some(if i % 3 == 0 { "a" } else { "b" }.into()))
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
        let clustering = analysis.clustering.as_ref().unwrap();
        let clusters = Some((
            clustering.projected.as_slice(),
            clustering.labels.as_slice(),
        ));
        let charts = visualize(&table(), &analysis.results, clusters, dir.path()).unwrap();
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
            columns: vec![Column::Text(vec![Some("a".into())])],
        };
        assert!(analyse(&text, AnalysisType::Statistics, &[], 3).is_ok());
        assert!(
            analyse(&text, AnalysisType::Clustering, &[], 3)
                .unwrap_err()
                .contains("numeric column")
        );
    }
}
