//! `debrief serve`: the live view of one incident, re-rendered on every change.
//!
//! The server renders the same pages as `debrief build`, into memory. A file watcher renders
//! again on every relevant change and swaps the new pages in whole; only then are browsers told,
//! over SSE, to reload. A render that fails keeps the last good pages and sends the diagnostic,
//! which the injected script shows over them until the file is fixed.

pub mod probe;
pub mod watch;

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::broadcast;
use warp::Filter;
use warp::http::{Response, StatusCode, header};

use crate::diagnostics::{Report, Style};
use crate::load::{self, Archive, Options};
pub use watch::WatcherKind;

const LIVE_JS: &str = include_str!("live.js");

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub path: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    pub debounce: Duration,
    pub watcher: WatcherKind,
}

/// What browsers are told.
#[derive(Debug, Clone)]
enum Push {
    Reload(u64),
    Error(u64, String),
    /// The server is stopping: end every event stream, so the graceful shutdown can finish.
    Shutdown,
}

/// The pages being served and what happened last.
struct View {
    revision: u64,
    files: Arc<HashMap<String, Vec<u8>>>,
    /// The report's path inside the site.
    report: String,
    /// The diagnostic of the last render, when it failed.
    error: Option<String>,
}

/// Everything the server shares between requests and the watcher.
pub struct State {
    path: PathBuf,
    /// Parsed once, and again only when the theme folder changes: parsing templates would
    /// otherwise be a good part of every render.
    theme: RwLock<crate::render::Theme>,
    theme_dir: Option<PathBuf>,
    view: RwLock<View>,
    tx: broadcast::Sender<Push>,
}

