//! The meeting's own pages: the facilitator's screen and the participant page. They are
//! static; everything they show comes from `/api/state` and the event stream, and is put in
//! the page as text, never as markup.

pub const FACILITATOR: &str = include_str!("pages/facilitator.html");
pub const PARTICIPANT: &str = include_str!("pages/participant.html");

/// The scripts and styles under `/meeting/`.
pub fn asset(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "meeting.css" => Some(("text/css; charset=utf-8", include_str!("pages/meeting.css"))),
        "meeting.js" => Some((
            "text/javascript; charset=utf-8",
            include_str!("pages/meeting.js"),
        )),
        "facilitator.js" => Some((
            "text/javascript; charset=utf-8",
            include_str!("pages/facilitator.js"),
        )),
        "participant.js" => Some((
            "text/javascript; charset=utf-8",
            include_str!("pages/participant.js"),
        )),
        _ => None,
    }
}
