//! The incident: the types of `incident.toml`, exactly as the file names them.
//!
//! These types are the contract of the file format. Every struct rejects unknown keys, every
//! closed set of words is an enum with its serde name, and the JSON Schema that
//! `debrief schema` prints is derived from them, so the editor's view and the loader's agree.

pub mod blameless;
pub mod config;
pub mod names;
pub mod time;
pub mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use config::{Config, MeetingConfig};
pub use time::{Due, Stamp};

/// Declares a closed set of words as an enum with serde names, `Display` and the list of names.
/// A variant may take other words on the command line (`Overdue = "overdue" | "late"`); the
/// file holds the one word, and a near miss there gets a "did you mean".
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in the file.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(unknown_word(stringify!($name), s, &[$($text),+])),
                }
            }
        }
    };
}

/// Why `word` is not one of `names` (the words of the enum `kind`, as `ActionState`): the
/// closest name when it looks like a typo, and the list.
fn unknown_word(kind: &str, word: &str, names: &[&str]) -> String {
    let mut what = String::new();
    for c in kind.chars() {
        if c.is_ascii_uppercase() && !what.is_empty() {
            what.push(' ');
        }
        what.push(c.to_ascii_lowercase());
    }
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let hint = crate::load::document::suggest(word, &owned)
        .map(|best| format!("did you mean `{best}`? "))
        .unwrap_or_default();
    format!(
        "unknown {what} `{word}`; {hint}expected one of: {}",
        names.join(", ")
    )
}

word_enum!(
    /// Where the write-up is in its life.
    #[derive(Default)]
    Status {
        #[default]
        Draft = "draft",
        Review = "review",
        Published = "published",
    }
);

word_enum!(
    /// What a timeline entry records.
    #[derive(Default)]
    Kind {
        #[default]
        Event = "event",
        Alert = "alert",
        Detection = "detection",
        Action = "action",
        Decision = "decision",
        Communication = "communication",
        Mitigation = "mitigation",
        Observation = "observation",
    }
);

word_enum!(
    /// The kind of a contributing factor.
    #[derive(Default)]
    Category {
        #[default]
        Technical = "technical",
        Process = "process",
        Organisational = "organisational",
        External = "external",
    }
);

word_enum!(
    /// How urgent an action item is; P0 is the most urgent.
    Priority {
        P0 = "P0",
        P1 = "P1",
        P2 = "P2",
        P3 = "P3",
    }
);

word_enum!(
    /// Where an action item stands.
    #[derive(Default)]
    ActionStatus {
        #[default]
        Open = "open",
        InProgress = "in-progress",
        Done = "done",
        WontDo = "wont-do",
    }
);

word_enum!(
    /// Where an action item stands against its due date, as `debrief actions` judges it.
    ActionState {
        /// Overdue: not done, and due before today.
        Overdue = "overdue" | "late",
        /// Due, and likely to miss the date: see the forecast.
        AtRisk = "at-risk",
        OnTrack = "on-track",
        /// Not done, and no due date.
        Unscheduled = "unscheduled",
        Done = "done",
        WontDo = "wont-do",
    }
);

word_enum!(
    /// The three lists of `[lessons]`.
    LessonKind {
        WentWell = "went-well",
        WentWrong = "went-wrong",
        Lucky = "lucky",
    }
);

impl LessonKind {
    /// The key of the list in `[lessons]`.
    pub fn key(self) -> &'static str {
        match self {
            LessonKind::WentWell => "went_well",
            LessonKind::WentWrong => "went_wrong",
            LessonKind::Lucky => "lucky",
        }
    }
}

impl Lessons {
    /// A lesson's id: `l-` and eight hex digits of a hash of its list and text. Lessons are
    /// plain strings in the file, so the id comes from the text; it stays when other lessons
    /// are added or deleted, and follows the text when it changes.
    pub fn id(kind: LessonKind, text: &str) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{}\n{text}", kind.key()));
        let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        format!("l-{hex}")
    }

    /// The list of `kind`.
    pub fn of(&self, kind: LessonKind) -> &[String] {
        match kind {
            LessonKind::WentWell => &self.went_well,
            LessonKind::WentWrong => &self.went_wrong,
            LessonKind::Lucky => &self.lucky,
        }
    }
}

word_enum!(
    /// What an action item does about the incident.
    ActionKind {
        Mitigate = "mitigate",
        Prevent = "prevent",
        Detect = "detect",
        Process = "process",
    }
);

word_enum!(
    /// The phases of a review meeting, in order. Follow-ups (open actions carried over from
    /// related incidents) is only held when the incident sits in an archive.
    Phase {
        Prepare = "prepare",
        FollowUps = "follow-ups",
        Timeline = "timeline",
        Factors = "factors",
        Vote = "vote",
        Actions = "actions",
        Lessons = "lessons",
        WrapUp = "wrap-up",
    }
);