impl State {
    fn new(path: PathBuf, theme_dir: Option<PathBuf>) -> anyhow::Result<State> {
        let (tx, _) = broadcast::channel(64);
        let view = View {
            revision: 0,
            files: Arc::new(HashMap::new()),
            report: String::new(),
            error: None,
        };
        let theme = crate::render::Theme::load(theme_dir.as_deref())?;
        Ok(State {
            path,
            theme: RwLock::new(theme),
            theme_dir,
            view: RwLock::new(view),
            tx,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, View> {
        // A panic while holding the lock leaves the previous view, which is still whole.
        self.view.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Renders the incident again; swaps the pages in, or keeps them and records the error.
    /// `theme_changed` re-reads the theme folder first.
    pub fn rebuild(&self, theme_changed: bool) {
        let started = Instant::now();
        let reloaded = match (theme_changed, &self.theme_dir) {
            (true, Some(dir)) => crate::render::Theme::load(Some(dir)).map(|theme| {
                *self.theme.write().unwrap_or_else(|e| e.into_inner()) = theme;
            }),
            _ => Ok(()),
        };
        let result = match reloaded {
            // A broken theme keeps the last good one, like a broken incident keeps its pages.
            Err(e) => Err(format!("{e:#}")),
            Ok(()) => render(
                &self.path,
                &self.theme.read().unwrap_or_else(|e| e.into_inner()),
            ),
        };
        let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
        view.revision += 1;
        let push = match result {
            Ok((files, report)) => {
                view.files = Arc::new(files);
                view.report = report;
                view.error = None;
                tracing::info!("Rebuilt in {} ms", started.elapsed().as_millis());
                Push::Reload(view.revision)
            }
            Err(message) => {
                tracing::warn!(
                    "The incident has errors; still showing the last good version:\n{message}"
                );
                view.error = Some(message.clone());
                Push::Error(view.revision, message)
            }
        };
        drop(view);
        // Nobody listening is fine.
        let _ = self.tx.send(push);
    }
}

/// Renders the incident at `path` into memory: the site's files and the report's path.
fn render(
    path: &Path,
    theme: &crate::render::Theme,
) -> Result<(HashMap<String, Vec<u8>>, String), String> {
    let mut report = Report::default();
    let archive =
        Archive::load(path, Options::default(), &mut report).map_err(|e| e.to_string())?;
    if report.errors() > 0 || archive.incidents.is_empty() {
        report.sort();
        return Err(report.render(Style::Plain));
    }
    let id = archive.incidents[0].id.clone();
    let today = jiff::Zoned::now().date();
    let files =
        crate::site::render_to_memory(&archive, theme, today).map_err(|e| format!("{e:#}"))?;
    Ok((files, format!("incidents/{id}/index.html")))
}

/// Runs the server until Ctrl-C.
pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    runtime.block_on(serve(options))
}

fn init_logging() {
    let filter = std::env::var("DEBRIEF_LOG").unwrap_or_else(|_| "debrief=info,warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .without_time()
        .with_writer(std::io::stderr)
        .try_init();
}

async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let layout = load::discover(&options.path)?;
    if layout.is_archive {
        bail!(
            "{} is an archive of {} incidents; serve one incident folder",
            options.path.display(),
            layout.incidents.len()
        );
    }
    // Bind before printing or opening anything; a taken port is an error, not a panic.
    let addr = SocketAddr::new(options.bind, options.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
                "{addr} is already in use; choose another --port, or --port 0 for any free port"
            ),
            _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
        })?;
    let local = listener.local_addr().context("reading the bound address")?;
    if !local.ip().is_loopback() {
        eprintln!(
            "warning: listening on {local}: anyone who can reach this address can read the incident. \
             The live view has no sign-in yet; keep the default 127.0.0.1 unless the network is trusted."
        );
    }
    // Listen for Ctrl-C (and SIGTERM) now, before anything else: a signal that arrives before
    // the listener exists would end the process without a clean stop.
    let stop_signal = stop_signal()?;

    let mut scratch = Report::default();
    let config = layout
        .config
        .as_deref()
        .and_then(|c| load::load_config(c, &mut scratch))
        .unwrap_or_default();
    let theme_dir = crate::site::theme_dir(&config, layout.config.as_deref(), None);
    let state = Arc::new(State::new(options.path.clone(), theme_dir.clone())?);
    let first = state.clone();
    tokio::task::spawn_blocking(move || first.rebuild(false))
        .await
        .context("the first render")?;

    // The incident folder with its logs; and the archive's debrief.toml beside it, whose folder
    // is watched alone, not the other incidents in it.
    let mut dirs = vec![(options.path.clone(), true)];
    if let Some(config) = &layout.config {
        if let Some(parent) = config.parent().filter(|p| {
            !options.path.join(crate::load::CONFIG_FILE).is_file() && !p.as_os_str().is_empty()
        }) {
            dirs.push((parent.to_path_buf(), false));
        }
    }
    if let Some(theme) = theme_dir.as_ref().filter(|d| !d.starts_with(&options.path)) {
        dirs.push((theme.clone(), true));
    }
    let watched = state.clone();
    let _watcher = watch::watch(&dirs, options.watcher, options.debounce, move |paths| {
        let names: Vec<String> = paths
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect();
        tracing::info!("Change detected: {}", names.join(", "));
        let theme_changed = watched
            .theme_dir
            .as_ref()
            .is_some_and(|dir| paths.iter().any(|p| p.starts_with(dir)));
        watched.rebuild(theme_changed);
    })?;

    let mut out = std::io::stdout().lock();
    for (dir, recursive) in &dirs {
        writeln!(
            out,
            "Watching {}{}",
            dir.display(),
            if *recursive {
                ""
            } else {
                " (this folder only)"
            }
        )?;
    }
    writeln!(
        out,
        "Serving the live view at http://{local}/ (the report preview is at /report/)"
    )?;
    writeln!(out, "Press Ctrl-C to stop.")?;
    out.flush()?;
    drop(out);
    if options.open {
        open_browser(&format!("http://{local}/"));
    }

    let stopping = state.clone();
    let shutdown = async move {
        stop_signal.await;
        tracing::info!("Stopping");
        let _ = stopping.tx.send(Push::Shutdown);
    };
    warp::serve(routes(state))
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
    eprintln!("Stopped. Nothing was written to the incident folder.");
    Ok(())
}

/// A future that completes on Ctrl-C or, on Unix, SIGTERM; the handlers are installed at once.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("note: could not open a browser ({opener}: {e}); open {url} yourself");
    }
}

