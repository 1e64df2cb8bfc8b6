//! What an analysis produces: the results (JSON, bounded in size, for the workflow result)
//! and the charts with a `report.json` and an `index.html` in one folder.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::chart_data::{ChartData, MAX_CHART_COLUMNS, label};
use super::charts;
use super::cluster::{ClusterOptions, Clustering, cluster};
use super::limits::{Budget, Limits, MAX_CLUSTERS, shortened};
use super::parallel;
use super::stats::{Correlation, Statistics, correlation, statistics};
use super::table::{ColumnType, Table};
use crate::files::atomic::write_atomically;
use crate::interrupt;

pub const ANALYSIS_TYPES: &[&str] = &[
    "statistics",
    "clustering",
    "correlation",
    "visualization",
    "full",
];
/// Results describe at most this many columns, so they stay small enough for a workflow result.
pub const MAX_RESULT_COLUMNS: usize = 200;
/// A correlation matrix in the results has at most this many rows and columns.
pub const MAX_RESULT_MATRIX: usize = 100;
/// Clustering results give centroids and components over at most this many columns.
pub const MAX_RESULT_DIMENSIONS: usize = 100;
/// Names and values in the results keep at most this many characters.
pub const MAX_RESULT_TEXT: usize = 100;
/// The results stay under this size as JSON: they travel through the workflow history
/// twice (the analysis step's result, the charts step's input), where a payload may have
/// 2 MB at most. What does not fit is left out, with counts, and is in `RESULTS_FILE`.
pub const MAX_RESULT_BYTES: usize = 512 * 1024;
/// The whole results, nothing left out, in the workflow's output folder.
pub const RESULTS_FILE: &str = "results.json";
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

/// Everything one analysis computed: `results` is what the workflow returns (bounded),
/// `full` the same with nothing left out (for `RESULTS_FILE`), `charts` what the charts
/// step draws.
#[derive(Debug)]
pub struct Analysis {
    pub results: Value,
    pub full: Value,
    pub charts: ChartData,
}

/// How much of each part the results show.
#[derive(Debug, Clone, Copy)]
struct Shown {
    columns: usize,
    matrix: usize,
    dimensions: usize,
    text: usize,
}

impl Shown {
    const ALL: Shown = Shown {
        columns: usize::MAX,
        matrix: usize::MAX,
        dimensions: usize::MAX,
        text: usize::MAX,
    };
    const RESULT: Shown = Shown {
        columns: MAX_RESULT_COLUMNS,
        matrix: MAX_RESULT_MATRIX,
        dimensions: MAX_RESULT_DIMENSIONS,
        text: MAX_RESULT_TEXT,
    };
}

/// What the results are made of.
struct Parts {
    kind: AnalysisType,
    stats: Statistics,
    correlation: Option<Correlation>,
    clustering: Option<Clustering>,
}

/// The first `n` of `items` (each through `f`), noting under `key` how many were left out.
fn first<T>(
    items: &[T],
    n: usize,
    key: &str,
    cut: &mut Map<String, Value>,
    f: impl Fn(&T) -> Value,
) -> Vec<Value> {
    if items.len() > n {
        cut.insert(key.into(), json!({"shown": n, "total": items.len()}));
    }
    items.iter().take(n).map(f).collect()
}

