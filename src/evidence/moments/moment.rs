//! A proposed moment, and the words moments are told in.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::changepoints::Step;

/// A proposed moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    /// When it shows first: the time of the first entry (or point) that shows it.
    pub at: Timestamp,
    /// What happened, in one line: the timeline text if promoted.
    pub text: String,
    pub lane: String,
    /// `path:line` of the first line that shows it.
    pub source: String,
    /// Always `moment`.
    pub kind: &'static str,
    /// Why it is proposed, in plain words.
    pub reason: String,
    /// The statistics behind it, for those who want them.
    pub statistics: String,
    /// 0 to 1, three decimals; higher is stronger evidence.
    #[serde(serialize_with = "three_decimals")]
    pub score: f64,
    /// Moments of one group near each other tell one change; the best of them is kept. A new
    /// template is a group of its own, so no other moment hides it.
    #[serde(skip)]
    pub group: String,
    /// Whether it shows trouble starting (a new error, errors or their share rising): the
    /// first of these anchors "what changed just before".
    #[serde(skip)]
    pub trouble: bool,
}

fn three_decimals<S: serde::Serializer>(score: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round3(*score))
}

/// A score as it is shown: three decimals.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A score from a likelihood ratio (nats): rising with the evidence without a ceiling in
/// reach, so strong steps keep distinct scores (`llr / (llr + 60)` scaled into 0.3–0.9).
pub fn evidence_score(llr: f64) -> f64 {
    0.3 + 0.6 * llr / (llr + 60.0)
}

/// A step as a moment at `at` (the first entry of the new regime), with its words.
pub fn step_moment(
    step: &Step,
    at: Timestamp,
    text: String,
    reason: String,
    lane: &str,
    source: String,
) -> Moment {
    Moment {
        at,
        text,
        lane: lane.to_owned(),
        source,
        kind: "moment",
        reason,
        statistics: format!(
            "a step fits far better than one steady level: log-likelihood ratio {:.1}",
            step.llr
        ),
        score: evidence_score(step.llr),
        group: format!("lane:{lane}"),
        trouble: false,
    }
}

/// A rate step in words: `rose 5× (2.0 → 10 per minute)`.
pub fn step_words(step: &Step) -> String {
    let ratio = if step.before > 0.0 {
        step.after / step.before
    } else {
        f64::INFINITY
    };
    if ratio.is_infinite() {
        format!("started: {} per minute", rate(step.after))
    } else if ratio >= 1.0 {
        format!(
            "rose {:.0}× ({} → {} per minute)",
            ratio,
            rate(step.before),
            rate(step.after)
        )
    } else {
        format!(
            "fell from {} to {} per minute",
            rate(step.before),
            rate(step.after)
        )
    }
}

pub fn clock(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

pub fn minute_start(minute: i64) -> Timestamp {
    Timestamp::from_second(minute * 60).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn rate(per_minute: f64) -> String {
    if per_minute >= 10.0 {
        format!("{per_minute:.0}")
    } else {
        format!("{per_minute:.1}")
    }
}

pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_well() {
        assert_eq!(percent(0.02), "2.0 %");
        assert_eq!(percent(0.25), "25 %");
    }
}
