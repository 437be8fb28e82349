//! The alerts an Alertmanager holds (`/api/v2/alerts`: firing, silenced and inhibited ones,
//! and resolved ones it has not yet forgotten) whose active span meets the incident's window,
//! saved as a webhook payload: the `alertmanager` format the timeline reads.

use anyhow::bail;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::Window;
use super::http::{Client, without_credentials};

/// The alerts that met the window, as the file to save.
#[derive(Debug)]
pub struct Pulled {
    pub bytes: Vec<u8>,
    pub alerts: usize,
    /// Alerts the server held that did not meet the window.
    pub outside: usize,
}

pub fn alerts(
    client: &Client,
    base: &str,
    window: &Window,
    now: Timestamp,
) -> anyhow::Result<Pulled> {
    let answer = client.get(
        base,
        "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true",
        "Alertmanager",
    )?;
    let shown = without_credentials(base);
    if answer.status >= 400 {
        bail!(
            "Alertmanager at {shown} answered HTTP {}{}: {}",
            answer.status,
            if answer.status == 404 {
                " (is this the Alertmanager's address? debrief asks its API v2)"
            } else {
                ""
            },
            String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).trim()
        );
    }
    let Ok(Value::Array(all)) = serde_json::from_slice::<Value>(&answer.body) else {
        bail!(
            "Alertmanager at {shown} did not answer with its API's list of alerts (is this the Alertmanager's address, with API v2?)"
        );
    };
    let total = all.len();
    let kept: Vec<Value> = all
        .into_iter()
        .filter_map(|alert| webhook_alert(alert, window, now))
        .collect();
    if kept.is_empty() {
        bail!(
            "Alertmanager at {shown} holds {total} alert{} and none was active between {} and {}; nothing was written (Alertmanager forgets resolved alerts soon after they end)",
            if total == 1 { "" } else { "s" },
            window.from,
            window.to
        );
    }
    let firing = kept.iter().any(|a| a["status"] == "firing");
    let payload = json!({
        "version": "4",
        "status": if firing { "firing" } else { "resolved" },
        "receiver": "debrief pull",
        "externalURL": shown,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "alerts": kept,
    });
    let mut bytes = serde_json::to_vec_pretty(&payload)?;
    bytes.push(b'\n');
    Ok(Pulled {
        alerts: payload["alerts"].as_array().map_or(0, Vec::len),
        outside: total - payload["alerts"].as_array().map_or(0, Vec::len),
        bytes,
    })
}

/// An alert of the API as a webhook sends it, when its active span meets the window: firing
/// until its end has passed, and then resolved at that end.
fn webhook_alert(alert: Value, window: &Window, now: Timestamp) -> Option<Value> {
    let time = |key: &str| alert.get(key)?.as_str()?.parse::<Timestamp>().ok();
    let starts = time("startsAt")?;
    let ends = time("endsAt");
    let resolved = ends.is_some_and(|e| e <= now);
    let until = if resolved { ends? } else { now };
    if starts > window.to || until < window.from {
        return None;
    }
    Some(json!({
        "status": if resolved { "resolved" } else { "firing" },
        "labels": alert.get("labels").cloned().unwrap_or_else(|| json!({})),
        "annotations": alert.get("annotations").cloned().unwrap_or_else(|| json!({})),
        "startsAt": alert["startsAt"],
        "endsAt": if resolved { alert["endsAt"].clone() } else { json!("0001-01-01T00:00:00Z") },
        "generatorURL": alert.get("generatorURL").cloned().unwrap_or(Value::Null),
        "fingerprint": alert.get("fingerprint").cloned().unwrap_or(Value::Null),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_meeting_the_window_become_webhook_alerts() {
        let window = Window {
            from: "2026-12-01T10:00:00Z".parse().unwrap(),
            to: "2026-12-01T12:00:00Z".parse().unwrap(),
        };
        let now: Timestamp = "2026-12-01T13:00:00Z".parse().unwrap();
        let alert = |starts: &str, ends: &str| json!({ "labels": { "alertname": "HighErrorRate" }, "annotations": {}, "startsAt": starts, "endsAt": ends });
        // Resolved inside the window.
        let a = webhook_alert(
            alert("2026-12-01T10:30:00Z", "2026-12-01T11:00:00.5Z"),
            &window,
            now,
        )
        .unwrap();
        assert_eq!(a["status"], "resolved");
        assert_eq!(a["endsAt"], "2026-12-01T11:00:00.5Z");
        // Still firing (its end is in the future), started before the window.
        let a = webhook_alert(
            alert("2026-12-01T09:00:00Z", "2026-12-01T13:04:00Z"),
            &window,
            now,
        )
        .unwrap();
        assert_eq!(a["status"], "firing");
        assert_eq!(a["endsAt"], "0001-01-01T00:00:00Z");
        // Over before the window, or begun after it.
        assert!(
            webhook_alert(
                alert("2026-12-01T08:00:00Z", "2026-12-01T09:00:00Z"),
                &window,
                now
            )
            .is_none()
        );
        assert!(
            webhook_alert(
                alert("2026-12-01T12:30:00Z", "2026-12-01T13:30:00Z"),
                &window,
                now
            )
            .is_none()
        );
        assert!(webhook_alert(json!({ "labels": {} }), &window, now).is_none());
    }
}
