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

/// A function that draws a chart: [`stacked_bars`], [`grouped_bars`] or [`lines`].
pub type Draw = fn(&Chart<'_>) -> String;

/// A drawing area of the glyph backend.
type Area<'a> = DrawingArea<Backend<'a>, plotters::coord::Shift>;

/// The width of the legend's column, right of the plot, when there is more than one series.
const LEGEND_WIDTH: u32 = 170;

/// Draws `chart` on a white canvas with `plot`, then its legend in a column of its own to the
/// right (so it never covers data), and finishes the document.
fn drawn(chart: &Chart<'_>, plot: impl FnOnce(&Area<'_>)) -> String {
    let mut doc = SvgDoc::new(760, 340, chart.id);
    {
        let root = Backend::new(&mut doc).into_drawing_area();
        let _ = root.fill(&WHITE);
        if chart.series.len() > 1 {
            let (width, _) = root.dim_in_pixel();
            let (area, key) = root.split_horizontally(width - LEGEND_WIDTH);
            plot(&area);
            legend(&key, chart.series);
        } else {
            plot(&root);
        }
        let _ = root.present();
    }
    doc.finish(chart.title, chart.desc)
}

/// Stacked bars, one stack per category: for parts of one whole, such as incidents by
/// severity.
pub fn stacked_bars(c: &Chart<'_>) -> String {
    bars(c, true)
}

/// Bars side by side, one group per category: for counts that overlap, such as incidents with
/// a factor of each kind (one incident can have several), which a stack would add up.
pub fn grouped_bars(c: &Chart<'_>) -> String {
    bars(c, false)
}

fn bars(c: &Chart<'_>, stacked: bool) -> String {
    let (categories, series, y_label) = (c.categories, c.series, c.y_label);
    drawn(c, |root| {
        let value = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(0.0);
        let heights = (0..categories.len()).map(|i| {
            let each = series.iter().map(|s| value(s, i));
            if stacked {
                each.sum()
            } else {
                each.fold(0.0, f64::max)
            }
        });
        let max = heights.fold(0.0, f64::max).max(1.0);
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
            // Side by side, each series gets its share of the category's 0.7 of width.
            let slot = 0.7 / series.len().max(1) as f64;
            for i in 0..categories.len() {
                let mut base = 0.0;
                for (k, s) in series.iter().enumerate() {
                    let v = value(s, i);
                    if v > 0.0 {
                        let color = PALETTE[k % PALETTE.len()];
                        let (left, right) = if stacked {
                            (i as f64 + 0.15, i as f64 + 0.85)
                        } else {
                            let left = i as f64 + 0.15 + slot * k as f64;
                            (left, left + slot * 0.9)
                        };
                        let bar = Rectangle::new([(left, base), (right, base + v)], color.filled());
                        let _ = chart.draw_series(std::iter::once(bar));
                    }
                    if stacked {
                        base += v;
                    }
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

/// A legend in its own area: a swatch and the name of each series, from the top.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, series: &[Series]) {
    let mut y = 24;
    for (k, s) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let x = 8;
        let _ = area.draw(&Rectangle::new(
            [(x, y - 5), (x + 12, y + 7)],
            color.filled(),
        ));
        let _ = area.draw(&Text::new(
            s.name.clone(),
            (x + 18, y - 6),
            ("sans-serif", 13).into_font().color(&BLACK),
        ));
        y += 18;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The filled rectangles of a chart, as (x, y, width, height, fill).
    fn rects(svg: &str) -> Vec<(f64, f64, f64, f64, String)> {
        let re = regex::Regex::new(
            r#"<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="(#[0-9a-f]{6})""#,
        )
        .unwrap();
        re.captures_iter(svg)
            .map(|c| {
                let n = |i: usize| c[i].parse::<f64>().unwrap();
                (n(1), n(2), n(3), n(4), c[5].to_owned())
            })
            .filter(|r| r.4 != "#ffffff")
            .collect()
    }

    fn chart(series: &[Series]) -> Chart<'_> {
        static CATEGORIES: OnceLock<Vec<String>> = OnceLock::new();
        Chart {
            id: "t",
            title: "t",
            desc: "t",
            categories: CATEGORIES.get_or_init(|| vec!["Sep".into(), "Oct".into(), "Nov".into()]),
            series,
            y_label: "incidents",
        }
    }

    /// Three series, the last category the tallest: the legend has a column of its own, right
    /// of every bar, so it covers none.
    #[test]
    fn the_legend_never_covers_a_bar() {
        let series: Vec<Series> = ["SEV1", "SEV2", "SEV3"]
            .iter()
            .map(|n| Series {
                name: (*n).into(),
                values: vec![1.0, 2.0, 9.0],
            })
            .collect();
        for svg in [stacked_bars(&chart(&series)), grouped_bars(&chart(&series))] {
            let all = rects(&svg);
            // The legend's swatches are 12 px squares; bars are wider.
            let (swatches, bars): (Vec<_>, Vec<_>) =
                all.iter().partition(|r| r.2 <= 13.0 && r.3 <= 13.0);
            assert_eq!(swatches.len(), 3, "{all:?}");
            let legend_left = swatches.iter().map(|r| r.0).fold(f64::MAX, f64::min);
            assert!(!bars.is_empty());
            for bar in &bars {
                assert!(
                    bar.0 + bar.2 < legend_left,
                    "{bar:?} reaches the legend at {legend_left}"
                );
            }
        }
    }

    /// Grouped bars stand side by side from the axis: none sits on another, so the axis counts
    /// each bar's own value.
    #[test]
    fn grouped_bars_do_not_add_up() {
        let series = [
            Series {
                name: "technical".into(),
                values: vec![0.0, 3.0, 0.0],
            },
            Series {
                name: "process".into(),
                values: vec![0.0, 2.0, 0.0],
            },
        ];
        let grouped = rects(&grouped_bars(&chart(&series)));
        let bars: Vec<_> = grouped.iter().filter(|r| r.2 > 13.0).collect();
        assert_eq!(bars.len(), 2, "{grouped:?}");
        let bottom = |r: &&(f64, f64, f64, f64, String)| r.1 + r.3;
        assert!(
            (bottom(&bars[0]) - bottom(&bars[1])).abs() < 1.0,
            "{bars:?}"
        );
        assert!((bars[0].3 / bars[1].3 - 1.5).abs() < 0.05, "{bars:?}");
        assert!(bars[0].0 + bars[0].2 <= bars[1].0, "side by side: {bars:?}");
        let stacked = rects(&stacked_bars(&chart(&series)));
        let bars: Vec<_> = stacked.iter().filter(|r| r.2 > 13.0).collect();
        assert!(
            (bars[0].1 - bottom(&bars[1])).abs() < 1.0,
            "stacked: {bars:?}"
        );
    }
}
