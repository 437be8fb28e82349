//! The archive's trends: `trends.html`, per month, and `themes.html`, what the contributing
//! factors have in common (worked out in `themes`).
//!
//! Times to detect, mitigate and resolve are given per month as the median and the 90th
//! percentile, each with how many incidents it is taken over: one line per incident is
//! unreadable at a few hundred incidents, and an average is pulled far off by a few long ones.

use super::common::Writer;
use super::digest::Digest;
use super::themes;
use crate::model::{ActionState, Config};
use crate::render::charts;
use serde::Serialize;

/// Writes `trends.html`, `themes.html` and the page of each service (which lists its themes).
pub(super) fn write(out: Writer<'_>, config: &Config, digests: &[Digest]) -> anyhow::Result<()> {
    let mut ctx = out.common.context("trends", "")?;
    ctx.insert("count", &digests.len());
    ctx.insert("charts", &trend_charts(config, digests));
    ctx.insert("months", &month_rows(digests));
    out.page("trends.html", "trends.html", &ctx)?;
    let t = themes::themes(digests);
    let mut ctx = out.common.context("themes", "")?;
    ctx.insert("count", &digests.len());
    ctx.insert("categories", &t.categories);
    ctx.insert("histogram", &t.histogram);
    ctx.insert("recurring", &t.recurring);
    out.page("themes.html", "themes.html", &ctx)?;
    super::services::write(out, digests, &t.recurring)?;

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

    // The median of each month, in minutes; a month with no such time has no point.
    let minutes = |name: &str| Series {
        name: format!("median {name}"),
        values: months
            .iter()
            .map(|m| {
                let times = month_times(&by_date, m, name);
                themes::quantile(&times, 0.5).map_or(f64::NAN, |s| s as f64 / 60.0)
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
    // Each action by where it stands today, in the month of its incident.
    let in_state = |states: &'static [ActionState]| {
        move |v: &Digest| {
            v.actions
                .keys
                .iter()
                .filter(|k| k.state().is_some_and(|s| states.contains(&s)))
                .count() as f64
        }
    };
    let action_series: Vec<Series> = [
        ("done", &[ActionState::Done][..]),
        ("won't do", &[ActionState::WontDo][..]),
        ("overdue", &[ActionState::Overdue][..]),
        (
            "open",
            &[
                ActionState::AtRisk,
                ActionState::OnTrack,
                ActionState::Unscheduled,
            ][..],
        ),
    ]
    .into_iter()
    .map(|(name, states)| Series {
        name: name.into(),
        values: per_month(&in_state(states), &|_| true),
    })
    .collect();
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
                "Median time to detect, mitigate and resolve, per month",
                "For the incidents of each month, the median number of minutes from the start to detection, mitigation and resolution; the table below gives the 90th percentiles and how many incidents each is taken over.",
                &months,
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
                "Action items per month: done, won't do, overdue and open",
                "Stacked bars: the action items of the incidents of each month, by where they stand today: done, won't do, overdue, and open (not yet due).",
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

/// The times `name` (`to detect`, …) of the incidents of `month`, in seconds, sorted.
fn month_times(by_date: &[&Digest], month: &str, name: &str) -> Vec<i64> {
    let mut times: Vec<i64> = by_date
        .iter()
        .filter(|v| v.summary.date.starts_with(month))
        .filter_map(|v| {
            v.durations
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s)
        })
        .collect();
    times.sort_unstable();
    times
}

/// A month of the table under the charts.
#[derive(Serialize)]
struct MonthRow {
    month: String,
    incidents: usize,
    detect: Spread,
    mitigate: Spread,
    resolve: Spread,
}

/// The median and 90th percentile of a month's times, and how many incidents they are over.
#[derive(Serialize)]
struct Spread {
    median: String,
    p90: String,
    count: usize,
}

/// The months of the archive, newest first, with their incidents and spreads of time.
fn month_rows(digests: &[Digest]) -> Vec<MonthRow> {
    let dated: Vec<&Digest> = digests
        .iter()
        .filter(|d| d.summary.date.len() >= 7)
        .collect();
    let mut months: Vec<&str> = dated.iter().map(|d| &d.summary.date[..7]).collect();
    months.sort_unstable();
    months.dedup();
    months
        .into_iter()
        .rev()
        .map(|m| {
            let spread = |name: &str| {
                let times = month_times(&dated, m, name);
                let q =
                    |p| themes::quantile(&times, p).map_or_else(|| "–".to_owned(), themes::shown);
                Spread {
                    median: q(0.5),
                    p90: q(0.9),
                    count: times.len(),
                }
            };
            MonthRow {
                month: m.to_owned(),
                incidents: dated
                    .iter()
                    .filter(|d| d.summary.date.starts_with(m))
                    .count(),
                detect: spread("to detect"),
                mitigate: spread("to mitigate"),
                resolve: spread("to resolve"),
            }
        })
        .collect()
}
