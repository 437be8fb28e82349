//! `debrief serve`: the live view of one incident, re-rendered on every change.
//!
//! The server renders the same pages as `debrief build`, into memory. A file watcher renders
//! again on every relevant change and swaps the new pages in whole; only then are browsers told,
//! over SSE, to reload. A render that fails keeps the last good pages and sends the diagnostic,
//! which the injected script shows over them until the file is fixed.

mod admit;
pub mod api;
mod carried;
pub mod delta;
mod diagrams;
mod listen;
pub mod meeting;
mod pages;
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
use tokio::sync::{broadcast, watch as watch_channel};
use warp::Filter;
use warp::http::{Response, StatusCode, header};

use crate::diagnostics::{Report, Style};
use crate::load::{self, Archive, Options};
use api::{Access, Limiter};
use meeting::{Caller, Meeting, Writer};
pub use watch::WatcherKind;

const LIVE_JS: &str = include_str!("live.js");

/// The least time between two `state` events to one screen.
const STATE_INTERVAL: Duration = Duration::from_millis(40);

/// The least time between two renders caused by debrief's own writes to `incident.toml`.
const OWN_WRITE_RENDER: Duration = Duration::from_millis(300);

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub path: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    pub debounce: Duration,
    pub watcher: WatcherKind,
    /// Fixed secrets, for scripts; random ones otherwise.
    pub facilitator_key: Option<String>,
    pub join_code: Option<String>,
    /// The URL people use to reach the server, when it is behind a name or a proxy.
    pub public_url: Option<String>,
    /// The most connections open at once (default: what the open-file limit allows, up to
    /// 4,096).
    pub max_connections: Option<usize>,
    /// How long a client may leave what it is sent unread before it is dropped.
    pub stall_timeout: Duration,
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

/// What a shared state was made from: the meeting's generation, the render's revision, and
/// whether it is the facilitator's.
type StateKey = (u64, u64, bool);

/// The shared part of the last few states of each audience, as values (to find what changed)
/// and as the bytes sent, and the changes between them that screens were sent: each is made
/// once, however many screens get it.
#[derive(Default)]
struct Shared {
    states: std::collections::VecDeque<(StateKey, Arc<serde_json::Value>, bytes::Bytes)>,
    /// `None` when the change is no smaller than the state.
    changes: std::collections::VecDeque<((StateKey, StateKey), Option<bytes::Bytes>)>,
}

/// States kept per audience to send changes from: a screen further behind gets the whole
/// state.
const KEPT_STATES: usize = 2;

/// The name of a state in what screens are sent (`key`, and a change's `base`).
fn key_name(key: StateKey) -> String {
    format!("{}.{}", key.0, key.1)
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
    access: Access,
    /// The join code now: `access.join_code` at the start, until the facilitator asks for a
    /// new one.
    join_code: RwLock<String>,
    public_url: Option<String>,
    meeting: Arc<RwLock<Meeting>>,
    writer: Writer,
    /// The meeting's generation after each change.
    published: watch_channel::Receiver<u64>,
    publish: Arc<watch_channel::Sender<u64>>,
    limiter: Limiter,
    /// Joins, per client address: a whole room behind one address (an office, a proxy) joins
    /// at once; a script cannot fill the meeting.
    joins: Limiter,
    /// Wrong keys, codes and tokens, per client address: guessing is throttled.
    failures: Limiter,
    /// The shared part of the recent states, and the changes between them.
    shared: std::sync::Mutex<Shared>,
    /// Held while rendering.
    rendering: std::sync::Mutex<()>,
    /// The diagrams of the meeting's last generation, drawn by one request at a time.
    drawings: tokio::sync::Mutex<diagrams::Drawings>,
}