/// The HTTP routes.
fn routes(
    state: Arc<State>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    // A theme's own static files (images its templates link to), through warp's file server,
    // which refuses paths that leave the folder. Without a theme folder, nothing is there.
    let theme_static = state.theme_dir.as_ref().map_or_else(
        || PathBuf::from("/nonexistent-debrief-theme"),
        |d| d.join("static"),
    );
    let theme = warp::path("theme")
        .and(warp::get())
        .and(warp::fs::dir(theme_static));
    let with_state = warp::any().map(move || state.clone());
    let events = warp::path!("api" / "events")
        .and(warp::get())
        .and(with_state.clone())
        .map(|state: Arc<State>| {
            warp::sse::reply(
                warp::sse::keep_alive()
                    .interval(Duration::from_secs(15))
                    .text("ping")
                    .stream(event_stream(state)),
            )
        });
    let live = warp::path::end()
        .and(warp::get())
        .and(with_state.clone())
        .map(|state: Arc<State>| report_page(&state, true));
    let report = warp::path("report")
        .and(warp::path::end().or(warp::path!("index.html")).unify())
        .and(warp::get())
        .and(with_state.clone())
        .map(|state: Arc<State>| report_page(&state, false));
    let site = warp::path("site")
        .and(warp::path::tail())
        .and(warp::get())
        .and(with_state)
        .map(|tail: warp::path::Tail, state: Arc<State>| site_file(&state, tail.as_str()));
    events
        .or(live)
        .or(report)
        .or(site)
        .or(theme)
        .with(warp::reply::with::header(header::CACHE_CONTROL, "no-store"))
}

/// The event stream of one browser: a `hello` with the current state, then every push.
fn event_stream(
    state: Arc<State>,
) -> impl futures_util::Stream<Item = Result<warp::sse::Event, Infallible>> + Send + 'static {
    let rx = state.tx.subscribe();
    let hello = {
        let view = state.read();
        let data = serde_json::json!({ "revision": view.revision, "error": view.error });
        warp::sse::Event::default()
            .event("hello")
            .data(data.to_string())
    };
    let first = futures_util::stream::once(async move { Ok::<_, Infallible>(hello) });
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(Push::Reload(revision)) => {
                    let data = serde_json::json!({ "revision": revision });
                    return Some((
                        Ok(warp::sse::Event::default()
                            .event("reload")
                            .data(data.to_string())),
                        rx,
                    ));
                }
                Ok(Push::Error(revision, message)) => {
                    let data = serde_json::json!({ "revision": revision, "message": message });
                    return Some((
                        Ok(warp::sse::Event::default()
                            .event("error")
                            .data(data.to_string())),
                        rx,
                    ));
                }
                Ok(Push::Shutdown) => return None,
                // A slow browser missed some; the next event carries the latest revision.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    futures_util::StreamExt::chain(first, rest)
}

fn report_page(state: &State, facilitator: bool) -> Response<Vec<u8>> {
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

fn site_file(state: &State, path: &str) -> Response<Vec<u8>> {
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

fn html_response(body: Vec<u8>) -> Response<Vec<u8>> {
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

fn respond(status: StatusCode, kind: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Ok(value) = kind.parse() {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// Adds the live script (and the error overlay, when there is one) to a page, server-side, so
/// no theme can leave it out.
fn inject(html: &[u8], error: Option<&str>, base: Option<&str>, facilitator: bool) -> Vec<u8> {
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
const LIVE_STYLE: &str = "<style>\
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
        assert!(bare.contains("new EventSource(\"/api/events\")"));
    }
}