impl Parts {
    /// The results, each part cut as `shown` says; what was cut is listed under
    /// "truncated" with the counts shown and in all.
    fn results(&self, shown: Shown) -> Value {
        let mut cut = Map::new();
        let long_texts = std::cell::Cell::new(0u64);
        let text = |t: &str| {
            let short = shortened(t, shown.text);
            if short.len() != t.len() {
                long_texts.set(long_texts.get() + 1);
            }
            short.into_owned()
        };
        let s = &self.stats;
        let n = shown.columns;
        let mut results = json!({
            "analysis_type": format!("{:?}", self.kind).to_ascii_lowercase(),
            "row_count": s.row_count,
            "column_count": s.column_count,
            "column_types": first(&s.column_types, n, "column_types", &mut cut, |(c, t)| json!([text(c), t])),
            "missing_values": first(&s.missing_values, n, "missing_values", &mut cut, |(c, m)| json!([text(c), m])),
            "statistics": first(&s.numeric, n, "statistics", &mut cut, |(c, summary)| json!([text(c), summary])),
            "top_values": first(&s.text, n, "top_values", &mut cut, |(c, summary)| {
                let top: Vec<Value> = summary.top.iter().map(|(v, count)| json!([text(v), count])).collect();
                json!([text(c), {"count": summary.count, "unique": summary.unique, "top": top}])
            }),
        });
        if let Some((names, matrix)) = &self.correlation {
            let m = shown.matrix;
            let rows = first(matrix, m, "correlation", &mut cut, |row| {
                json!(row.iter().take(m).collect::<Vec<_>>())
            });
            let columns: Vec<String> = names.iter().take(m).map(|c| text(c)).collect();
            results["correlation"] = json!({"columns": columns, "matrix": rows});
        }
        if let Some(found) = &self.clustering {
            let d = shown.dimensions;
            let mut value = serde_json::to_value(found).unwrap_or_default();
            value["columns"] = json!(first(&found.columns, d, "clustering", &mut cut, |c| json!(
                text(c)
            )));
            let cut_rows = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
                rows.iter()
                    .map(|r| r.iter().take(d).copied().collect())
                    .collect()
            };
            value["centroids"] = json!(cut_rows(&found.centroids));
            value["pca"]["components"] = json!(cut_rows(&found.pca.components));
            results["clustering"] = value;
        }
        if long_texts.get() > 0 {
            cut.insert(
                "long_texts".into(),
                json!({"cut_at_chars": shown.text, "count": long_texts.get()}),
            );
        }
        if !cut.is_empty() {
            results["truncated"] = Value::Object(cut);
            results["full_results"] = json!(RESULTS_FILE);
        }
        results
    }

    /// The results as shown in a workflow: `Shown::RESULT`, halved until they fit in
    /// `MAX_RESULT_BYTES` (at nothing per column they are a few counts).
    fn bounded(&self) -> Value {
        let mut shown = Shown::RESULT;
        loop {
            let results = self.results(shown);
            let size = serde_json::to_vec(&results).map_or(usize::MAX, |b| b.len());
            if size <= MAX_RESULT_BYTES || shown.columns + shown.matrix + shown.dimensions == 0 {
                return results;
            }
            shown.columns /= 2;
            shown.matrix /= 2;
            shown.dimensions /= 2;
        }
    }
}

/// The schema as a step result lists it: the first `MAX_RESULT_COLUMNS` columns, names cut
/// to `MAX_RESULT_TEXT` characters (the step's result also has the column count).
pub fn listed_schema(table: &Table) -> Vec<(String, ColumnType)> {
    table
        .names
        .iter()
        .zip(&table.columns)
        .take(MAX_RESULT_COLUMNS)
        .map(|(name, column)| (shortened(name, MAX_RESULT_TEXT).into_owned(), column.kind()))
        .collect()
}