/// One incident, as written in `incident.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "debrief incident",
    description = "incident.toml: one incident of debrief"
)]
pub struct Incident {
    /// One line that says what users saw.
    pub title: String,
    /// Ordered by the `[severities]` of debrief.toml; SEV1 (worst) to SEV5 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default)]
    pub status: Status,
    /// The day the review was published (`status = "published"`): the site's feed announces
    /// the postmortem as of this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Due>,
    /// The IANA zone used for display, and for times written without an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default)]
    pub times: Times,
    #[serde(default)]
    pub impact: Impact,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Person>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<Factor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub lessons: Lessons,
    /// `public = false` leaves the whole incident out of a public build; a `[public]` table
    /// gives this incident's redaction rules and the items it hides (docs/public.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<config::PublicSetting>,
    /// The incident's name in a public build (`2026-11-05-dns-outage`): letters, digits and
    /// hyphens. Without it a public build names the incident by its date and a hash of its
    /// folder name, so the folder's name never reaches a customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_id: Option<String>,
    /// How the review meeting went, one answer per participant, without names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<Feedback>,
}

/// One participant's feedback on the review meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    /// A random id, so the same participant's next answer replaces this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// 1 (poor) to 5 (very good).
    #[schemars(range(min = 1, max = 5))]
    pub rating: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The key moments. Any may be missing; `check` warns when they are out of order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Times {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigated: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Stamp>,
}

/// Who and what was affected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Someone involved in the incident or the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// How the person is named elsewhere in the file (`by`, `owner`).
    pub handle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The team the person works in; the action forecast learns from each team's record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Evidence whose entries become timeline candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The lane the candidates appear in.
    pub name: String,
    /// A file or a glob, relative to the incident folder.
    pub path: String,
    /// `auto`, or a named format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// A regex with named groups `ts` and `msg`, for formats debrief does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Regexes; an entry is kept when any matches (default: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Regexes; an entry is dropped when any matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// The lowest level kept, where the format has levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Stop after this many kept entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<u64>,
    /// For timestamps without an offset (IANA name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// For formats without a year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i16>,
    /// Places (`path:line`) of log lines a public build leaves out: those that hidden timeline
    /// entries cite. Never in the file.
    #[serde(skip)]
    #[schemars(skip)]
    pub hidden_lines: Vec<String>,
}

/// A metric exported from a monitoring system, drawn as a sparkline lane under the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// The lane's name.
    pub name: String,
    /// A Prometheus `query_range` response (JSON) or a CSV of `time,value` or
    /// `time,series,value` rows, relative to the incident folder.
    pub path: String,
    /// Shown with the values: `%`, `ms`, `req/s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Drawn as a dashed line across the lane (an alert's threshold, an SLO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// One curated entry of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// Optional for hand-written entries; assigned when added live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub at: Stamp,
    /// Markdown (inline).
    pub text: String,
    #[serde(default)]
    pub kind: Kind,
    /// The swimlane in the diagram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
    /// A handle from `[[people]]`, or free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Provenance when promoted from evidence, as `path:line`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Highlighted in the diagram and summary.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub key: bool,
    /// `false` leaves it out of a public build (`debrief build --public`).
    #[serde(default = "public_default", skip_serializing_if = "is_public")]
    pub public: bool,
}

/// A contributing factor (not a "root cause").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub category: Category,
    /// Voter → number of dots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub votes: BTreeMap<String, u32>,
    /// Timeline entries that show this factor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Other factors this one feeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leads_to: Vec<String>,
    /// The recurring theme this factor belongs to, named by people (`"expiring credentials"`).
    /// Factors of any incident with the same theme (ignoring case) are one theme on the site,
    /// whatever their words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// `false` leaves it out of a public build (`debrief build --public`).
    #[serde(default = "public_default", skip_serializing_if = "is_public")]
    pub public: bool,
}

impl Factor {
    pub fn total_votes(&self) -> u32 {
        self.votes.values().sum()
    }
}

/// A named theme as themes are compared and shown across an archive: lower case, single
/// spaces (`"Expiring  Credentials"` is `expiring credentials`).
pub fn theme_key(theme: &str) -> String {
    theme
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An action item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub status: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ActionKind>,
    /// The factors this action addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The day the action became done; the meeting and `debrief actions done` record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<Due>,
    /// `false` leaves it out of a public build (`debrief build --public`).
    #[serde(default = "public_default", skip_serializing_if = "is_public")]
    pub public: bool,
}

fn public_default() -> bool {
    true
}

fn is_public(public: &bool) -> bool {
    *public
}

