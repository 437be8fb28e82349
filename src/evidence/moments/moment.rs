//! A proposed moment, and the words moments are told in.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::changepoints::Step;

/// A proposed moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    pub at: Timestamp,
    /// What happened, in one line: the timeline text if promoted.
    pub text: String,
    pub lane: String,
    /// `path:line` of the first line that shows it.
    pub source: String,
    /// Always `moment`.
    pub kind: &'static str,
    /// Why it is proposed, in words.
    pub reason: String,
    /// 0 to 1; higher is more notable.
    pub score: f64,
}

/// A step as a moment at the start of `minute`, with its words and its score.
pub fn step_moment(
    step: &Step,
    minute: i64,
    text: String,
    reason: String,
    lane: &str,
    source: String,
) -> Moment {
    Moment {
        at: minute_start(minute),
        text,
        lane: lane.to_owned(),
        source,
        kind: "moment",
        reason: format!(
            "{reason}; a step fits the counts far better than one steady rate (log-likelihood ratio {:.0})",
            step.llr
        ),
        score: 0.3 + 0.6 * (1.0 - (-step.llr / 60.0).exp()),
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

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1412), "1,412");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
