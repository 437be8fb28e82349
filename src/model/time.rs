//! Times as written in `incident.toml`, and the instants they mean.
//!
//! A TOML datetime with an offset (`2026-11-03T14:02:00+01:00`) names one instant and keeps it
//! whatever zone the incident is displayed in. One without an offset (`2026-11-03T14:02:00`) is a
//! wall-clock reading in the incident's `timezone`, and only means an instant once that zone is
//! known; the loader resolves every such reading right after parsing.

use std::borrow::Cow;
use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, Zoned};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::value::{Datetime as TomlDatetime, Offset as TomlOffset};

/// The widest offset from UTC a time may be written with: ±18:00, as ISO 8601 tools take it.
/// Real zones stay within -12:00 and +14:00; jiff and TOML would read up to ±25:59, where a
/// typo moves a moment by a day.
pub const MAX_OFFSET_SECONDS: i32 = 18 * 3600;

/// Whether an offset of `seconds` from UTC is one a time may be written with.
pub fn plausible_offset(seconds: i32) -> bool {
    seconds.abs() <= MAX_OFFSET_SECONDS
}

/// A moment in an incident, as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// Written with an offset (or `Z`): a fixed instant, plus the offset the author used.
    Exact {
        instant: Timestamp,
        offset_seconds: i32,
    },
    /// Written without an offset: a wall-clock reading in the incident's zone.
    Floating(DateTime),
}

/// How a floating reading maps onto its zone; a gap or a fold is worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Unique,
    /// The wall clock skipped this reading (spring forward); it is read as after the gap.
    Gap,
    /// The wall clock showed this reading twice (fall back); it is read as the earlier one.
    Fold,
}

impl Stamp {
    /// The instant this stamp names, reading a floating stamp in `tz`.
    ///
    /// Ambiguous readings follow the "compatible" rule that RFC 5545 and most calendars use:
    /// a reading in a gap moves forward by the gap, and a reading in a fold is the earlier one.
    pub fn resolve(&self, tz: &TimeZone) -> (Timestamp, Resolution) {
        match self {
            Stamp::Exact { instant, .. } => (*instant, Resolution::Unique),
            Stamp::Floating(dt) => {
                let ambiguous = tz.to_ambiguous_timestamp(*dt);
                let resolution = match ambiguous.offset() {
                    AmbiguousOffset::Unambiguous { .. } => Resolution::Unique,
                    AmbiguousOffset::Gap { .. } => Resolution::Gap,
                    AmbiguousOffset::Fold { .. } => Resolution::Fold,
                };
                // `compatible` only fails for datetimes outside jiff's supported range, which a
                // TOML datetime (years 0..=9999) converted through `DateTime::new` cannot reach.
                let instant = ambiguous.compatible().unwrap_or(Timestamp::UNIX_EPOCH);
                (instant, resolution)
            }
        }
    }

    /// This stamp made exact in `tz`, keeping the offset that applied there.
    pub fn fixed(&self, tz: &TimeZone) -> Stamp {
        match self {
            Stamp::Exact { .. } => self.clone(),
            Stamp::Floating(_) => {
                let (instant, _) = self.resolve(tz);
                Stamp::Exact {
                    instant,
                    offset_seconds: tz.to_offset(instant).seconds(),
                }
            }
        }
    }

    /// The instant, for a stamp the loader has already fixed. A floating stamp reads as UTC here;
    /// loaded incidents never hold one.
    pub fn instant(&self) -> Timestamp {
        self.resolve(&TimeZone::UTC).0
    }

    pub fn is_floating(&self) -> bool {
        matches!(self, Stamp::Floating(_))
    }

    /// The stamp shown in `tz`.
    pub fn in_zone(&self, tz: &TimeZone) -> Zoned {
        self.resolve(tz).0.to_zoned(tz.clone())
    }

