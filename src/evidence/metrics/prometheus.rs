//! A Prometheus `query_range` response (`/api/v1/query_range`, as `curl` saves it).
//!
//! A good file is read straight into its points, with no tree of JSON values in between (a
//! 100 MB response took 930 MB that way; it now takes a fraction of it), and the line of each
//! point is counted forward in one pass. A file that does not read so is read again as a tree,
//! to say what is wrong and where.

use serde::Deserialize;

use super::{Series, line_of, value};
use crate::evidence::timestamp;

/// A Prometheus `query_range` response.
pub(super) fn prometheus(text: &str) -> Result<Vec<Series>, (u64, String)> {
    match lean(text) {
        Some(series) => Ok(series),
        None => checked(text),
    }
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    status: Option<String>,
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType", default)]
    result_type: Option<String>,
    result: Vec<RawSeries>,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: serde_json::Map<String, serde_json::Value>,
    values: Vec<(serde_json::Number, Text)>,
}

/// A point's value, as Prometheus writes it: a string (`"12.5"`, `"NaN"`).
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Text)
    }
}

/// The series of a well-formed response, or `None` when anything is off (the checked reading
/// then says what).
fn lean(text: &str) -> Option<Vec<Series>> {
    let doc: Response = serde_json::from_str(text).ok()?;
    if doc.status.as_deref() == Some("error")
        || doc
            .data
            .result_type
            .as_deref()
            .is_some_and(|k| k != "matrix")
    {
        return None;
    }
    let mut cursor = 0;
    let mut lines = Lines::new(text);
    let mut out = Vec::with_capacity(doc.data.result.len());
    for (i, raw) in doc.data.result.into_iter().enumerate() {
        let mut series = Series {
            label: label(&raw.metric, i),
            points: Vec::with_capacity(raw.values.len()),
            lines: Vec::with_capacity(raw.values.len()),
        };
        for (t, v) in raw.values {
            if let Some(open) = text[cursor..].find('[') {
                cursor += open;
            }
            let written = t.to_string();
            if let Some(found) = text[cursor..].find(&written) {
                cursor += found + written.len();
            }
            let Some(timestamp::When::Exact(at)) = timestamp::epoch_number(t.as_f64()?, false)
            else {
                return None;
            };
            series.points.push((at, value(&v.0).ok()?));
            series.lines.push(lines.at(cursor));
        }
        out.push(series);
    }
    Some(out)
}

/// A series' label from its labels: `name{a=b, c=d}`, the labels alone, or `series N`.
fn label(labels: &serde_json::Map<String, serde_json::Value>, i: usize) -> String {
    if labels.is_empty() {
        return format!("series {}", i + 1);
    }
    let name = labels
        .get("__name__")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    match (name.is_empty(), rest.is_empty()) {
        (false, true) => name.to_owned(),
        (true, _) => rest.join(", "),
        (false, false) => format!("{name}{{{}}}", rest.join(", ")),
    }
}

/// Line numbers of offsets that only move forward, each counted from the one before: a file's
/// points are numbered in one pass, not by recounting from the start for every point.
struct Lines<'t> {
    text: &'t [u8],
    offset: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += bytecount::count(&self.text[self.offset..offset], b'\n') as u64;
        self.offset = offset;
        self.line
    }
}