/// What the team learned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lessons {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub went_well: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub went_wrong: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lucky: Vec<String>,
}

/// The key durations of an incident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Durations {
    /// From `started` to `detected`.
    pub to_detect: Option<SignedDuration>,
    /// From `started` to `mitigated`.
    pub to_mitigate: Option<SignedDuration>,
    /// From `started` to `resolved`.
    pub to_resolve: Option<SignedDuration>,
}

/// The display zone named `timezone`, or UTC when it is missing or unknown.
pub fn zone(timezone: Option<&str>) -> TimeZone {
    timezone
        .and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC)
}

/// The first instant an incident is known by: `started`, or else its first timeline entry.
pub fn first_instant<'a>(
    tz: &TimeZone,
    started: Option<&Stamp>,
    timeline: impl Iterator<Item = &'a Stamp>,
) -> Option<Timestamp> {
    started
        .map(|s| s.resolve(tz).0)
        .or_else(|| timeline.map(|at| at.resolve(tz).0).min())
}

/// The local date, in the zone named `timezone`, an incident started (or was first seen).
pub fn opened<'a>(
    timezone: Option<&str>,
    started: Option<&Stamp>,
    timeline: impl Iterator<Item = &'a Stamp>,
) -> Option<jiff::civil::Date> {
    let tz = zone(timezone);
    first_instant(&tz, started, timeline).map(|t| t.to_zoned(tz).date())
}

impl Incident {
    /// The display zone: `timezone`, or UTC when it is missing or unknown.
    pub fn tz(&self) -> TimeZone {
        zone(self.timezone.as_deref())
    }

    /// Time to detect, mitigate and resolve, each measured from `started`.
    pub fn durations(&self) -> Durations {
        let tz = self.tz();
        let at = |s: &Option<Stamp>| s.as_ref().map(|s| s.resolve(&tz).0);
        let started = at(&self.times.started);
        let since = |end: Option<Timestamp>| Some(end?.duration_since(started?));
        Durations {
            to_detect: since(at(&self.times.detected)),
            to_mitigate: since(at(&self.times.mitigated)),
            to_resolve: since(at(&self.times.resolved)),
        }
    }

    /// The first instant the incident is known by: `started`, or else its first timeline entry.
    pub fn first_instant(&self) -> Option<Timestamp> {
        first_instant(
            &self.tz(),
            self.times.started.as_ref(),
            self.timeline.iter().map(|e| &e.at),
        )
    }

    /// The local date the incident started (or was first seen).
    pub fn opened(&self) -> Option<jiff::civil::Date> {
        opened(
            self.timezone.as_deref(),
            self.times.started.as_ref(),
            self.timeline.iter().map(|e| &e.at),
        )
    }

    /// Timeline entries sorted by instant; entries at the same instant keep file order.
    pub fn timeline_sorted(&self) -> Vec<&TimelineEntry> {
        let mut entries: Vec<&TimelineEntry> = self.timeline.iter().collect();
        entries.sort_by_key(|e| e.at.instant());
        entries
    }

    /// Factors ranked by votes, most first; ties keep file order.
    pub fn factors_ranked(&self) -> Vec<&Factor> {
        let mut factors: Vec<&Factor> = self.factors.iter().collect();
        factors.sort_by_key(|f| std::cmp::Reverse(f.total_votes()));
        factors
    }

    /// Replaces every floating time with the exact instant it names in the incident's zone.
    pub fn fix_times(&mut self) {
        let tz = self.tz();
        let fix = |s: &mut Stamp| *s = s.fixed(&tz);
        let t = &mut self.times;
        [
            &mut t.started,
            &mut t.detected,
            &mut t.mitigated,
            &mut t.resolved,
        ]
        .into_iter()
        .flatten()
        .for_each(fix);
        self.timeline.iter_mut().for_each(|e| fix(&mut e.at));
    }
}

/// An incident loaded from its folder, with everything known about where it came from.
#[derive(Debug, Clone)]
pub struct LoadedIncident {
    /// The folder name, which is the incident's id.
    pub id: String,
    pub dir: PathBuf,
    pub incident: Incident,
    /// The text of `notes.md`, when there is one.
    pub notes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_words_are_read_and_typos_get_the_near_word() {
        assert_eq!("late".parse::<ActionState>(), Ok(ActionState::Overdue));
        assert_eq!(ActionState::Overdue.as_str(), "overdue");
        assert_eq!(
            "proces".parse::<Category>(),
            Err("unknown category `proces`; did you mean `process`? expected one of: technical, process, organisational, external".into())
        );
        assert_eq!(
            "soon".parse::<ActionState>().unwrap_err(),
            "unknown action state `soon`; expected one of: overdue, at-risk, on-track, unscheduled, done, wont-do"
        );
    }
}