    fn from_toml(dt: &TomlDatetime) -> Result<Stamp, String> {
        let (Some(date), Some(time)) = (dt.date, dt.time) else {
            return Err(format!(
                "expected a date and time such as 2026-11-03T14:02:00+01:00, found `{dt}`"
            ));
        };
        let civil = DateTime::new(
            date.year as i16,
            date.month as i8,
            date.day as i8,
            time.hour as i8,
            time.minute as i8,
            time.second.unwrap_or(0) as i8,
            time.nanosecond.unwrap_or(0) as i32,
        )
        .map_err(|e| format!("`{dt}` is not a valid date and time: {e}"))?;
        Ok(match dt.offset {
            None => Stamp::Floating(civil),
            Some(offset) => {
                let seconds = match offset {
                    TomlOffset::Z => 0,
                    TomlOffset::Custom { minutes } => i32::from(minutes) * 60,
                };
                if !plausible_offset(seconds) {
                    return Err(format!(
                        "`{dt}` has an offset past ±18:00; no zone is that far from UTC"
                    ));
                }
                let offset = jiff::tz::Offset::from_seconds(seconds)
                    .map_err(|e| format!("`{dt}` has an invalid offset: {e}"))?;
                let instant = offset
                    .to_timestamp(civil)
                    .map_err(|e| format!("`{dt}` is out of range: {e}"))?;
                Stamp::Exact {
                    instant,
                    offset_seconds: seconds,
                }
            }
        })
    }
}

impl fmt::Display for Stamp {
    /// RFC 3339, with the offset the author wrote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stamp::Exact {
                instant,
                offset_seconds,
            } => match jiff::tz::Offset::from_seconds(*offset_seconds) {
                Ok(offset) => write!(f, "{}", instant.display_with_offset(offset)),
                Err(_) => write!(f, "{instant}"),
            },
            Stamp::Floating(dt) => write!(f, "{dt}"),
        }
    }
}

/// Reads a TOML datetime, also from a quoted string, with an example in every error.
fn toml_datetime<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &'static str,
    example: &'static str,
) -> Result<TomlDatetime, D::Error> {
    struct Visit(&'static str, &'static str);
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = TomlDatetime;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} such as {}", self.0, self.1)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TomlDatetime, E> {
            text.parse().map_err(|_| {
                E::custom(format!(
                    "expected {} such as {}, found \"{text}\"",
                    self.0, self.1
                ))
            })
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TomlDatetime, A::Error> {
            TomlDatetime::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_any(Visit(what, example))
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let dt = toml_datetime(deserializer, "a date and time", "2026-11-03T14:02:00+01:00")?;
        Stamp::from_toml(&dt).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for Stamp {
    fn schema_name() -> Cow<'static, str> {
        "Stamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // TOML datetimes reach JSON Schema validators as strings. A plain "date-time" format would
        // reject the offset-less form, which is valid here, so the pattern spells out both.
        json_schema!({
            "type": "string",
            "description": "A TOML datetime. With an offset it is an exact instant; without one it is read in the incident's timezone.",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?$"
        })
    }
}

/// A calendar date such as an action's `due`: a local date with no time or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Due(pub Date);

impl<'de> Deserialize<'de> for Due {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let dt = toml_datetime(deserializer, "a date", "2026-12-01")?;
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => Date::new(d.year as i16, d.month as i8, d.day as i8)
                .map(Due)
                .map_err(|e| serde::de::Error::custom(format!("`{dt}` is not a valid date: {e}"))),
            _ => Err(serde::de::Error::custom(format!(
                "expected a date such as 2026-12-01, found `{dt}`"
            ))),
        }
    }
}

impl Serialize for Due {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl fmt::Display for Due {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl JsonSchema for Due {
    fn schema_name() -> Cow<'static, str> {
        "Due".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "description": "A local date, written unquoted: due = 2026-12-01"
        })
    }
}