impl State {
    fn new(
        path: PathBuf,
        theme_dir: Option<PathBuf>,
        access: Access,
        public_url: Option<String>,
        config: crate::model::MeetingConfig,
        carried: Option<carried::Carried>,
    ) -> anyhow::Result<State> {
        let (tx, _) = broadcast::channel(64);
        let mut meeting = Meeting::new(config);
        if let Some(carried) = carried {
            meeting.carry(carried);
        }
        let meeting = Arc::new(RwLock::new(meeting));
        let (publish, published) = watch_channel::channel(0);
        let publish = Arc::new(publish);
        let writer = Writer::start(
            path.clone(),
            load::incident_id(&path),
            meeting.clone(),
            publish.clone(),
        )?;
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
            join_code: RwLock::new(access.join_code.clone()),
            access,
            public_url,
            meeting,
            writer,
            published,
            publish,
            limiter: Limiter::default(),
            joins: Limiter::new(320.0, 2.0),
            failures: Limiter::new(200.0, 20.0),
            shared: std::sync::Mutex::new(Shared::default()),
            rendering: std::sync::Mutex::new(()),
            drawings: tokio::sync::Mutex::new(diagrams::Drawings::default()),
        })
    }

    /// The hash of `incident.toml` as it is on disk now.
    fn incident_hash(&self) -> Option<u64> {
        std::fs::read(self.path.join(crate::load::INCIDENT_FILE))
            .ok()
            .map(|bytes| crate::store::content_hash(&bytes))
    }

    /// Who is asking, by bearer token or cookie. Credentials that name no one count as a
    /// failed guess of the client's address.
    pub(crate) fn caller(
        &self,
        headers: &warp::http::HeaderMap,
        client: Option<listen::Client>,
    ) -> Option<Caller> {
        let caller = {
            let meeting = self.meeting();
            self.access.caller(headers, &meeting)
        };
        if caller.is_none() && self.access.credentials(headers) {
            self.failed(client);
        }
        caller
    }

    /// Counts a wrong key, code or token from `client`.
    pub(crate) fn failed(&self, client: Option<listen::Client>) {
        if let Some(client) = client {
            let _ = self.failures.allow(&client.0.ip().to_string());
        }
    }

    /// Takes one join from `client`'s allowance.
    pub(crate) fn may_join(&self, client: Option<listen::Client>) -> Result<(), meeting::ApiError> {
        match client {
            Some(client) => self.joins.allow(&client.0.ip().to_string()),
            None => Ok(()),
        }
    }

    /// The current join code.
    pub(crate) fn join_code(&self) -> String {
        self.join_code
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A new join code: links and QR codes with the old one stop working; whoever has
    /// joined stays. Every screen gets a state with the new link.
    pub(crate) fn new_join_code(&self) -> String {
        let code = meeting::random_hex(16);
        *self.join_code.write().unwrap_or_else(|e| e.into_inner()) = code.clone();
        let mut m = self.meeting.write().unwrap_or_else(|e| e.into_inner());
        // The meeting's cap counts the joins with this code.
        m.new_code();
        m.generation += 1;
        self.publish.send_replace(m.generation);
        code
    }

    /// What the blameless lint says of `text`: see [`Meeting::nudges`].
    pub fn nudges(&self, text: &str) -> serde_json::Value {
        self.meeting().nudges(text)
    }

    /// The meeting, for reading.
    pub fn meeting(&self) -> std::sync::RwLockReadGuard<'_, Meeting> {
        self.meeting.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The meeting's state as `caller` may see it, as JSON text.
    ///
    /// The shared part is made once per change and audience, however many screens ask: with
    /// 300 people connected, that is what keeps a burst of changes cheap.
    pub fn state_json(&self, caller: &Caller) -> String {
        let (head, shared, _) = self.state_parts(caller);
        format!("{head}{}", String::from_utf8_lossy(&shared))
    }

    /// The state for `caller` in two parts: the caller's own beginning (`{"now":…,"you":…,`)
    /// and the rest, which is the same bytes for every screen of the audience. Event streams
    /// send the two as they are, so a state held for many screens (a slow one among them) is
    /// in memory once.
    fn state_parts(&self, caller: &Caller) -> (String, bytes::Bytes, StateKey) {
        let facilitator = *caller == Caller::Facilitator;
        let (render_revision, error) = {
            let view = self.read();
            (view.revision, view.error.clone())
        };
        let meeting = self.meeting();
        let key = (meeting.generation, render_revision, facilitator);
        let shared = {
            let mut cache = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            match cache.states.iter().find(|(k, _, _)| *k == key) {
                Some((_, _, text)) => text.clone(),
                None => {
                    let mut state = meeting.shared_json(facilitator, error.as_deref());
                    if facilitator {
                        state["join"] = serde_json::json!(format!("/join/{}", self.join_code()));
                        state["public_url"] = serde_json::json!(self.public_url);
                        state["folder"] = serde_json::json!(self.path.display().to_string());
                    }
                    state["key"] = serde_json::json!(key_name(key));
                    // A JSON object: the caller's part goes in front of its keys.
                    let text = bytes::Bytes::from(state.to_string()).slice(1..);
                    if cache.states.len() >= 2 * KEPT_STATES {
                        cache.states.pop_front();
                    }
                    cache.states.push_back((key, Arc::new(state), text.clone()));
                    text
                }
            }
        };
        let you = meeting.you_json(caller);
        drop(meeting);
        (
            format!("{{\"now\":{},\"you\":{you},", meeting::now_ms()),
            shared,
            key,
        )
    }

    /// The shared part of a `change` event from the state `from` to `to`, when `from` is
    /// recent enough to be known and the change is smaller than the state:
    /// `"base":…,"key":…,"change":…}`, to follow the caller's part. Made once per pair.
    fn change(&self, from: StateKey, to: StateKey) -> Option<bytes::Bytes> {
        if from == to || from.2 != to.2 {
            return None;
        }
        let (old, new, whole) = {
            let cache = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, change)) = cache.changes.iter().find(|(k, _)| *k == (from, to)) {
                return change.clone();
            }
            let find = |key| {
                cache
                    .states
                    .iter()
                    .find(|(k, _, _)| *k == key)
                    .map(|(_, value, text)| (value.clone(), text.len()))
            };
            let ((old, _), (new, whole)) = (find(from)?, find(to)?);
            (old, new, whole)
        };
        // Found without the lock: the screens' other states are not held up meanwhile.
        let change = delta::diff(&old, &new).and_then(|node| {
            let text = format!(
                "\"base\":\"{}\",\"key\":\"{}\",\"change\":{node}}}",
                key_name(from),
                key_name(to)
            );
            (text.len() < whole).then(|| bytes::Bytes::from(text))
        });
        let mut cache = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if cache.changes.len() >= 4 * KEPT_STATES {
            cache.changes.pop_front();
        }
        cache.changes.push_back(((from, to), change.clone()));
        change
    }

    /// A diagram of the incident as the room may see it, drawn once per change of the meeting
    /// and per width however many screens ask, and on a blocking thread.
    async fn diagram(
        self: &Arc<Self>,
        which: diagrams::Diagram,
        width: Option<u32>,
    ) -> Option<Arc<Vec<u8>>> {
        let mut cache = self.drawings.lock().await;
        let (generation, mut loaded) = {
            let meeting = self.meeting();
            let generation = meeting.generation;
            if let Some(svg) = cache.get(generation, which, width) {
                return Some(svg);
            }
            (generation, meeting.shown()?.into_owned())
        };
        loaded.dir = self.path.clone();
        let svg =
            tokio::task::spawn_blocking(move || Arc::new(diagrams::draw(&loaded, which, width)))
                .await
                .ok()?;
        cache.keep(generation, which, width, svg.clone());
        Some(svg)
    }

    /// Waits (up to a second) until the file holds every change accepted so far, so that a
    /// client reads its own writes; or until the file cannot be written, which the state says.
    pub(crate) async fn caught_up(&self) {
        let wanted = self.meeting().revision;
        let mut published = self.published.clone();
        let wait = async {
            loop {
                {
                    let m = self.meeting();
                    if m.applied >= wanted || m.store_error.is_some() || m.journal_error.is_some() {
                        return;
                    }
                }
                if published.changed().await.is_err() {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), wait).await;
    }

    /// The incident as the meeting knows it, for reading its evidence.
    fn loaded(&self) -> Result<crate::model::LoadedIncident, meeting::ApiError> {
        let mut loaded = self.meeting().incident.clone().ok_or_else(|| {
            meeting::ApiError::new(
                409,
                "not-loaded",
                "the incident has not loaded yet; fix incident.toml first",
            )
        })?;
        loaded.dir = self.path.clone();
        Ok(loaded)
    }

    /// The log candidates of every source, for the facilitator to promote (at most 200 per
    /// source, the ones the diagram would show).
    async fn candidates(&self) -> Result<serde_json::Value, meeting::ApiError> {
        let loaded = self.loaded()?;
        tokio::task::spawn_blocking(move || {
            let options = crate::evidence::ScanOptions {
                candidates: true,
                volume: false,
            };
            let scans = crate::evidence::scan_all(&loaded, options);
            let promoted: std::collections::HashSet<&str> = loaded
                .incident
                .timeline
                .iter()
                .filter_map(|e| e.source.as_deref())
                .collect();
            let tz = loaded.incident.tz();
            let list: Vec<serde_json::Value> = scans
                .iter()
                .filter_map(|(_, s)| s.as_ref().ok())
                .flat_map(|s| s.candidates.iter().take(200))
                .map(|c| {
                    let (path, line) = c.source.rsplit_once(':').unwrap_or((&c.source, "0"));
                    serde_json::json!({
                        "at": c.at.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                        "text": c.text.chars().take(300).collect::<String>(),
                        "lane": c.lane,
                        "source": path,
                        "line": line.parse::<u64>().unwrap_or(0),
                        "promoted": promoted.contains(c.source.as_str()),
                    })
                })
                .collect();
            serde_json::json!({ "candidates": list })
        })
        .await
        .map_err(|e| meeting::ApiError::new(500, "internal", e.to_string()))
    }

    /// The timeline entry that promoting line `line` of `source` adds.
    async fn promotion(
        &self,
        source: &str,
        line: u64,
    ) -> Result<meeting::Command, meeting::ApiError> {
        let loaded = self.loaded()?;
        let wanted = format!("{source}:{line}");
        tokio::task::spawn_blocking(move || {
            if loaded
                .incident
                .timeline
                .iter()
                .any(|e| e.source.as_deref() == Some(wanted.as_str()))
            {
                return Err(meeting::ApiError::new(
                    409,
                    "already-promoted",
                    format!("{wanted} is on the timeline already"),
                ));
            }
            let options = crate::evidence::ScanOptions {
                candidates: true,
                volume: false,
            };
            let scans = crate::evidence::scan_all(&loaded, options);
            let found = scans
                .iter()
                .filter_map(|(_, s)| s.as_ref().ok())
                .flat_map(|s| &s.candidates)
                .find(|c| c.source == wanted)
                .ok_or_else(|| {
                    meeting::ApiError::new(
                        404,
                        "not-found",
                        format!("no log entry of a [[sources]] entry starts at {wanted}"),
                    )
                })?;
            let text: String = found
                .text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(api::MAX_TEXT)
                .collect();
            Ok(meeting::Command::AddEntry {
                at: found.at.to_string(),
                text: if text.trim().is_empty() {
                    "(empty log line)".into()
                } else {
                    text
                },
                kind: found.kind,
                lane: Some(found.lane.clone()),
                source: Some(wanted),
            })
        })
        .await
        .map_err(|e| meeting::ApiError::new(500, "internal", e.to_string()))?
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, View> {
        // A panic while holding the lock leaves the previous view, which is still whole.
        self.view.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Renders the incident again; swaps the pages in, or keeps them and records the error.
    /// `theme_changed` re-reads the theme folder first.
    pub fn rebuild(&self, theme_changed: bool) {
        // One render at a time: each reads the newest file and meeting, so the last to finish
        // is the newest.
        let _one = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
        let started = Instant::now();
        let before = self.incident_hash();
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
                |incident| self.meeting().conceal(incident),
            ),
        };
        let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
        view.revision += 1;
        let push = match result {
            Ok(Rendered {
                files,
                report,
                loaded,
            }) => {
                view.files = Arc::new(files);
                view.report = report;
                view.error = None;
                tracing::info!("Rebuilt in {} ms", started.elapsed().as_millis());
                // The meeting's screens show the file as just read, hand edits included; unless
                // it changed while it was being read (the next render brings the newer one).
                if self.incident_hash() == before {
                    let mut meeting = self.meeting.write().unwrap_or_else(|e| e.into_inner());
                    meeting.incident = Some(loaded);
                    meeting.generation += 1;
                    self.publish.send_replace(meeting.generation);
                }
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

/// A render: the site's files, the report's path, and the incident as loaded.
struct Rendered {
    files: HashMap<String, Vec<u8>>,
    report: String,
    loaded: crate::model::LoadedIncident,
}

/// Renders the incident at `path` into memory; the pages show it as `conceal` leaves it, and
/// the incident comes back as the file holds it.
fn render(
    path: &Path,
    theme: &crate::render::Theme,
    conceal: impl FnOnce(&mut crate::model::Incident),
) -> Result<Rendered, String> {
    let mut report = Report::default();
    let archive =
        Archive::load(path, Options::default(), &mut report).map_err(|e| e.to_string())?;
    if report.errors() > 0 || archive.incidents.is_empty() {
        report.sort();
        return Err(report.render(Style::Plain));
    }
    let id = archive.incidents[0].id.clone();
    let loaded = archive.incidents[0].clone();
    let mut archive = archive;
    conceal(&mut archive.incidents[0].incident);
    let today = jiff::Zoned::now().date();
    let files =
        crate::site::render_to_memory(&archive, theme, today).map_err(|e| format!("{e:#}"))?;
    Ok(Rendered {
        files,
        report: format!("incidents/{id}/index.html"),
        loaded,
    })
}

/// Runs the server until Ctrl-C.
pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the server runtime")?;
    let result = runtime.block_on(serve(options));
    // A drawing or a scan still running on a blocking thread is not waited for: the meeting
    // is written and ended by now.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

fn init_logging() {
    let filter = std::env::var("DEBRIEF_LOG").unwrap_or_else(|_| "debrief=info,warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .without_time()
        // Colours for a terminal only: a log file or CI gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
    // One meeting per incident: a second server would write the same journal and file.
    let _meeting_lock = lock_meeting(&options.path)?;
    // Bind before printing or opening anything; a taken port is an error, not a panic.
    let addr = SocketAddr::new(options.bind, options.port);
    let listener = listen(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "{addr} is already in use; choose another --port, or --port 0 for any free port"
        ),
        _ => anyhow::anyhow!("cannot listen on {addr}: {e}"),
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
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
    let secret = |given: &Option<String>, what: &str| -> anyhow::Result<String> {
        match given {
            Some(s)
                if s.len() < 16
                    || !s
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                bail!("the {what} must be at least 16 letters, digits, `-` or `_`")
            }
            Some(s) => Ok(s.clone()),
            None => Ok(meeting::random_hex(16)),
        }
    };
    let public_url = options
        .public_url
        .as_ref()
        .map(|u| u.trim_end_matches('/').to_owned());
    let public_host = match &public_url {
        Some(url) => {
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))
                .with_context(|| {
                    format!("--public-url must start with http:// or https://, not `{url}`")
                })?;
            let host = rest.split('/').next().unwrap_or(rest);
            Some(host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned())
        }
        None => None,
    };
    let access = Access {
        facilitator_key: secret(&options.facilitator_key, "facilitator key")?,
        join_code: secret(&options.join_code, "join code")?,
        hosts: public_host.into_iter().collect(),
        port: local.port(),
    };
    let state = Arc::new(
        State::new(
            options.path.clone(),
            theme_dir.clone(),
            access.clone(),
            public_url.clone(),
            config.meeting.clone(),
            carried::Carried::gather(&options.path, jiff::Zoned::now().date()),
        )
        .with_context(|| {
            format!(
                "opening the meeting's journal in {}",
                options.path.display()
            )
        })?,
    );
    let first = state.clone();
    tokio::task::spawn_blocking(move || first.rebuild(false))
        .await
        .context("the first render")?;

    // The incident folder with its logs; and the archive's debrief.toml beside it, whose folder
    // is watched alone, not the other incidents in it.
    let mut dirs = vec![(options.path.clone(), true)];
    if let Some(config) = &layout.config
        && let Some(parent) = config.parent().filter(|p| {
            !options.path.join(crate::load::CONFIG_FILE).is_file() && !p.as_os_str().is_empty()
        })
    {
        dirs.push((parent.to_path_buf(), false));
    }
    if let Some(theme) = theme_dir.as_ref().filter(|d| !d.starts_with(&options.path)) {
        dirs.push((theme.clone(), true));
    }
    let watched = state.clone();
    let theme_root = theme_dir.as_deref().map(watch::absolute);
    let last_own_render = std::sync::Mutex::new(Instant::now());
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
        let is_incident = |p: &PathBuf| {
            p.file_name()
                .is_some_and(|n| n == crate::load::INCIDENT_FILE)
        };
        let mut hand_edit = false;
        if paths.iter().any(is_incident) {
            let own = watched
                .writer
                .is_own_write(&watched.path.join(crate::load::INCIDENT_FILE));
            // While the file cannot be written, every save is a chance to catch up.
            let waiting = watched.meeting().store_error.is_some();
            if !own || waiting {
                hand_edit = true;
            } else if paths.iter().all(is_incident) {
                // debrief's own write: the screens have the state already; redraw the diagrams,
                // but not more often than every OWN_WRITE_RENDER while a burst streams in.
                let mut last = last_own_render.lock().unwrap_or_else(|e| e.into_inner());
                let wait = OWN_WRITE_RENDER.saturating_sub(last.elapsed());
                std::thread::sleep(wait);
                *last = Instant::now();
            }
        }
        let theme_changed = theme_root
            .as_ref()
            .is_some_and(|dir| paths.iter().any(|p| p.starts_with(dir)));
        watched.rebuild(theme_changed);
        if hand_edit {
            // A person's save, after the screens have it: the writer re-applies anything of the
            // meeting that it overwrote (and that write renders again).
            watched.writer.file_changed();
        }
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
    let base = public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let facilitator_url = format!("{base}/?key={}", access.facilitator_key);
    writeln!(out, "Facilitator (share this screen): {facilitator_url}")?;
    writeln!(
        out,
        "Participants join at:            {base}/join/{}",
        access.join_code
    )?;
    writeln!(
        out,
        "The report preview is at /report/. Press Ctrl-C to end the meeting."
    )?;
    if local.ip().is_loopback() && public_url.is_none() {
        writeln!(
            out,
            "note: only this machine can connect; for phones, use --bind 0.0.0.0 (and --public-url if people reach it by name)"
        )?;
    }
    out.flush()?;
    drop(out);
    if options.open {
        open_browser(&facilitator_url);
    }

    let stopping = state.clone();
    let shutdown = async move {
        stop_signal.await;
        tracing::info!("Stopping");
        let _ = stopping.tx.send(Push::Shutdown);
    };
    let writer = state.writer.clone();
    listen::serve(
        listener,
        warp::service(routes(state)),
        shutdown,
        listen::Limits {
            connections: options
                .max_connections
                .unwrap_or(listen::Limits::default().connections),
            stalled: options.stall_timeout,
            ..listen::Limits::default()
        },
    )
    .await;
    writer.end().await;
    eprintln!("Stopped. Every change from the meeting is in incident.toml.");
    Ok(())
}

/// Holds an advisory lock on the incident folder while the meeting runs (the folder, not the
/// file, which debrief replaces on every write). Editors do not look at it; another `serve`
/// does.
fn lock_meeting(dir: &Path) -> anyhow::Result<std::fs::File> {
    let folder = std::fs::File::open(dir)
        .with_context(|| format!("opening {} to hold the meeting", dir.display()))?;
    match folder.try_lock() {
        Ok(()) => Ok(folder),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `debrief serve` is already running the meeting of {}; join that one, or stop it first",
            dir.display()
        ),
        // A file system without locks: carry on, as before locks existed.
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::warn!("cannot lock {}: {e}", dir.display());
            Ok(folder)
        }
    }
}

