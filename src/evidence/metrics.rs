//! Metrics on the timeline: `[[metrics]]` files read into series of points.
//!
//! A metrics file is either a Prometheus `query_range` response, exactly as
//! `curl …/api/v1/query_range` writes it (`data.result[]` with `metric` labels and `values` of
//! `[epoch, "value"]` pairs; several series allowed), or a CSV of `time,value` or
//! `time,series,value` rows (a header row is optional; times in RFC 3339 or epoch seconds).
//! `NaN` and infinite values become gaps. Points out of time order are an error, at their line.

use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

mod prometheus;

use prometheus::prometheus;

use super::timestamp::{self, Context};
use crate::model::{Incident, LoadedIncident, Metric};

/// The largest metrics file read.
pub const MAX_BYTES: u64 = 128 << 20;
/// Series per metric at most; more are left out, with a note.
pub const MAX_SERIES: usize = 12;

/// One series of a metric: its label and its points (`None`: a gap).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub label: String,
    pub points: Vec<(Timestamp, Option<f64>)>,
    /// The line of each point in the file.
    #[serde(skip)]
    pub lines: Vec<u64>,
}

/// A metric, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricData {
    pub name: String,
    pub unit: String,
    pub threshold: Option<f64>,
    /// The file, relative to the incident folder.
    pub path: String,
    pub series: Vec<Series>,
    /// Series left out over [`MAX_SERIES`].
    pub left_out: usize,
}

/// Why a metrics file could not be read: always with the file and the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{path}:{line}`: {message}")]
pub struct MetricError {
    pub path: String,
    pub line: u64,
    pub message: String,
}

/// Reads every `[[metrics]]` entry of `loaded`; each gives its data or its error.
pub fn read_all(loaded: &LoadedIncident) -> Vec<Result<MetricData, MetricError>> {
    loaded
        .incident
        .metrics
        .iter()
        .map(|m| read(&loaded.dir, &loaded.incident, m))
        .collect()
}

/// Reads one metric's file.
pub fn read(dir: &Path, incident: &Incident, metric: &Metric) -> Result<MetricData, MetricError> {
    let err = |line: u64, message: String| MetricError {
        path: metric.path.clone(),
        line,
        message,
    };
    let file = dir.join(&metric.path);
    let meta = std::fs::metadata(&file).map_err(|e| err(0, format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(err(
            0,
            "it is not a regular file (a folder, a pipe or a device); name a metrics file".into(),
        ));
    }
    let len = meta.len();
    if len > MAX_BYTES {
        return Err(err(
            0,
            format!("it is {len} bytes; metrics files are read up to {MAX_BYTES} bytes"),
        ));
    }
    // Read at most the limit, whatever the file grows to meanwhile.
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(&file)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_BYTES), &mut bytes)
        })
        .map_err(|e| err(0, format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        err(line, "it is not UTF-8 text".into())
    })?;
    let mut series = if text.trim_start().starts_with('{') {
        prometheus(&text).map_err(|(line, m)| err(line, m))?
    } else {
        let tz = incident.tz();
        let year = incident
            .times
            .started
            .as_ref()
            .map_or(2000, |s| s.instant().to_zoned(tz.clone()).year());
        csv(&text, &mut Context::new(year, tz)).map_err(|(line, m)| err(line, m))?
    };
    for s in &series {
        if let Some(i) = (1..s.points.len()).find(|&i| s.points[i].0 <= s.points[i - 1].0) {
            return Err(err(
                s.lines[i],
                format!(
                    "series `{}`: this point ({}) is not after the one before it ({}); points must be in time order",
                    s.label,
                    s.points[i].0,
                    s.points[i - 1].0
                ),
            ));
        }
    }
    let left_out = series.len().saturating_sub(MAX_SERIES);
    series.truncate(MAX_SERIES);
    Ok(MetricData {
        name: metric.name.clone(),
        unit: metric.unit.clone().unwrap_or_default(),
        threshold: metric.threshold,
        path: metric.path.clone(),
        series,
        left_out,
    })
}

/// A value as a person reads it on a scale or in a sentence: `1250`, `12.5`, `0.042`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// A value as text: a number, or `NaN`/`±Inf` (a gap).
fn value(text: &str) -> Result<Option<f64>, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a number", text.trim()))?;
    Ok(v.is_finite().then_some(v))
}

/// The line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count() as u64
}

