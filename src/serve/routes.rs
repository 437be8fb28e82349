//! The HTTP routes: the meeting's pages and assets, the API, the event stream, the report
//! preview and the rest of the site, each behind the checks it needs.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use warp::Filter;
use warp::http::{Response, StatusCode, header};

use super::error::ApiError;
use super::events::event_response;
use super::meeting::Caller;
use super::pages::{self, html_response, report_page, respond, site_file};
use super::state::State;
use super::{api, auth, diagrams, limits, listen, watch};

/// A refused request, carried through warp's rejections to [`recover`].
#[derive(Debug)]
pub(super) struct Refused(ApiError);

impl warp::reject::Reject for Refused {}

pub(super) fn refuse(e: ApiError) -> warp::Rejection {
    warp::reject::custom(Refused(e))
}

/// Turns rejections into JSON errors: ours, too-large bodies, and routes that do not exist.
pub(super) async fn recover(rejection: warp::Rejection) -> Result<Response<Vec<u8>>, Infallible> {
    let error = if let Some(Refused(e)) = rejection.find::<Refused>() {
        e.clone()
    } else if rejection.is_not_found() {
        ApiError::new(404, "not-found", "there is nothing here")
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(405, "method", "this route does not take that method")
    } else {
        ApiError::new(400, "bad-request", format!("{rejection:?}"))
    };
    Ok(api::error_response(&error))
}

/// Reads a request body of at most [`limits::MAX_BODY`] bytes, with or without a length.
pub(super) async fn limited_body(
    body: impl futures_util::Stream<Item = Result<impl bytes::Buf, warp::Error>> + Send,
) -> Result<bytes::Bytes, warp::Rejection> {
    use futures_util::StreamExt as _;
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| {
            refuse(ApiError::new(
                400,
                "bad-body",
                format!("reading the body: {e}"),
            ))
        })?;
        if out.len() + chunk.remaining() > limits::MAX_BODY {
            return Err(refuse(ApiError::new(
                413,
                "too-large",
                format!("the body is larger than {} KiB", limits::MAX_BODY / 1024),
            )));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            out.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(out.into())
}

