//! The archive's trends: `trends.html`, four charts over time, and `themes.html`, what the
//! contributing factors have in common (worked out in `themes`).

use super::common::Writer;
use super::digest::Digest;
use super::themes;
use crate::model::Config;
use crate::render::charts;

/// Writes `trends.html` and `themes.html`.
pub(super) fn write(out: Writer<'_>, config: &Config, digests: &[Digest]) -> anyhow::Result<()> {
    let mut ctx = out.common.context("trends", "")?;
    ctx.insert("count", &digests.len());
    ctx.insert("charts", &trend_charts(config, digests));
    out.page("trends.html", "trends.html", &ctx)?;
    let t = themes::themes(digests);
    let mut ctx = out.common.context("themes", "")?;
    ctx.insert("count", &digests.len());
    ctx.insert("categories", &t.categories);
    ctx.insert("histogram", &t.histogram);
    ctx.insert("recurring", &t.recurring);
    out.page("themes.html", "themes.html", &ctx)?;

    Ok(())
}

/// The four trend charts.
fn trend_charts(config: &Config, digests: &[Digest]) -> Vec<serde_json::Value> {
    use charts::Series;
    let mut by_date: Vec<&Digest> = digests
        .iter()
        .filter(|d| !d.summary.date.is_empty())
        .collect();
    by_date.sort_by(|a, b| {
        a.summary
            .date
            .cmp(&b.summary.date)
            .then(a.summary.id.cmp(&b.summary.id))
    });
    let mut months: Vec<String> = by_date
        .iter()
        .map(|v| v.summary.date[..7].to_owned())
        .collect();
    months.dedup();

    let mut levels = config.severities.levels.clone();
    levels.push("unrated".to_owned());
    let per_month = |f: &dyn Fn(&Digest) -> f64, pick: &dyn Fn(&Digest) -> bool| -> Vec<f64> {
        months
            .iter()
            .map(|m| {
                by_date
                    .iter()
                    .filter(|v| v.summary.date.starts_with(m.as_str()) && pick(v))
                    .map(|v| f(v))
                    .sum()
            })
            .collect()
    };
    let severity_series: Vec<Series> = levels
        .iter()
        .map(|level| Series {
            name: level.clone(),
            values: per_month(&|_| 1.0, &|v| {
                v.summary.severity.as_deref().unwrap_or("unrated") == level
                    || (level == "unrated"
                        && v.summary
                            .severity
                            .as_deref()
                            .is_some_and(|s| config.severities.rank(s).is_none()))
            }),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect();

    let labels: Vec<String> = by_date.iter().map(|v| v.summary.date.clone()).collect();
    let minutes = |name: &str| Series {
        name: format!("time {name}"),
        values: by_date
            .iter()
            .map(|v| {
                v.durations
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(f64::NAN, |(_, seconds)| *seconds as f64 / 60.0)
            })
            .collect(),
    };
    let mut categories: Vec<(String, f64)> = Vec::new();
    for d in digests {
        for category in d.factors.iter().map(|f| &f.category) {
            match categories.iter_mut().find(|(c, _)| c == category) {
                Some(slot) => slot.1 += 1.0,
                None => categories.push((category.clone(), 1.0)),
            }
        }
    }
    categories.sort_by(|a, b| a.0.cmp(&b.0));
    let action_series = vec![
        Series {
            name: "open".into(),
            values: per_month(
                &|v| v.actions.keys.iter().filter(|k| k.open).count() as f64,
                &|_| true,
            ),
        },
        Series {
            name: "done".into(),
            values: per_month(
                &|v| v.actions.keys.iter().filter(|k| !k.open).count() as f64,
                &|_| true,
            ),
        },
    ];
    let category_names: Vec<String> = categories.iter().map(|c| c.0.clone()).collect();
    let factor_series = [Series {
        name: "factors".into(),
        values: categories.iter().map(|c| c.1).collect(),
    }];
    let time_series = [
        minutes("to detect"),
        minutes("to mitigate"),
        minutes("to resolve"),
    ];
    let chart = |id, title, desc, categories, series, y_label| charts::Chart {
        id,
        title,
        desc,
        categories,
        series,
        y_label,
    };
    let specs: [(charts::Draw, charts::Chart<'_>); 4] = [
        (
            charts::stacked_bars,
            chart(
                "trend-severity",
                "Incidents per month, by severity",
                "Stacked bars: incidents started in each month, split by severity.",
                &months,
                &severity_series,
                "incidents",
            ),
        ),
        (
            charts::lines,
            chart(
                "trend-times",
                "Time to detect, mitigate and resolve",
                "Minutes from the start of each incident to its detection, mitigation and resolution, in date order.",
                &labels,
                &time_series,
                "minutes",
            ),
        ),
        (
            charts::stacked_bars,
            chart(
                "trend-factors",
                "Contributing factors by category",
                "Bars: the number of contributing factors in each category across all incidents.",
                &category_names,
                &factor_series,
                "factors",
            ),
        ),
        (
            charts::stacked_bars,
            chart(
                "trend-actions",
                "Action items, open and done",
                "Stacked bars: action items of the incidents of each month, open (or in progress) and done (or won't do).",
                &months,
                &action_series,
                "actions",
            ),
        ),
    ];
    specs
        .iter()
        .map(|(draw, c)| serde_json::json!({ "title": c.title, "svg": draw(c) }))
        .collect()
}