/// A CSV of `time,value` or `time,series,value`.
fn csv(text: &str, ctx: &mut Context) -> Result<Vec<Series>, (u64, String)> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out: Vec<Series> = Vec::new();
    let mut index: rustc_hash::FxHashMap<String, usize> = Default::default();
    let mut columns = None;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            (line, format!("not a valid CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut time =
            |text: &str| timestamp::any_text(text.as_bytes()).and_then(|w| w.resolve(ctx));
        let n = record.len();
        if columns.is_none() {
            if !(2..=3).contains(&n) {
                return Err((
                    line,
                    format!(
                        "neither a Prometheus query_range response nor a CSV of `time,value` or `time,series,value` rows: this row has {n} fields"
                    ),
                ));
            }
            columns = Some(n);
            // A first row whose time is not a time is the header.
            if time(&record[0]).is_none() {
                continue;
            }
        }
        if Some(n) != columns {
            return Err((
                line,
                format!(
                    "this row has {n} fields; the rows before it have {}",
                    columns.unwrap_or(0)
                ),
            ));
        }
        let at = time(&record[0]).ok_or_else(|| {
            (
                line,
                format!(
                    "`{}` is not a time (RFC 3339, or epoch seconds)",
                    &record[0]
                ),
            )
        })?;
        let (label, v) = if n == 3 {
            (&record[1], &record[2])
        } else {
            ("value", &record[1])
        };
        let v = value(v).map_err(|m| (line, m))?;
        // Each series found by its label in a map, not by walking the list: the rows of many
        // series take time in proportion to the rows.
        let i = match index.get(label) {
            Some(&i) => i,
            None => {
                index.insert(label.to_owned(), out.len());
                out.push(Series {
                    label: label.to_owned(),
                    points: Vec::new(),
                    lines: Vec::new(),
                });
                out.len() - 1
            }
        };
        let series = &mut out[i];
        series.points.push((at, v));
        series.lines.push(line);
    }
    if out.is_empty() {
        return Err((
            1,
            "no points: expected `time,value` rows, or a Prometheus query_range response".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::new(2026, jiff::tz::TimeZone::UTC)
    }

    #[test]
    fn a_query_range_response_gives_one_series_per_result() {
        let text = r#"{"status":"success","data":{"resultType":"matrix","result":[
{"metric":{"__name__":"http_requests","code":"500"},"values":[[1793710920,"1.5"],[1793710980,"NaN"],[1793711040,"7"]]},
{"metric":{},"values":[[1793710920.5,"+Inf"]]}]}}"#;
        let s = prometheus(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "http_requests{code=500}");
        assert_eq!(
            s[0].points.iter().map(|p| p.1).collect::<Vec<_>>(),
            [Some(1.5), None, Some(7.0)]
        );
        assert_eq!(s[0].lines, [2, 2, 2]);
        assert_eq!(s[1].label, "series 1".replace('1', "2"));
        assert_eq!(s[1].points[0].1, None);
        assert_eq!(s[1].lines, [3]);
    }

    #[test]
    fn csv_rows_with_and_without_a_series_column() {
        let s = csv(
            "time,value\n2026-11-03T13:02:00Z,1\n2026-11-03T13:03:00Z,NaN\n",
            &mut ctx(),
        )
        .unwrap();
        assert_eq!(s[0].points.len(), 2);
        assert_eq!(s[0].lines, [2, 3]);
        let s = csv(
            "1793710920,a,1\n1793710920,b,2\n1793710980,a,3\n",
            &mut ctx(),
        )
        .unwrap();
        assert_eq!(
            s.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(s[0].lines, [1, 3]);
    }

    #[test]
    fn bad_files_say_where() {
        assert_eq!(
            csv("time,value\n2026-11-03T13:02:00Z,x\n", &mut ctx())
                .unwrap_err()
                .0,
            2
        );
        assert_eq!(csv("a,b,c,d\n", &mut ctx()).unwrap_err().0, 1);
        assert_eq!(csv("t,v\nsoon,1\n", &mut ctx()).unwrap_err().0, 2);
        assert_eq!(
            csv(
                "t,v\n2026-11-03T13:02:00Z,1\n2026-11-03T13:02:00Z,1,3\n",
                &mut ctx()
            )
            .unwrap_err()
            .0,
            3
        );
        let (line, message) = prometheus("{\"data\": 3}").unwrap_err();
        assert_eq!(line, 1);
        assert!(message.contains("neither a Prometheus"), "{message}");
        let (line, _) = prometheus(
            "{\n\"data\": {\"result\": [{\"values\": [[1793710920, \"1\"],\n[\"x\", \"2\"]]}]}}",
        )
        .unwrap_err();
        assert_eq!(line, 3);
        assert!(
            prometheus("{\"status\":\"error\",\"error\":\"bad query\"}")
                .unwrap_err()
                .1
                .contains("bad query")
        );
        assert!(
            prometheus("{\"data\":{\"resultType\":\"vector\",\"result\":[]}}")
                .unwrap_err()
                .1
                .contains("query_range")
        );
    }
}