/// The HTTP routes.
pub(super) fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = std::convert::Infallible> + Clone {
    // A theme's own static files (images its templates link to), through warp's file server,
    // which refuses paths that leave the folder. Without a theme folder, nothing is there.
    let theme_static = state.theme_dir.as_ref().map_or_else(
        || PathBuf::from("/nonexistent-debrief-theme"),
        |d| d.join("static"),
    );
    // warp's file server keeps requests inside the folder by their path, but follows a
    // symbolic link out of it: refuse any file that resolves elsewhere first.
    let theme_root = watch::absolute(&theme_static);
    let inside = warp::path::peek()
        .and_then(move |tail: warp::path::Peek| {
            let root = theme_root.clone();
            async move {
                let decoded =
                    percent_encoding::percent_decode_str(tail.as_str()).decode_utf8_lossy();
                let resolved = root.join(decoded.as_ref()).canonicalize();
                match resolved {
                    Ok(path) if path.starts_with(&root) => Ok(()),
                    _ => Err(warp::reject::not_found()),
                }
            }
        })
        .untuple_one();
    let theme = warp::path("theme")
        .and(warp::get())
        .and(inside)
        .and(warp::fs::dir(theme_static));
    let with_state = {
        let state = state.clone();
        warp::any().map(move || state.clone())
    };
    // Every request: a Host this server answers to, writes only from its own pages, and no
    // credentials checked while the client's wrong guesses are being throttled.
    let guard = with_state
        .clone()
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::ext::optional::<listen::Client>())
        .and_then(
            |state: Arc<State>,
             method,
             headers: warp::http::HeaderMap,
             path: warp::path::FullPath,
             query: String,
             client: Option<listen::Client>| async move {
                state.access.check(&method, &headers).map_err(refuse)?;
                let guesses = state.access.credentials(&headers)
                    || path.as_str().starts_with("/join/")
                    || path.as_str() == "/api/join"
                    || query.contains("key=");
                if guesses && let Some(client) = client {
                    state
                        .failures
                        .check(&client.0.ip().to_string())
                        .map_err(refuse)?;
                }
                Ok::<(), warp::Rejection>(())
            },
        )
        .untuple_one();
    // Whoever is asking, when anyone is.
    let caller = with_state
        .clone()
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<listen::Client>())
        .map(
            |state: Arc<State>, headers: warp::http::HeaderMap, client: Option<listen::Client>| {
                state.caller(&headers, client)
            },
        );
    let member = caller
        .clone()
        .and_then(|caller: Option<Caller>| async move {
            caller.ok_or_else(|| {
                refuse(ApiError::new(
                    401,
                    "unauthorised",
                    "open the join link, or the facilitator link that debrief serve printed",
                ))
            })
        });
    let events = warp::path!("api" / "events")
        .and(warp::get())
        .and(with_state.clone())
        .and(member.clone())
        .and(warp::query::<HashMap<String, String>>())
        .map(
            |state: Arc<State>, caller: Caller, query: HashMap<String, String>| {
                let meeting = query.get("state").is_none_or(|v| v != "0");
                event_response(state, caller, meeting)
            },
        );
    // The diagrams as the meeting has them now, so every screen can show a link the moment it
    // is made, at the width of the screen that asks (`?width=`) or at the report's measures.
    let diagram = warp::path!("api" / String)
        .and_then(|name: String| async move {
            match name.as_str() {
                "flow.svg" => Ok(diagrams::Diagram::Flow),
                "timeline.svg" => Ok(diagrams::Diagram::Timeline),
                _ => Err(warp::reject::not_found()),
            }
        })
        .and(warp::get())
        .and(with_state.clone())
        .and(member.clone())
        .and(warp::query::<HashMap<String, String>>())
        .then(
            |which, state: Arc<State>, caller: Caller, query: HashMap<String, String>| async move {
                let exact = matches!(caller, Caller::Facilitator);
                let width = match diagrams::width(query.get("width"), exact) {
                    Ok(width) => width,
                    Err(e) => return api::error_response(&e),
                };
                match state.diagram(&caller, which, width).await {
                    Ok(svg) => respond(StatusCode::OK, "image/svg+xml", svg.to_vec()),
                    Err(e) => api::error_response(&e),
                }
            },
        );
    let qr = warp::path!("api" / "join-qr.svg")
        .and(warp::get())
        .and(with_state.clone())
        .and(member.clone())
        .and(warp::header::optional::<String>("host"))
        .map(|state: Arc<State>, caller: Caller, host: Option<String>| {
            if caller != Caller::Facilitator {
                return api::error_response(&ApiError::new(
                    403,
                    "facilitator-only",
                    "only the facilitator can do this",
                ));
            }
            respond(
                StatusCode::OK,
                "image/svg+xml",
                join_qr(&state, host.as_deref()).into_bytes(),
            )
        });
    let api =
        warp::path("api")
            .and(with_state.clone())
            .and(warp::method())
            .and(warp::path::tail())
            .and(warp::header::headers_cloned())
            .and(warp::ext::optional::<listen::Client>())
            .and(warp::query::raw().or(warp::any().map(String::new)).unify())
            .and(warp::body::stream().and_then(limited_body))
            .then(
                |state: Arc<State>,
                 method,
                 tail: warp::path::Tail,
                 headers,
                 client,
                 query,
                 body| async move {
                    let request = api::Request {
                        method,
                        path: tail.as_str().to_owned(),
                        headers,
                        client,
                        query,
                    };
                    api::handle(state, request, body).await
                },
            );
    // The facilitator's screen. The printed link carries the key once; it becomes a cookie and
    // leaves the address bar, so the shared screen never shows it.
    let facilitator = warp::path::end()
        .and(warp::get())
        .and(with_state.clone())
        .and(caller.clone())
        .and(warp::query::<HashMap<String, String>>())
        .and(warp::ext::optional::<listen::Client>())
        .map(|state: Arc<State>, caller: Option<Caller>, query: HashMap<String, String>, client: Option<listen::Client>| {
            if query.get("key").is_some_and(|key| !auth::same(key, &state.access.facilitator_key)) {
                state.failed(client);
            }
            if let Some(key) = query.get("key")
                && auth::same(key, &state.access.facilitator_key) {
                    let mut response = respond(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", Vec::new());
                    let headers = response.headers_mut();
                    headers.insert(header::LOCATION, header::HeaderValue::from_static("/"));
                    if let Ok(cookie) = format!("{}={key}; HttpOnly; SameSite=Strict; Path=/", state.access.key_cookie()).parse() {
                        headers.insert(header::SET_COOKIE, cookie);
                    }
                    return response;
                }
            match caller {
                Some(Caller::Facilitator) => meeting_page(pages::FACILITATOR),
                _ => page_response(
                    StatusCode::UNAUTHORIZED,
                    "The facilitator screen needs the key",
                    "Open the facilitator link that <code>debrief serve</code> printed. Participants join through the join link.",
                ),
            }
        });
    let join = warp::path!("join" / String)
        .and(warp::get())
        .and(with_state.clone())
        .and(warp::ext::optional::<listen::Client>())
        .map(
            |code: String, state: Arc<State>, client: Option<listen::Client>| {
                if auth::same(&code, &state.join_code()) {
                    meeting_page(pages::PARTICIPANT)
                } else {
                    state.failed(client);
                    page_response(
                        StatusCode::NOT_FOUND,
                        "This join link is not valid",
                        "Ask the facilitator for the current link.",
                    )
                }
            },
        );
    let assets = warp::path!("meeting" / String)
        .and(warp::get())
        .map(|name: String| match pages::asset(&name) {
            Some((kind, body)) => respond(StatusCode::OK, kind, body.to_vec()),
            None => api::error_response(&ApiError::new(404, "not-found", "there is nothing here")),
        });
    // Browsers ask for an icon; the answer is "none", not a 404 in their console.
    let favicon = warp::path!("favicon.ico")
        .and(warp::get())
        .map(|| respond(StatusCode::NO_CONTENT, "image/x-icon", Vec::new()));
    let report = warp::path("report")
        .and(warp::path::end().or(warp::path!("index.html")).unify())
        .and(warp::get())
        .and(with_state.clone())
        .and(member.clone())
        .map(|state: Arc<State>, _: Caller| report_page(&state, false));
    let site = warp::path("site")
        .and(warp::path::tail())
        .and(warp::get())
        .and(with_state)
        .and(member)
        .map(|tail: warp::path::Tail, state: Arc<State>, _: Caller| {
            site_file(&state, tail.as_str())
        });
    guard
        .and(
            events
                .map(warp::Reply::into_response)
                .or(qr.map(warp::Reply::into_response))
                .unify()
                .or(diagram.map(warp::Reply::into_response))
                .unify()
                .or(api.map(warp::Reply::into_response))
                .unify()
                .or(facilitator.map(warp::Reply::into_response))
                .unify()
                .or(join.map(warp::Reply::into_response))
                .unify()
                .or(assets.map(warp::Reply::into_response))
                .unify()
                .or(favicon.map(warp::Reply::into_response))
                .unify()
                .or(report.map(warp::Reply::into_response))
                .unify()
                .or(site.map(warp::Reply::into_response))
                .unify()
                .or(theme.map(warp::Reply::into_response))
                .unify(),
        )
        .recover(recover)
        .with(warp::reply::with::header(header::CACHE_CONTROL, "no-store"))
        .with(warp::reply::with::header(
            "x-content-type-options",
            "nosniff",
        ))
        .with(warp::reply::with::header("referrer-policy", "no-referrer"))
}

/// The join link as a QR code, for phones in the room.
pub(super) fn join_qr(state: &State, host: Option<&str>) -> String {
    let base = state
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", host.unwrap_or("localhost")));
    let url = format!("{base}/join/{}", state.join_code());
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(320, 320)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

pub(super) fn meeting_page(html: &'static str) -> Response<Vec<u8>> {
    let mut response = html_response(html.as_bytes().to_vec());
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    response
}

/// A small page that explains why there is nothing to show.
pub(super) fn page_response(status: StatusCode, title: &str, text: &str) -> Response<Vec<u8>> {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · debrief</title><link rel=\"stylesheet\" href=\"/meeting/meeting.css\"></head><body class=\"notice\"><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    );
    let mut response = html_response(page.into_bytes());
    *response.status_mut() = status;
    response
}