/// The listening socket. Its queue of connections waiting to be accepted is long enough for a
/// room of people whose phones all connect at once (the default of 128 drops the rest, and
/// their phones retry only a second later).
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(2048)
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

/// Opens `url` in the desktop's browser. The opener's own chatter (xdg-open prints pages of
/// it when no browser is set up) is hidden, the opener is waited for on a thread of its own so
/// it never lingers as a zombie, and a failure is one line of advice.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let advice = format!("note: could not open a browser; open {url} yourself");
    match std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            let _ = std::thread::Builder::new()
                .name("debrief-open".into())
                .spawn(move || {
                    if !child.wait().is_ok_and(|status| status.success()) {
                        eprintln!("{advice}");
                    }
                });
        }
        Err(e) => eprintln!("{advice} ({opener}: {e})"),
    }
}

/// A refused request, carried through warp's rejections to [`recover`].
#[derive(Debug)]
struct Refused(meeting::ApiError);

impl warp::reject::Reject for Refused {}

fn refuse(e: meeting::ApiError) -> warp::Rejection {
    warp::reject::custom(Refused(e))
}

/// Turns rejections into JSON errors: ours, too-large bodies, and routes that do not exist.
async fn recover(rejection: warp::Rejection) -> Result<Response<Vec<u8>>, Infallible> {
    let error = if let Some(Refused(e)) = rejection.find::<Refused>() {
        e.clone()
    } else if rejection.is_not_found() {
        meeting::ApiError::new(404, "not-found", "there is nothing here")
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        meeting::ApiError::new(405, "method", "this route does not take that method")
    } else {
        meeting::ApiError::new(400, "bad-request", format!("{rejection:?}"))
    };
    Ok(api::error_response(&error))
}

