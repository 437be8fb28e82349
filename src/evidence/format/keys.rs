//! The keys that hold the time, the level and the message in logs that name their fields.

/// Keys that hold the time, the level and the message in structured logs.
pub(super) const TIME_KEYS: &[&str] = &[
    "ts",
    "time",
    "timestamp",
    "@timestamp",
    "date",
    "t",
    "datetime",
];
pub(super) const LEVEL_KEYS: &[&str] = &["level", "lvl", "severity", "log.level", "loglevel"];
pub(super) const MSG_KEYS: &[&str] = &["msg", "message", "text", "event", "summary"];
/// [`TIME_KEYS`] as they appear in JSON (`"ts"`) and in logfmt (`ts=`): searched for on
/// every line, so spelled out once here.
pub(super) const TIME_KEYS_JSON: &[&str] = &[
    "\"ts\"",
    "\"time\"",
    "\"timestamp\"",
    "\"@timestamp\"",
    "\"date\"",
    "\"t\"",
    "\"datetime\"",
];
pub(super) const TIME_KEYS_LOGFMT: &[&str] = &[
    "ts=",
    "time=",
    "timestamp=",
    "@timestamp=",
    "date=",
    "t=",
    "datetime=",
];