/// Runs the parts `kind` asks for, after checking the costly ones against `limits`: the
/// correlation matrix and the clustering take at most `max_numeric_columns` columns, and
/// k-means at most `MAX_CLUSTERS` clusters (and no more than the rows, see `cluster`).
/// Statistics always come along: they are cheap and every report starts with them. The
/// heatmap needs a matrix whatever the analysis type: without a correlation analysis, it is
/// computed for the charted columns only.
pub fn analyse(
    table: &Table,
    kind: AnalysisType,
    columns: &[String],
    clusters: usize,
    limits: &Limits,
) -> Result<Analysis, String> {
    let numeric = table.columns.iter().filter(|c| c.is_numeric()).count();
    let numeric_budget = limits.numeric_columns();
    if kind.has(AnalysisType::Correlation) {
        numeric_budget.check(numeric as u64, || {
            "the correlation matrix would take the table's".into()
        })?;
    }
    if kind.has(AnalysisType::Clustering) {
        let taken = if columns.is_empty() {
            numeric
        } else {
            columns.len()
        };
        numeric_budget.check(taken as u64, || "clustering would take".into())?;
        Budget::new(MAX_CLUSTERS, "clusters", None)
            .check(clusters as u64, || "n_clusters asks for".into())?;
    }
    let stats = statistics(table);
    stop_if_asked()?;
    let matrix = correlation(
        table,
        if kind.has(AnalysisType::Correlation) {
            usize::MAX
        } else {
            MAX_CHART_COLUMNS
        },
    );
    stop_if_asked()?;
    let clustering = if kind.has(AnalysisType::Clustering) {
        let options = ClusterOptions {
            clusters,
            ..ClusterOptions::default()
        };
        Some(cluster(table, columns, &options)?)
    } else {
        None
    };
    let heatmap = (
        matrix
            .0
            .iter()
            .take(MAX_CHART_COLUMNS)
            .map(|n| label(n))
            .collect(),
        matrix
            .1
            .iter()
            .take(MAX_CHART_COLUMNS)
            .map(|row| row.iter().take(MAX_CHART_COLUMNS).copied().collect())
            .collect(),
    );
    let charts = ChartData::of(table, &stats.numeric, Some(heatmap), clustering.as_ref());
    let parts = Parts {
        kind,
        stats,
        correlation: kind.has(AnalysisType::Correlation).then_some(matrix),
        clustering,
    };
    Ok(Analysis {
        results: parts.bounded(),
        full: parts.results(Shown::ALL),
        charts,
    })
}

/// Between the passes of an analysis: whether its owner asked it to stop (`interrupt`).
fn stop_if_asked() -> Result<(), String> {
    if interrupt::requested() {
        return Err(interrupt::STOPPED.into());
    }
    Ok(())
}

