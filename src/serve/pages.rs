//! The meeting's own pages: the facilitator's screen and the participant page. They are
//! static; everything they show comes from `/api/state` and the event stream, and is put in
//! the page as text, never as markup. And the preview's pages: the report and the rest of the
//! site as `debrief build` writes them, with the live-reload script put in.

use warp::http::{Response, StatusCode, header};

use super::State;

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
        "details.js" => Some((
            "text/javascript; charset=utf-8",
            text(include_str!("pages/details.js")),
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

pub(super) const LIVE_JS: &str = include_str!("live.js");

pub(super) fn report_page(state: &State, facilitator: bool) -> Response<Vec<u8>> {
    let view = state.read();
    match view.files.get(&view.report) {
        Some(html) => {
            // Relative links in the report resolve under /site/, where the rest of the site is.
            let base = format!("/site/{}", view.report.trim_end_matches("index.html"));
            html_response(inject(
                html,
                view.error.as_deref(),
                Some(&base),
                facilitator,
            ))
        }
        None => {
            // The very first render failed: show the error on an empty page.
            let page = b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>debrief</title></head><body><main><h1>The incident could not be rendered</h1></main></body></html>";
            html_response(inject(
                page,
                Some(view.error.as_deref().unwrap_or("still rendering")),
                None,
                facilitator,
            ))
        }
    }
}

pub(super) fn site_file(state: &State, path: &str) -> Response<Vec<u8>> {
    let view = state.read();
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    match view.files.get(&path) {
        Some(bytes) if path.ends_with(".html") => {
            html_response(inject(bytes, view.error.as_deref(), None, false))
        }
        Some(bytes) => {
            let kind = match path.rsplit('.').next() {
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                Some("json") => "application/json",
                Some("md") => "text/markdown; charset=utf-8",
                Some("csv") => "text/csv; charset=utf-8",
                _ => "application/octet-stream",
            };
            respond(StatusCode::OK, kind, bytes.clone())
        }
        None => respond(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            b"not found\n".to_vec(),
        ),
    }
}

pub(super) fn html_response(body: Vec<u8>) -> Response<Vec<u8>> {
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

pub(super) fn respond(status: StatusCode, kind: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Ok(value) = kind.parse() {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// Adds the live script (and the error overlay, when there is one) to a page, server-side, so
/// no theme can leave it out.
pub(super) fn inject(
    html: &[u8],
    error: Option<&str>,
    base: Option<&str>,
    facilitator: bool,
) -> Vec<u8> {
    let html = String::from_utf8_lossy(html);
    // <base> must come before any element with a URL, so it goes first in <head>; the styles
    // go last, so they win over the theme's.
    let base = base.map(|b| format!("<base href=\"{}\">", crate::render::svg::escape(b)));
    let mut tail = String::new();
    if let Some(message) = error {
        tail.push_str(&format!(
            "<div id=\"debrief-overlay\" role=\"alert\"><h2>The incident has an error. This is the last good version.</h2><pre>{}</pre></div>",
            crate::render::svg::escape(message)
        ));
    }
    tail.push_str("<script>");
    tail.push_str(LIVE_JS);
    tail.push_str("</script>");
    let mut page = html.into_owned();
    if facilitator {
        page = page.replacen("<body class=\"", "<body class=\"facilitator ", 1);
    }
    match page.find("</head>") {
        Some(i) => page.insert_str(i, LIVE_STYLE),
        None => page.insert_str(0, LIVE_STYLE),
    }
    if let Some(base) = base {
        match page.find("<head>") {
            Some(i) => page.insert_str(i + "<head>".len(), &base),
            None => page.insert_str(0, &base),
        }
    }
    match page.rfind("</body>") {
        Some(i) => page.insert_str(i, &tail),
        None => page.push_str(&tail),
    }
    page.into_bytes()
}

/// Styles of the live view: the error overlay, the connection status, and the facilitator's
/// screen-sharing scale.
pub(super) const LIVE_STYLE: &str = "<style>\
#debrief-overlay{position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;background:#fff4f0;border-top:6px solid #a33a00;padding:1rem 1.5rem;box-shadow:0 -4px 20px rgba(0,0,0,.25);z-index:1000}\
#debrief-overlay h2{margin:.2rem 0 .6rem;color:#a33a00;border:0}\
#debrief-overlay pre{white-space:pre-wrap;font-size:1rem;margin:0}\
#debrief-status{position:fixed;top:.5rem;right:.5rem;background:#1b1f24;color:#fff;padding:.3rem .7rem;border-radius:1rem;z-index:1001}\
body.facilitator{font-size:20px}\
body.facilitator header.site,body.facilitator footer.site,body.facilitator #impact,body.facilitator #summary,body.facilitator .exports{display:none}\
body.facilitator main{max-width:none;padding:.75rem 2rem}\
body.facilitator .report-head{max-width:none;display:flex;flex-wrap:wrap;align-items:flex-end;gap:.5rem 2.5rem}\
body.facilitator .report-head .meta{flex-basis:100%}\
body.facilitator h1{font-size:2.2rem;max-width:none;margin:0}\
body.facilitator .durations{margin:0}\
body.facilitator #timeline h2{margin-top:1rem}\
body.facilitator .zone{max-width:none}\
</style>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_overlay_are_injected_and_escaped() {
        let page = b"<!DOCTYPE html><html><head><title>x</title></head><body class=\"page-incident\"><p>hi</p></body></html>";
        let out = String::from_utf8(inject(
            page,
            Some("incident.toml:3:1 <script>"),
            Some("/site/incidents/x/"),
            true,
        ))
        .unwrap();
        assert!(
            out.contains("<head><base href=\"/site/incidents/x/\"><title>"),
            "{out}"
        );
        assert!(out.contains("</style></head>"));
        assert!(out.contains("<body class=\"facilitator page-incident\">"));
        assert!(out.contains("<pre>incident.toml:3:1 &lt;script&gt;</pre></div><script>"));
        assert!(out.ends_with("</script></body></html>"));
        // A theme without </body> still gets the script.
        let bare = String::from_utf8(inject(b"<p>no body</p>", None, None, false)).unwrap();
        assert!(bare.contains("new EventSource(\"/api/events?state=0\")"));
    }
}