/// Reads a request body of at most [`api::MAX_BODY`] bytes, with or without a length.
async fn limited_body(
    body: impl futures_util::Stream<Item = Result<impl bytes::Buf, warp::Error>> + Send,
) -> Result<bytes::Bytes, warp::Rejection> {
    use futures_util::StreamExt as _;
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|e| {
            refuse(meeting::ApiError::new(
                400,
                "bad-body",
                format!("reading the body: {e}"),
            ))
        })?;
        if out.len() + chunk.remaining() > api::MAX_BODY {
            return Err(refuse(meeting::ApiError::new(
                413,
                "too-large",
                format!("the body is larger than {} KiB", api::MAX_BODY / 1024),
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
fn routes(
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
                refuse(meeting::ApiError::new(
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
            |which, state: Arc<State>, _: Caller, query: HashMap<String, String>| async move {
                let width = match diagrams::width(query.get("width")) {
                    Ok(width) => width,
                    Err(e) => return api::error_response(&e),
                };
                match state.diagram(which, width).await {
                    Some(svg) => respond(StatusCode::OK, "image/svg+xml", svg.to_vec()),
                    None => api::error_response(&meeting::ApiError::new(
                        409,
                        "not-loaded",
                        "the incident has not loaded yet",
                    )),
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
                return api::error_response(&meeting::ApiError::new(
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
    let api = warp::path("api")
        .and(with_state.clone())
        .and(warp::method())
        .and(warp::path::tail())
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<listen::Client>())
        .and(warp::body::stream().and_then(limited_body))
        .then(
            |state: Arc<State>, method, tail: warp::path::Tail, headers, client, body| async move {
                let request = api::Request {
                    method,
                    path: tail.as_str().to_owned(),
                    headers,
                    client,
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
            if query.get("key").is_some_and(|key| !api::same(key, &state.access.facilitator_key)) {
                state.failed(client);
            }
            if let Some(key) = query.get("key")
                && api::same(key, &state.access.facilitator_key) {
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
                if api::same(&code, &state.join_code()) {
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
            None => api::error_response(&meeting::ApiError::new(
                404,
                "not-found",
                "there is nothing here",
            )),
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
fn join_qr(state: &State, host: Option<&str>) -> String {
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

fn meeting_page(html: &'static str) -> Response<Vec<u8>> {
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
fn page_response(status: StatusCode, title: &str, text: &str) -> Response<Vec<u8>> {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · debrief</title><link rel=\"stylesheet\" href=\"/meeting/meeting.css\"></head><body class=\"notice\"><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    );
    let mut response = html_response(page.into_bytes());
    *response.status_mut() = status;
    response
}

/// One server-sent event, as chunks of bytes: `event: NAME`, `data: ` and the data (the parts
/// of a state as [`State::state_parts`] gives them, shared with other screens), then the end.
fn sse(name: &str, data: impl IntoIterator<Item = bytes::Bytes>) -> Vec<bytes::Bytes> {
    let mut chunks = vec![bytes::Bytes::from(format!("event: {name}\ndata: "))];
    chunks.extend(data);
    chunks.push(bytes::Bytes::from_static(b"\n\n"));
    chunks
}

/// How often an idle event stream gets a comment, so proxies and browsers keep it open.
const PING: Duration = Duration::from_secs(15);

/// The event stream of one browser, as a response: a task makes its events and hands them
/// over one at a time (a channel of one event), so a browser that stops reading holds at most
/// the event it is stuck on, whose big part is shared; the connection's stall timeout then
/// drops it, and the page reconnects.
fn event_response(state: Arc<State>, caller: Caller, meeting: bool) -> warp::reply::Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<bytes::Bytes>>(1);
    tokio::spawn(produce_events(state, caller, meeting, tx));
    // A chunk at a time, from the event at hand.
    let mut pending = std::collections::VecDeque::new();
    let body = futures_util::stream::poll_fn(move |cx| {
        loop {
            if let Some(chunk) = pending.pop_front() {
                return std::task::Poll::Ready(Some(Ok::<_, Infallible>(chunk)));
            }
            match rx.poll_recv(cx) {
                std::task::Poll::Ready(Some(event)) => pending.extend(event),
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
    });
    let mut response = warp::Reply::into_response(warp::reply::stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/event-stream"),
    );
    response
}

/// Makes the events of one browser: a `hello` with the render's state and, for meeting pages,
/// the meeting's `state`; then every render and every new meeting revision. A browser that
/// falls behind skips to the newest state; it never sees an old one after a new one. Ends when
/// the browser is gone, the server stops, or the facilitator removed the participant.
async fn produce_events(
    state: Arc<State>,
    caller: Caller,
    meeting: bool,
    tx: tokio::sync::mpsc::Sender<Vec<bytes::Bytes>>,
) {
    let mut rx = state.tx.subscribe();
    let mut published = state.published.clone();
    published.mark_changed();
    let hello = {
        let view = state.read();
        serde_json::json!({ "revision": view.revision, "error": view.error }).to_string()
    };
    if tx.send(sse("hello", [hello.into()])).await.is_err() {
        return;
    }
    let mut last: Option<tokio::time::Instant> = None;
    // The state this browser has: the next is sent as a change from it when that is smaller.
    let mut has: Option<StateKey> = None;
    loop {
        let event = tokio::select! {
            push = rx.recv() => match push {
                Ok(Push::Reload(revision)) => sse(
                    "reload",
                    [serde_json::json!({ "revision": revision }).to_string().into()],
                ),
                Ok(Push::Error(revision, message)) => sse(
                    "error",
                    [serde_json::json!({ "revision": revision, "message": message })
                        .to_string()
                        .into()],
                ),
                // A slow browser missed some; the next event carries the latest revision.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Ok(Push::Shutdown) | Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = published.changed(), if meeting => {
                if changed.is_err() {
                    return;
                }
                // While changes stream in, one state per STATE_INTERVAL: the newest.
                if let Some(last) = last {
                    tokio::time::sleep_until(last + STATE_INTERVAL).await;
                }
                published.borrow_and_update();
                last = Some(tokio::time::Instant::now());
                // Someone the facilitator removed is told so, and their stream ends.
                if let Caller::Participant(id) = &caller
                    && state.meeting().participant(id).is_some_and(|p| p.removed)
                {
                    let _ = tx.send(sse("removed", [bytes::Bytes::from_static(br#"{"removed":true}"#)])).await;
                    return;
                }
                let (head, shared, key) = state.state_parts(&caller);
                let change = has.and_then(|from| state.change(from, key));
                has = Some(key);
                match change {
                    Some(change) => sse("change", [head.into(), change]),
                    None => sse("state", [head.into(), shared]),
                }
            },
            () = tokio::time::sleep(PING) => vec![bytes::Bytes::from_static(b":ping\n\n")],
            () = tx.closed() => return,
        };
        if tx.send(event).await.is_err() {
            return;
        }
    }
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
        assert!(bare.contains("new EventSource(\"/api/events?state=0\")"));
    }
}
