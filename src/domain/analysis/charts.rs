//! The charts of an analysis, as PNG files: a histogram per numeric column (30 bins), box
//! plots, a labelled correlation heatmap, a scatter of two numeric columns, and the clusters
//! on the two principal components.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart_data::{BoxStats, Histogram, Scatter, extent};
use crate::files::atomic::write_atomically;
use crate::png::encode_png;

const SIZE: (u32, u32) = (800, 600);
const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Embedded DejaVu Sans: charts need no system fonts.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Draws into an 800x600 picture and writes it as `folder/name`.
fn draw(
    folder: &Path,
    name: &str,
    title: &str,
    paint: impl FnOnce(&Area<'_>) -> Result<(), String>,
) -> Result<PathBuf, String> {
    register_font();
    let (w, h) = SIZE;
    let mut pixels = vec![255u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        paint(&area)?;
        area.present().map_err(|e| e.to_string())?;
    }
    let png =
        encode_png(&pixels, w, h, &[("Title", title.to_owned())]).map_err(|e| e.to_string())?;
    write_atomically(folder, name, &png).map_err(|e| format!("cannot write {name}: {e}"))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type Plot<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The common frame: white background, the title, room for axis labels, the two ranges.
fn frame<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    label_room: (u32, u32),
) -> Result<Plot<'a, 'b>, String> {
    area.fill(&WHITE).map_err(err)?;
    ChartBuilder::on(area)
        .caption(title, (FONT, 24))
        .margin(15)
        .x_label_area_size(label_room.0)
        .y_label_area_size(label_room.1)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

pub fn histogram(folder: &Path, file: &str, h: &Histogram) -> Result<PathBuf, String> {
    let (lo, hi) = (h.low, h.high);
    let width = (hi - lo) / h.counts.len().max(1) as f64;
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let title = format!("Histogram of {}", h.column);
    draw(folder, file, &title, |area| {
        let mut chart = frame(area, &title, lo..hi, 0.0..top, (45, 70))?;
        chart
            .configure_mesh()
            .x_desc(&h.column)
            .y_desc("Frequency")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(h.counts.iter().enumerate().map(|(i, c)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, *c as f64)], BLUE.mix(0.7).filled())
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// One box per column: quartiles, median, whiskers at the furthest values within 1.5 IQR.
pub fn box_plots(
    folder: &Path,
    file: &str,
    columns: &[(String, BoxStats)],
) -> Result<PathBuf, String> {
    let ends: Vec<f64> = columns.iter().flat_map(|(_, b)| [b.low, b.high]).collect();
    let (lo, hi) = extent(ends.into_iter());
    let pad = (hi - lo) * 0.05;
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    draw(folder, file, "Box plots", |area| {
        let x = -0.5..columns.len() as f64 - 0.5;
        let mut chart = frame(area, "Box plots", x, (lo - pad)..(hi + pad), (45, 70))?;
        chart
            .configure_mesh()
            .x_labels(columns.len())
            .x_label_formatter(&|x| {
                names
                    .get(x.round() as usize)
                    .filter(|_| (x - x.round()).abs() < 0.01)
                    .cloned()
                    .unwrap_or_default()
            })
            .y_desc("Value")
            .draw()
            .map_err(err)?;
        for (i, (_, b)) in columns.iter().enumerate() {
            let x = i as f64;
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, b.q1), (x + 0.3, b.q3)],
                    BLUE.mix(0.3).filled(),
                )])
                .map_err(err)?;
            for (from, to) in [
                ((x - 0.3, b.median), (x + 0.3, b.median)),
                ((x, b.q3), (x, b.high)),
                ((x, b.q1), (x, b.low)),
            ] {
                chart
                    .draw_series(LineSeries::new([from, to], BLACK.stroke_width(2)))
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// Colour for a correlation: blue at -1, white at 0, red at +1.
fn diverging(r: f64) -> RGBColor {
    let t = r.clamp(-1.0, 1.0);
    let fade = |c: f64| (255.0 * (1.0 - t.abs()) + c * t.abs()) as u8;
    if t >= 0.0 {
        RGBColor(fade(214.0), fade(39.0), fade(40.0))
    } else {
        RGBColor(fade(31.0), fade(119.0), fade(180.0))
    }
}

pub fn heatmap(
    folder: &Path,
    file: &str,
    names: &[String],
    matrix: &[Vec<Option<f64>>],
) -> Result<PathBuf, String> {
    let n = names.len();
    draw(folder, file, "Correlation heatmap", |area| {
        let mut chart = frame(
            area,
            "Correlation heatmap",
            0.0..n as f64,
            0.0..n as f64,
            (60, 110),
        )?;
        let label = |v: &f64| {
            let i = v.floor() as usize;
            if (v - v.floor() - 0.5).abs() < 0.01 {
                names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * n + 1)
            .y_labels(2 * n + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&|y| label(&(n as f64 - y)))
            .draw()
            .map_err(err)?;
        for (i, row) in matrix.iter().enumerate() {
            for (j, r) in row.iter().enumerate() {
                let (x, y) = (j as f64, (n - 1 - i) as f64);
                let colour = r.map_or(RGBColor(200, 200, 200), diverging);
                chart
                    .draw_series([Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        colour.filled(),
                    )])
                    .map_err(err)?;
                let text = r.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"));
                chart
                    .draw_series([Text::new(
                        text,
                        (x + 0.5, y + 0.5),
                        (FONT, 14)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )])
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

pub fn scatter(folder: &Path, file: &str, s: &Scatter) -> Result<PathBuf, String> {
    let (x0, x1) = extent(s.points.iter().map(|p| p[0]));
    let (y0, y1) = extent(s.points.iter().map(|p| p[1]));
    let title = format!("{} against {}", s.y, s.x);
    draw(folder, file, &title, |area| {
        let mut chart = frame(area, &title, x0..x1, y0..y1, (45, 70))?;
        chart
            .configure_mesh()
            .x_desc(&s.x)
            .y_desc(&s.y)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p[0], p[1]), 2, BLUE.mix(0.5).filled())),
            )
            .map_err(err)?;
        Ok(())
    })
}

/// Clustered rows on the principal components, coloured by cluster.
pub fn clusters(folder: &Path, file: &str, points: &[([f64; 2], u32)]) -> Result<PathBuf, String> {
    let (x0, x1) = extent(points.iter().map(|p| p.0[0]));
    let (y0, y1) = extent(points.iter().map(|p| p.0[1]));
    let title = "K-means Clustering Results";
    draw(folder, file, title, |area| {
        let mut chart = frame(area, title, x0..x1, y0..y1, (45, 70))?;
        chart
            .configure_mesh()
            .x_desc("First Principal Component")
            .y_desc("Second Principal Component")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|([x, y], label)| {
                let colour = Palette99::pick(*label as usize);
                Circle::new((*x, *y), 2, colour.mix(0.7).filled())
            }))
            .map_err(err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_png_of_size(path: &Path) -> bool {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let reader = decoder.read_info().unwrap();
        (reader.info().width, reader.info().height) == SIZE
    }

    #[test]
    fn every_chart_is_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let a: Vec<f64> = (0..500).map(|i| (i as f64 * 0.37).sin() * 10.0).collect();
        let b: Vec<f64> = a.iter().map(|v| v * 2.0 + 1.0).collect();
        let points: Vec<[f64; 2]> = a.iter().zip(&b).map(|(x, y)| [*x, *y]).collect();
        let made = [
            histogram(dir.path(), "h.png", &Histogram::of("a", &a)).unwrap(),
            box_plots(
                dir.path(),
                "b.png",
                &[
                    ("a".into(), BoxStats::new(&a, (-5.0, 0.0, 5.0))),
                    ("b".into(), BoxStats::new(&b, (-9.0, 1.0, 11.0))),
                ],
            )
            .unwrap(),
            heatmap(
                dir.path(),
                "c.png",
                &["a".into(), "b".into()],
                &[vec![Some(1.0), Some(1.0)], vec![Some(1.0), None]],
            )
            .unwrap(),
            scatter(
                dir.path(),
                "s.png",
                &Scatter {
                    x: "a".into(),
                    y: "b".into(),
                    points: points.clone(),
                },
            )
            .unwrap(),
            clusters(
                dir.path(),
                "k.png",
                &points
                    .iter()
                    .map(|p| (*p, (p[0] > 0.0) as u32))
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        ];
        assert!(made.iter().all(|p| is_png_of_size(p)));
        // A constant column still draws.
        histogram(dir.path(), "flat.png", &Histogram::of("c", &[3.0; 10])).unwrap();
    }
}
