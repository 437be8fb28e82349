//! A range query against Prometheus' HTTP API (`/api/v1/query_range`), over the incident's
//! window, kept exactly as Prometheus answered: the format `[[metrics]]` reads.

use anyhow::bail;
use serde::Deserialize;

use super::Window;
use super::http::{Client, without_credentials};

/// Prometheus refuses a query of more points than this per series.
const MAX_POINTS: i64 = 11_000;
/// The points per series asked for when no step is given.
const AIM_POINTS: i64 = 1_000;
/// The finest step chosen on its own: a common scrape interval.
const MIN_STEP: i64 = 15;

/// An answer that holds data.
#[derive(Debug)]
pub struct Pulled {
    pub bytes: Vec<u8>,
    pub series: usize,
    pub points: usize,
    pub step: i64,
}

/// The step when none is given: about [`AIM_POINTS`] points over the window.
pub fn default_step(window: &Window) -> i64 {
    (window.seconds() + AIM_POINTS - 1) / AIM_POINTS
}

pub fn query_range(
    client: &Client,
    base: &str,
    query: &str,
    window: &Window,
    step: Option<i64>,
) -> anyhow::Result<Pulled> {
    let step = step.unwrap_or_else(|| default_step(window).max(MIN_STEP));
    if step < 1 {
        bail!("--step must be at least one second");
    }
    let points = window.seconds() / step + 1;
    if points > MAX_POINTS {
        bail!(
            "--step {step}s gives {points} points over the window; Prometheus answers at most {MAX_POINTS} per series: use --step {} or more",
            window.seconds() / (MAX_POINTS - 1) + 1
        );
    }
    let path = format!(
        "/api/v1/query_range?query={}&start={}&end={}&step={step}",
        percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC),
        window.from.as_second(),
        window.to.as_second(),
    );
    let answer = client.get(base, &path, "Prometheus")?;
    let shown = without_credentials(base);
    let reply: Reply = match serde_json::from_slice(&answer.body) {
        Ok(reply) => reply,
        Err(_) => bail!(
            "Prometheus at {shown} answered HTTP {} with something that is not its API's JSON: {}",
            answer.status,
            excerpt(&answer.body)
        ),
    };
    if reply.status != "success" || answer.status >= 400 {
        let kind = reply.error_type.unwrap_or_default();
        let message = reply
            .error
            .unwrap_or_else(|| format!("HTTP {}", answer.status));
        bail!(
            "Prometheus at {shown} refused the query ({}): {message}",
            if kind.is_empty() {
                "no reason given"
            } else {
                kind.as_str()
            }
        );
    }
    let Some(data) = reply.data else {
        bail!("Prometheus at {shown} answered success without data");
    };
    if data.result_type != "matrix" {
        bail!(
            "Prometheus answered a {} where a range query gives a matrix",
            data.result_type
        );
    }
    let points: usize = data.result.iter().map(|s| s.values.len()).sum();
    if points == 0 {
        bail!(
            "`{query}` has no data between {} and {} on {shown}; nothing was written (try the query in Prometheus' graph page over that time)",
            window.from,
            window.to
        );
    }
    Ok(Pulled {
        series: data.result.len(),
        points,
        step,
        bytes: answer.body,
    })
}

/// The start of an answer that is not JSON, as one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        "an empty body".into()
    } else {
        format!("`{line}`")
    }
}

#[derive(Deserialize)]
struct Reply {
    status: String,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(default)]
    result: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    values: Vec<serde::de::IgnoredAny>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_keeps_the_points_near_a_thousand() {
        let window = |hours: i64| Window {
            from: "2026-12-01T00:00:00Z".parse().unwrap(),
            to: jiff::Timestamp::from_second(
                "2026-12-01T00:00:00Z"
                    .parse::<jiff::Timestamp>()
                    .unwrap()
                    .as_second()
                    + hours * 3600,
            )
            .unwrap(),
        };
        assert_eq!(default_step(&window(1)).max(MIN_STEP), 15);
        assert_eq!(default_step(&window(8)), 29);
        assert_eq!(default_step(&window(24 * 7)), 605);
    }
}