/// A duration in the words people use in a review: `7m`, `1h 05m`, `2d 3h`.
pub fn human_duration(d: SignedDuration) -> String {
    let negative = d.is_negative();
    let total = d.as_secs().unsigned_abs();
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total % 86_400 / 3_600,
        total % 3_600 / 60,
        total % 60,
    );
    let text = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{seconds}s")
    };
    if negative { format!("-{text}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(text: &str) -> Stamp {
        #[derive(Deserialize)]
        struct Wrap {
            at: Stamp,
        }
        toml::from_str::<Wrap>(&format!("at = {text}")).unwrap().at
    }

    #[test]
    fn offsets_past_18_hours_are_refused() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)] // Only whether it parses matters.
        struct Wrap {
            at: Stamp,
        }
        assert!(toml::from_str::<Wrap>("at = 2026-11-03T14:02:00+18:00").is_ok());
        assert!(toml::from_str::<Wrap>("at = 2026-11-03T14:02:00-14:00").is_ok());
        let e = toml::from_str::<Wrap>("at = 2026-11-03T14:02:00+20:00").unwrap_err();
        assert!(e.to_string().contains("±18:00"), "{e}");
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    #[test]
    fn an_offset_keeps_its_instant_in_any_zone() {
        let s = stamp("2026-11-03T14:02:00+01:00");
        let expected: Timestamp = "2026-11-03T13:02:00Z".parse().unwrap();
        assert_eq!(s.resolve(&berlin()).0, expected);
        assert_eq!(
            s.resolve(&TimeZone::get("America/New_York").unwrap()).0,
            expected
        );
        assert_eq!(s.to_string(), "2026-11-03T14:02:00+01:00");
    }

    #[test]
    fn an_offset_without_a_colon_or_with_z_is_exact() {
        let expected: Timestamp = "2026-11-03T13:02:00Z".parse().unwrap();
        assert_eq!(stamp("2026-11-03T13:02:00Z").instant(), expected);
        assert_eq!(stamp("2026-11-03 14:02:00+01:00").instant(), expected);
    }

    #[test]
    fn a_floating_time_is_read_in_the_incident_zone() {
        let s = stamp("2026-11-03T14:02:00");
        assert!(s.is_floating());
        let expected: Timestamp = "2026-11-03T13:02:00Z".parse().unwrap();
        assert_eq!(s.resolve(&berlin()), (expected, Resolution::Unique));
        // The same reading in New York is a different instant.
        let ny = TimeZone::get("America/New_York").unwrap();
        let expected_ny: Timestamp = "2026-11-03T19:02:00Z".parse().unwrap();
        assert_eq!(s.resolve(&ny).0, expected_ny);
        // Fixing it keeps the zone's offset of that day.
        assert_eq!(s.fixed(&berlin()).to_string(), "2026-11-03T14:02:00+01:00");
    }

    #[test]
    fn summer_time_changes_the_offset() {
        let s = stamp("2026-07-03T14:02:00");
        assert_eq!(s.fixed(&berlin()).to_string(), "2026-07-03T14:02:00+02:00");
    }

    #[test]
    fn a_reading_in_the_spring_gap_moves_forward() {
        // Berlin skipped 02:00-03:00 on 2026-03-29.
        let s = stamp("2026-03-29T02:30:00");
        let (instant, resolution) = s.resolve(&berlin());
        assert_eq!(resolution, Resolution::Gap);
        assert_eq!(
            instant,
            "2026-03-29T01:30:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn a_reading_in_the_autumn_fold_is_the_earlier_one() {
        // Berlin showed 02:00-03:00 twice on 2026-10-25.
        let s = stamp("2026-10-25T02:30:00");
        let (instant, resolution) = s.resolve(&berlin());
        assert_eq!(resolution, Resolution::Fold);
        assert_eq!(
            instant,
            "2026-10-25T00:30:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn fractions_are_kept() {
        let s = stamp("2026-11-03T14:02:00.250+01:00");
        assert_eq!(
            s.instant(),
            "2026-11-03T13:02:00.25Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn a_date_alone_is_not_a_stamp() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // Only the error matters here.
        struct Wrap {
            at: Stamp,
        }
        let err = toml::from_str::<Wrap>("at = 2026-11-03").unwrap_err();
        assert!(err.message().contains("expected a date and time"), "{err}");
    }

    #[test]
    fn quoted_times_are_read_and_junk_gets_an_example() {
        assert_eq!(
            stamp("\"2026-11-03T13:02:00Z\""),
            stamp("2026-11-03T13:02:00Z")
        );
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // Only the error matters here.
        struct Wrap {
            at: Stamp,
        }
        let err = toml::from_str::<Wrap>("at = \"yesterday\"").unwrap_err();
        assert_eq!(
            err.message(),
            "expected a date and time such as 2026-11-03T14:02:00+01:00, found \"yesterday\""
        );
    }

    #[test]
    fn due_is_a_local_date() {
        #[derive(Deserialize)]
        struct Wrap {
            due: Due,
        }
        let due = toml::from_str::<Wrap>("due = 2026-12-01").unwrap().due;
        assert_eq!(due.0, jiff::civil::date(2026, 12, 1));
        assert!(toml::from_str::<Wrap>("due = 2026-12-01T10:00:00Z").is_err());
        assert!(toml::from_str::<Wrap>("due = 2026-02-30").is_err());
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(human_duration(SignedDuration::from_secs(7 * 60)), "7m");
        assert_eq!(human_duration(SignedDuration::from_secs(3_900)), "1h 05m");
        assert_eq!(
            human_duration(SignedDuration::from_secs(2 * 86_400 + 3 * 3_600)),
            "2d 3h"
        );
        assert_eq!(human_duration(SignedDuration::from_secs(42)), "42s");
        assert_eq!(human_duration(SignedDuration::from_secs(-120)), "-2m");
    }
}
