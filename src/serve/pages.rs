//! The meeting's own pages: the facilitator's screen and the participant page. They are
//! static; everything they show comes from `/api/state` and the event stream, and is put in
//! the page as text, never as markup.

pub const FACILITATOR: &str = include_str!("pages/facilitator.html");
pub const PARTICIPANT: &str = include_str!("pages/participant.html");

/// The scripts, styles and the diagrams' font under `/meeting/`: content type and bytes.
pub fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    let text = |s: &'static str| s.as_bytes();
    match name {
        "meeting.css" => Some((
            "text/css; charset=utf-8",
            text(include_str!("pages/meeting.css")),
        )),
        "meeting.js" => Some((
            "text/javascript; charset=utf-8",
            text(include_str!("pages/meeting.js")),
        )),
        "facilitator.js" => Some((
            "text/javascript; charset=utf-8",
            text(include_str!("pages/facilitator.js")),
        )),
        "participant.js" => Some((
            "text/javascript; charset=utf-8",
            text(include_str!("pages/participant.js")),
        )),
        // The flow diagram is put in the page as SVG; its text asks for this font.
        "debrief-sans.woff2" => Some(("font/woff2", crate::render::svg::FONT_WOFF2)),
        _ => None,
    }
}
