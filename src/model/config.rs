//! `debrief.toml`: settings shared by every incident of an archive.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The archive's settings. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The site title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The public URL the site is served from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// A theme folder, relative to debrief.toml, that overrides the default theme file by file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(default)]
    pub severities: Severities,
    #[serde(default)]
    pub meeting: MeetingConfig,
    #[serde(default)]
    pub policy: Policy,
    /// Redaction rules for `debrief build --public`, for every incident (docs/public.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<PublicRules>,
}

/// What a public build redacts and leaves out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicRules {
    /// Built-in detectors to turn on: `ip` (IPv4 and IPv6), `email`, `hostname` (names with a
    /// dot outside `allow_domains`), `secret` (keys, tokens, private keys). When no file says
    /// `redact`, all four are on; `redact = []` turns them off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redact: Option<Vec<String>>,
    /// Customer and person names, shown as "a customer". People of `[[people]]` are shown as
    /// their role whatever this says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Regular expressions (Rust syntax) for what else to redact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<String>,
    /// Domains whose host names stay (`example.com` keeps `status.example.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_domains: Vec<String>,
    /// Addresses and networks that stay (`1.1.1.1`, `129.134.30.0/23`, `2001:db8::/32`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_ips: Vec<String>,
    /// Words of people's names that stay when they stand alone: a first name that is also a
    /// word (`May`, `Will`). The whole name is still redacted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_words: Vec<String>,
    /// In incident.toml: ids of timeline entries, factors, actions and lessons (`l-…`, as
    /// `debrief check` and `build --public --explain` show them) to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hide: Vec<String>,
}

/// `public` in incident.toml: `public = false`, or a `[public]` table of rules.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PublicSetting {
    Shown(bool),
    Rules(PublicRules),
}

// By hand rather than `untagged`, so that a mistake inside `[public]` gets the table's own
// error (an unknown key, a wrong type) instead of "matched no variant".
impl<'de> Deserialize<'de> for PublicSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Setting;
        impl<'de> serde::de::Visitor<'de> for Setting {
            type Value = PublicSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`public = false`, or a [public] table")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<PublicSetting, E> {
                Ok(PublicSetting::Shown(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<PublicSetting, A::Error> {
                PublicRules::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(PublicSetting::Rules)
            }
        }
        d.deserialize_any(Setting)
    }
}

/// Review policies: deadlines the archive holds itself to. `debrief check` warns on each
/// breach, and `debrief actions` counts them in its forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Severity → days from `times.resolved` until the write-up is `published`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub review_within_days: BTreeMap<String, u32>,
    /// Priority → days from the incident within which an action of that priority is due.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub action_due_within_days: BTreeMap<String, u32>,
    /// Every action that is not done needs an owner.
    #[serde(default)]
    pub require_owner: bool,
}

impl Policy {
    /// Days within which an action of `priority` is due, when the policy says.
    pub fn due_within(&self, priority: Option<super::Priority>) -> Option<u32> {
        self.action_due_within_days.get(priority?.as_str()).copied()
    }
}

/// The severity scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Severities {
    /// Severity names, most severe first.
    pub levels: Vec<String>,
}

impl Default for Severities {
    fn default() -> Self {
        Severities {
            levels: (1..=5).map(|n| format!("SEV{n}")).collect(),
        }
    }
}

impl Severities {
    /// The rank of a severity, 0 being the most severe.
    pub fn rank(&self, name: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == name)
    }
}

/// How review meetings run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingConfig {
    /// Dots each participant may place.
    #[serde(default = "default_votes_per_person")]
    pub votes_per_person: u32,
    /// Dots one participant may place on one factor.
    #[serde(default = "default_max_votes_per_item")]
    pub max_votes_per_item: u32,
    /// Hide the authors of observations.
    #[serde(default)]
    pub anonymous: bool,
    /// The archive's `[policy]`, which the meeting holds edits to (set by `serve`; never read
    /// from `[meeting]`).
    #[serde(skip)]
    #[schemars(skip)]
    pub policy: Policy,
    /// The archive's `[severities]`, which the Details view's severity is checked against (set
    /// by `serve`).
    #[serde(skip)]
    #[schemars(skip)]
    pub severities: Severities,
}

fn default_votes_per_person() -> u32 {
    3
}

fn default_max_votes_per_item() -> u32 {
    2
}

impl Default for MeetingConfig {
    fn default() -> Self {
        MeetingConfig {
            votes_per_person: default_votes_per_person(),
            max_votes_per_item: default_max_votes_per_item(),
            anonymous: false,
            policy: Policy::default(),
            severities: Severities::default(),
        }
    }
}