/// A Prometheus `query_range` response, read as a tree of values: slower and several times
/// larger in memory than [`prometheus`], but it says precisely what is wrong with a file that
/// is not one.
fn checked(text: &str) -> Result<Vec<Series>, (u64, String)> {
    use serde_json::Value;
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        (
            e.line() as u64,
            format!("not valid JSON: {e}; expected a Prometheus query_range response"),
        )
    })?;
    let shape = || {
        (
            1,
            "neither a Prometheus query_range response (`{\"status\": \"success\", \"data\": {\"resultType\": \"matrix\", \"result\": [...]}}`) nor a CSV of `time,value` rows".to_owned(),
        )
    };
    if doc.get("status").and_then(Value::as_str) == Some("error") {
        let why = doc
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        return Err((1, format!("Prometheus answered with an error: {why}")));
    }
    let data = doc.get("data").ok_or_else(shape)?;
    if let Some(kind) = data.get("resultType").and_then(Value::as_str)
        && kind != "matrix"
    {
        return Err((
            1,
            format!(
                "the result type is `{kind}`; use /api/v1/query_range, whose result is a `matrix`"
            ),
        ));
    }
    let result = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(shape)?;
    // Where to look for each point's line: after the previous one.
    let mut cursor = 0;
    let mut lines = Lines::new(text);
    let mut out = Vec::new();
    for (i, r) in result.iter().enumerate() {
        let label = match r.get("metric").and_then(Value::as_object) {
            Some(labels) => label(labels, i),
            None => format!("series {}", i + 1),
        };
        let values = r.get("values").and_then(Value::as_array).ok_or_else(|| {
            (
                line_of(text, cursor),
                format!("result[{i}] has no `values` array of [time, \"value\"] pairs"),
            )
        })?;
        let mut series = Series {
            label,
            points: Vec::with_capacity(values.len()),
            lines: Vec::with_capacity(values.len()),
        };
        for (j, pair) in values.iter().enumerate() {
            // Each point starts with `[`: from there its line is counted.
            if let Some(open) = text[cursor..].find('[') {
                cursor += open;
            }
            let bad = |cursor: usize, what: String| {
                (
                    line_of(text, cursor),
                    format!("result[{i}].values[{j}]: {what}"),
                )
            };
            let (Some(t), Some(v)) = (pair.get(0), pair.get(1)) else {
                return Err(bad(cursor, "expected [time, \"value\"]".into()));
            };
            let number = t
                .as_f64()
                .ok_or_else(|| bad(cursor, format!("the time `{t}` is not a number of seconds")))?;
            // Find the point in the text for its line number: its time as written.
            let written = t.to_string();
            if let Some(found) = text[cursor..].find(&written) {
                cursor += found + written.len();
            }
            let Some(timestamp::When::Exact(at)) = timestamp::epoch_number(number, false) else {
                return Err(bad(cursor, format!("the time `{t}` is out of range")));
            };
            let v = v
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string());
            let v = value(&v).map_err(|m| bad(cursor, m))?;
            series.points.push((at, v));
            series.lines.push(lines.at(cursor));
        }
        out.push(series);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_counted_forward_agree_with_counting_from_the_start() {
        let text = "a\nbb\n\nccc\n[1,\"2\"]\n\n[3";
        let mut lines = Lines::new(text);
        for offset in (0..=text.len() + 2).chain([3, 0, 9]) {
            assert_eq!(lines.at(offset), super::line_of(text, offset), "{offset}");
        }
    }

    #[test]
    fn the_lean_and_the_checked_reading_agree() {
        for text in [
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[\n{\"metric\":{\"__name__\":\"up\",\"pod\":\"a\"},\"values\":[[1793710800,\"1\"],\n[1793710815.5,\"NaN\"]]},\n{\"metric\":{},\"values\":[[1793710800,\"+Inf\"]]}]}}",
            "{\"data\":{\"result\":[{\"metric\":{\"job\":\"x\"},\"values\":[]}]}}",
        ] {
            let lean = lean(text).expect("a good response reads lean");
            let checked = checked(text).expect("and checked");
            assert_eq!(lean.len(), checked.len());
            for (a, b) in lean.iter().zip(&checked) {
                assert_eq!(a.label, b.label);
                assert_eq!(a.points, b.points);
                assert_eq!(a.lines, b.lines);
            }
        }
        // What the lean reading cannot take goes to the checked one, which says why.
        assert!(lean("{\"data\": 3}").is_none());
        assert!(lean("{\"data\":{\"result\":[{\"values\":[[\"x\",\"2\"]]}]}}").is_none());
    }
}
