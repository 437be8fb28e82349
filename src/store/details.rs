//! What the Details view changes of the incident record (title, severity, status, times,
//! impact, summary, services, tags, people). A field left `None` is untouched; optional text
//! set to `""` is removed from the file.

use serde::{Deserialize, Serialize};

use crate::model::Status;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetailChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// `[times]`: each a TOML datetime with its offset, as `normalise_time` writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// `[impact] text`, Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The whole `[[people]]` list as it should be: people are matched by handle, so those who
    /// stay keep their comments and their other keys (`team`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<PersonDetail>>,
}

impl DetailChanges {
    pub fn is_empty(&self) -> bool {
        *self == DetailChanges::default()
    }

    /// The `[times]` keys this change sets or removes, in the file's order.
    pub fn times(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("started", self.started.as_deref()),
            ("detected", self.detected.as_deref()),
            ("mitigated", self.mitigated.as_deref()),
            ("resolved", self.resolved.as_deref()),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonDetail {
    pub handle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}