/// Writes the whole results into the output folder, where the charts step finds them for
/// `report.json`.
pub fn write_results(folder: &Path, full: &Value) -> Result<(), String> {
    let bytes = serde_json::to_vec(full).map_err(|e| e.to_string())?;
    write_atomically(folder, RESULTS_FILE, &bytes)
        .map(drop)
        .map_err(|e| format!("cannot write {RESULTS_FILE}: {e}"))
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
        _ if interrupt::requested() => Err(interrupt::STOPPED.to_owned()),
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
    // The whole results where the analysis step left them, else those given.
    let full: Option<Value> = std::fs::read(folder.join(RESULTS_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let report = json!({"results": full.as_ref().unwrap_or(results), "charts": files});
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
    use crate::domain::analysis::table::{Column, Text};

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
        let analysis = analyse(&table(), AnalysisType::Full, &[], 2, &Limits::default()).unwrap();
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
        assert!(analyse(&text, AnalysisType::Statistics, &[], 3, &Limits::default()).is_ok());
        assert!(
            analyse(&text, AnalysisType::Clustering, &[], 3, &Limits::default())
                .unwrap_err()
                .contains("numeric column")
        );
    }

    /// `n` numeric columns (with long names) of `rows` rows, and a text column of long values.
    fn wide(n: usize, rows: usize) -> Table {
        let mut names: Vec<String> = (0..n)
            .map(|i| format!("{i:04}{}", "n".repeat(300)))
            .collect();
        let mut columns: Vec<Column> = (0..n)
            .map(|i| Column::Float((0..rows).map(|r| ((r * (i + 3)) % 17) as f64).collect()))
            .collect();
        names.push("words".into());
        let words: Vec<String> = (0..rows)
            .map(|r| {
                if r % 2 == 0 {
                    "w".repeat(10_000)
                } else {
                    "v".into()
                }
            })
            .collect();
        columns.push(Column::Text(
            words.iter().map(|w| Some(w.as_str())).collect(),
        ));
        Table { names, columns }
    }

    #[test]
    fn results_stay_small_and_say_what_they_leave_out() {
        let table = wide(400, 30);
        let limits = Limits::default();
        // Clustering on 120 of them (PCA over all 400 is slow in a debug build).
        let some = table.names[..120].to_vec();
        let analysis = analyse(&table, AnalysisType::Full, &some, 3, &limits).unwrap();
        let r = &analysis.results;
        let size = serde_json::to_vec(r).unwrap().len();
        assert!(size <= MAX_RESULT_BYTES, "{size} bytes");
        let cut = &r["truncated"];
        assert_eq!(cut["column_types"], json!({"shown": 200, "total": 401}));
        assert_eq!(cut["statistics"]["total"], 400);
        let shown = cut["correlation"]["shown"].as_u64().unwrap() as usize;
        assert!(shown <= MAX_RESULT_MATRIX);
        assert_eq!(cut["correlation"]["total"], 400);
        assert_eq!(r["correlation"]["matrix"].as_array().unwrap().len(), shown);
        assert_eq!(
            r["correlation"]["matrix"][0].as_array().unwrap().len(),
            shown
        );
        assert_eq!(cut["clustering"], json!({"shown": 100, "total": 120}));
        assert!(cut["long_texts"]["count"].as_u64().unwrap() > 0);
        assert_eq!(r["full_results"], RESULTS_FILE);
        let name = r["column_types"][0][0].as_str().unwrap();
        assert_eq!(
            name.chars().count(),
            MAX_RESULT_TEXT + 1,
            "cut, with a mark"
        );
        // The full results have everything, and the same shape.
        let full = &analysis.full;
        assert!(full.get("truncated").is_none());
        assert_eq!(full["correlation"]["matrix"].as_array().unwrap().len(), 400);
        assert_eq!(full["column_types"].as_array().unwrap().len(), 401);
        assert_eq!(full["column_types"][0][0], table.names[0].as_str());
        assert_eq!(
            full["clustering"]["centroids"][0].as_array().unwrap().len(),
            120
        );
        // The charts step writes them into report.json.
        let dir = tempfile::tempdir().unwrap();
        write_results(dir.path(), full).unwrap();
        visualize(&analysis.charts, r, dir.path()).unwrap();
        let report: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap())
                .unwrap();
        let whole = &report["results"];
        assert!(whole.get("truncated").is_none());
        assert_eq!(
            whole["correlation"]["matrix"].as_array().unwrap().len(),
            400
        );
        assert_eq!(whole["column_types"], full["column_types"]);
        // Chart labels are short too.
        assert!(analysis.charts.histograms[0].column.chars().count() <= 61);
        // The schema a load step returns.
        let schema = listed_schema(&table);
        assert_eq!(schema.len(), MAX_RESULT_COLUMNS);
        assert_eq!(schema[0].0.chars().count(), MAX_RESULT_TEXT + 1);
    }

    #[test]
    fn costly_parts_are_checked_before_they_are_computed() {
        let table = wide(600, 3);
        let limits = Limits::default();
        for kind in [
            AnalysisType::Correlation,
            AnalysisType::Full,
            AnalysisType::Clustering,
        ] {
            let err = analyse(&table, kind, &[], 3, &limits).unwrap_err();
            assert!(
                err.contains(
                    "600 numeric columns, over the limit of 500 numeric columns; the setting \
                     analysis_max_numeric_columns (TEMPORAL_ANALYSIS_MAX_NUMERIC_COLUMNS) raises it"
                ),
                "{err}"
            );
        }
        // Statistics and charts need no matrix over all of them.
        let analysis = analyse(&table, AnalysisType::Statistics, &[], 3, &limits).unwrap();
        assert_eq!(
            analysis.charts.correlation.as_ref().unwrap().0.len(),
            MAX_CHART_COLUMNS
        );
        assert!(analysis.results.get("correlation").is_none());
        // Chosen columns count, not the table's.
        let two = vec![table.names[0].clone(), table.names[1].clone()];
        assert!(analyse(&table, AnalysisType::Clustering, &two, 3, &limits).is_ok());
        let err = analyse(&table, AnalysisType::Clustering, &two, 101, &limits).unwrap_err();
        assert_eq!(
            err,
            "n_clusters asks for 101 clusters, over the limit of 100 clusters; a fixed limit"
        );
        let err = analyse(&table, AnalysisType::Clustering, &two, 4, &limits).unwrap_err();
        assert!(
            err.contains("needs at least 4 complete rows; there are 3"),
            "{err}"
        );
    }
}
