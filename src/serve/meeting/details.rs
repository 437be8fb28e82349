//! The Details view's change, judged as `check` would judge the file it makes: the incident
//! as the meeting holds it, changed with the same edit the file gets and read back, must not
//! gain an error. Only then is the change journaled and acknowledged.

use std::collections::HashSet;

use serde_json::json;

use super::{Answer, Meeting, normalise_time};
use crate::diagnostics::Severity;
use crate::model::validate::validate;
use crate::model::{Config, Incident};
use crate::serve::error::ApiError;
use crate::store::{DetailChanges, Op};

impl Meeting {
    pub(super) fn set_details(
        &self,
        mut changes: DetailChanges,
    ) -> Result<(Vec<Op>, Answer), ApiError> {
        let Some(loaded) = &self.incident else {
            return Err(ApiError::new(
                409,
                "no-incident",
                "incident.toml could not be read; fix it first",
            ));
        };
        // Times as typed become times in the incident's zone, with their offset.
        let zone = loaded.incident.tz();
        for (field, value) in [
            ("times.started", &mut changes.started),
            ("times.detected", &mut changes.detected),
            ("times.mitigated", &mut changes.mitigated),
            ("times.resolved", &mut changes.resolved),
        ] {
            if let Some(typed) = value.as_deref().filter(|t| !t.is_empty()) {
                *value = Some(normalise_time(typed, &zone).map_err(|e| {
                    ApiError::new(e.status, e.code, format!("{field}: {}", e.message))
                })?);
            }
        }
        let op = Op::SetDetails { changes };
        let changed = changed(&loaded.incident, &op)?;
        let config = Config {
            severities: self.config.severities.clone(),
            policy: self.config.policy.clone(),
            ..Config::default()
        };
        let errors = |incident: &Incident| -> Vec<(&'static str, String, String)> {
            validate(incident, &config, &loaded.dir, &HashSet::new())
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| (f.code, f.path, f.message))
                .collect()
        };
        let before = errors(&loaded.incident);
        if let Some((code, path, message)) = errors(&changed)
            .into_iter()
            .find(|(code, path, _)| !before.iter().any(|b| b.0 == *code && b.1 == *path))
        {
            return Err(ApiError::new(
                422,
                "invalid",
                format!("{path}: {message} ({code})"),
            ));
        }
        Ok((
            vec![op],
            Answer {
                status: 200,
                body: json!({ "title": changed.title }),
            },
        ))
    }
}

/// The incident record as the file holds it, for the Details view: times as RFC 3339 instants
/// (the form shows them in `zone`), people as written.
pub(super) fn record(i: &Incident) -> serde_json::Value {
    let at = |s: &Option<crate::model::Stamp>| s.as_ref().map(|s| s.instant().to_string());
    json!({
        "title": i.title,
        "severity": i.severity,
        "status": i.status,
        "zone": i.tz().iana_name().unwrap_or("UTC"),
        "times": {
            "started": at(&i.times.started),
            "detected": at(&i.times.detected),
            "mitigated": at(&i.times.mitigated),
            "resolved": at(&i.times.resolved),
        },
        "impact": i.impact.text,
        "summary": i.summary,
        "services": i.services,
        "tags": i.tags,
        "people": i.people.iter().map(|p| json!({ "handle": p.handle, "name": p.name, "role": p.role })).collect::<Vec<_>>(),
    })
}

/// `incident` with the change made as the file gets it, and read back as `check` reads it.
fn changed(incident: &Incident, op: &Op) -> Result<Incident, ApiError> {
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        ApiError::new(500, "internal", format!("{what}: {e}"))
    };
    let text = toml::to_string(incident).map_err(|e| internal("writing the incident", &e))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| internal("reading the incident back", &e))?;
    crate::store::edit::apply(&mut doc, op);
    let mut changed: Incident = toml::from_str(&doc.to_string()).map_err(|e| {
        ApiError::new(
            422,
            "invalid",
            format!("the incident would not load: {}", e.message()),
        )
    })?;
    changed.fix_times();
    Ok(changed)
}
