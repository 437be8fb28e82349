//! Trend charts across incidents, drawn with plotters into glyph-text SVG.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::{Backend, SvgDoc};

/// Okabe-Ito, safe for colour-blind readers; series are also told apart by their legend order.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x55, 0x55, 0x55),
];

/// One series of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// A chart to draw: what it shows and how it is labelled.
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    /// Prefix for the SVG's element ids.
    pub id: &'a str,
    pub title: &'a str,
    /// A sentence for screen readers.
    pub desc: &'a str,
    pub categories: &'a [String],
    pub series: &'a [Series],
    pub y_label: &'a str,
}

/// A function that draws a chart: [`stacked_bars`] or [`lines`].
pub type Draw = fn(&Chart<'_>) -> String;

/// A drawing area of the glyph backend.
type Area<'a> = DrawingArea<Backend<'a>, plotters::coord::Shift>;

/// Draws `chart` on a white canvas with `plot`, then its legend, and finishes the document.
fn drawn(chart: &Chart<'_>, plot: impl FnOnce(&Area<'_>)) -> String {
    let mut doc = SvgDoc::new(760, 340, chart.id);
    {
        let root = Backend::new(&mut doc).into_drawing_area();
        let _ = root.fill(&WHITE);
        plot(&root);
        legend(&root, chart.series);
        let _ = root.present();
    }
    doc.finish(chart.title, chart.desc)
}

/// Stacked bars, one stack per category.
pub fn stacked_bars(c: &Chart<'_>) -> String {
    let (categories, series, y_label) = (c.categories, c.series, c.y_label);
    drawn(c, |root| {
        let totals: Vec<f64> = (0..categories.len())
            .map(|i| {
                series
                    .iter()
                    .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let max = totals.iter().copied().fold(0.0, f64::max).max(1.0);
        let top = nice_top(max);
        let n = categories.len().max(1);
        let chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..n as f64, 0f64..top);
        if let Ok(mut chart) = chart {
            let _ = chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
                .x_labels(0)
                .y_labels(top.min(10.0) as usize + 1)
                .y_label_formatter(&|v| format!("{v:.0}"))
                .y_desc(y_label)
                .label_style(("sans-serif", 13))
                .axis_desc_style(("sans-serif", 13))
                .draw();
            for i in 0..categories.len() {
                let mut base = 0.0;
                for (k, s) in series.iter().enumerate() {
                    let v = s.values.get(i).copied().unwrap_or(0.0);
                    if v > 0.0 {
                        let color = PALETTE[k % PALETTE.len()];
                        let bar = Rectangle::new(
                            [(i as f64 + 0.15, base), (i as f64 + 0.85, base + v)],
                            color.filled(),
                        );
                        let _ = chart.draw_series(std::iter::once(bar));
                    }
                    base += v;
                }
            }
            // Category names under the middle of their bars; every k-th when there are many.
            let every = categories.len().div_ceil(12).max(1);
            for (i, name) in categories.iter().enumerate().step_by(every) {
                let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
                let style = ("sans-serif", 13)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top));
                let _ = root.draw(&Text::new(name.clone(), (x, y + 8), style));
            }
        }
    })
}

/// A round upper bound for an axis that ends a little above `max`.
fn nice_top(max: f64) -> f64 {
    let padded = max * 1.15;
    let magnitude = 10f64.powf(padded.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| padded / s <= 10.0)
        .unwrap_or(magnitude * 10.0);
    ((padded / step).ceil() * step).max(1.0)
}

/// Lines over an ordered category axis (such as incidents by date), one per series. Missing
/// values (NaN) are left out.
pub fn lines(c: &Chart<'_>) -> String {
    let (categories, series, y_label) = (c.categories, c.series, c.y_label);
    drawn(c, |root| {
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1.0);
        let n = categories.len().max(1);
        let chart = ChartBuilder::on(root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..nice_top(max));
        if let Ok(mut chart) = chart {
            let cats = categories.to_vec();
            let _ = chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .x_labels(n.min(8))
                .x_label_formatter(&move |x| {
                    let i = x.round();
                    if (x - i).abs() < 0.01 && i >= 0.0 {
                        cats.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_desc(y_label)
                .label_style(("sans-serif", 13))
                .axis_desc_style(("sans-serif", 13))
                .draw();
            for (k, s) in series.iter().enumerate() {
                let color = PALETTE[k % PALETTE.len()];
                let points: Vec<(f64, f64)> = s
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(i, v)| (i as f64, *v))
                    .collect();
                let _ = chart.draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ));
                let _ =
                    chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())));
            }
        }
    })
}

/// A legend in the top right: a swatch and the name of each series.
fn legend<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, series: &[Series]) {
    let (width, _) = root.dim_in_pixel();
    let mut y = 16;
    for (k, s) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let x = width as i32 - 170;
        let _ = root.draw(&Rectangle::new(
            [(x, y - 5), (x + 12, y + 7)],
            color.filled(),
        ));
        let _ = root.draw(&Text::new(
            s.name.clone(),
            (x + 18, y - 6),
            ("sans-serif", 13).into_font().color(&BLACK),
        ));
        y += 18;
    }
}
