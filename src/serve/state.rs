//! What the server shares between requests and the watcher: the rendered pages, the meeting,
//! the states sent to screens (and the changes between them), and the diagrams.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch as watch_channel};

use super::auth::Access;
use super::error::ApiError;
use super::limits::Limiter;
use super::meeting::{self, Caller, Meeting};
use super::writer::Writer;
use super::{carried, delta, diagrams, listen};
use crate::diagnostics::{Report, Style};
use crate::load::{self, Archive, Options};

/// What browsers are told.
#[derive(Debug, Clone)]
pub(super) enum Push {
    Reload(u64),
    Error(u64, String),
    /// The server is stopping: end every event stream, so the graceful shutdown can finish.
    Shutdown,
}

/// The pages being served and what happened last.
pub(super) struct View {
    pub(super) revision: u64,
    pub(super) files: Arc<HashMap<String, Vec<u8>>>,
    /// The report's path inside the site.
    pub(super) report: String,
    /// The diagnostic of the last render, when it failed.
    pub(super) error: Option<String>,
}

/// What a shared state was made from: the meeting's generation, the render's revision, and
/// whether it is the facilitator's.
pub(super) type StateKey = (u64, u64, bool);

/// The shared part of the last few states of each audience, as values (to find what changed)
/// and as the bytes sent, and the changes between them that screens were sent: each is made
/// once, however many screens get it.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) states: std::collections::VecDeque<(StateKey, Arc<serde_json::Value>, bytes::Bytes)>,
    /// `None` when the change is no smaller than the state.
    pub(super) changes: std::collections::VecDeque<((StateKey, StateKey), Option<bytes::Bytes>)>,
}

/// States kept per audience to send changes from: a screen further behind gets the whole
/// state.
pub(super) const KEPT_STATES: usize = 2;

/// The name of a state in what screens are sent (`key`, and a change's `base`).
pub(super) fn key_name(key: StateKey) -> String {
    format!("{}.{}", key.0, key.1)
}

/// Everything the server shares between requests and the watcher.
pub struct State {
    pub(super) path: PathBuf,
    /// The command that publishes what the meeting decided, shown at wrap-up.
    publish_command: String,
    /// Parsed once, and again only when the theme folder changes: parsing templates would
    /// otherwise be a good part of every render.
    pub(super) theme: RwLock<crate::render::Theme>,
    pub(super) theme_dir: Option<PathBuf>,
    pub(super) view: RwLock<View>,
    pub(super) tx: broadcast::Sender<Push>,
    pub(super) access: Access,
    /// The join code now: `access.join_code` at the start, until the facilitator asks for a
    /// new one.
    pub(super) join_code: RwLock<String>,
    pub(super) public_url: Option<String>,
    pub(super) meeting: Arc<RwLock<Meeting>>,
    pub(super) writer: Writer,
    /// The meeting's generation after each change.
    pub(super) published: watch_channel::Receiver<u64>,
    pub(super) publish: Arc<watch_channel::Sender<u64>>,
    pub(super) limiter: Limiter,
    /// Joins, per client address: a whole room behind one address (an office, a proxy) joins
    /// at once; a script cannot fill the meeting.
    pub(super) joins: Limiter,
    /// Wrong keys, codes and tokens, per client address: guessing is throttled.
    pub(super) failures: Limiter,
    /// The shared part of the recent states, and the changes between them.
    pub(super) shared: std::sync::Mutex<Shared>,
    /// Held while rendering.
    pub(super) rendering: std::sync::Mutex<()>,
    /// The diagrams of the meeting's last generation, and the evidence they are drawn from.
    pub(super) drawings: Arc<diagrams::Drawings>,
}

impl State {
    pub(super) fn new(
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
        if fresh(&path) {
            meeting.prepare();
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
            publish_command: publish_command(&path),
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
            drawings: Arc::new(diagrams::Drawings::default()),
        })
    }

    /// The hash of `incident.toml` as it is on disk now.
    pub(super) fn incident_hash(&self) -> Option<u64> {
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
    pub(crate) fn may_join(&self, client: Option<listen::Client>) -> Result<(), ApiError> {
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
    pub(super) fn state_parts(&self, caller: &Caller) -> (String, bytes::Bytes, StateKey) {
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
                        state["publish"] = serde_json::json!(self.publish_command);
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
    pub(super) fn change(&self, from: StateKey, to: StateKey) -> Option<bytes::Bytes> {
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
    /// and per width bucket however many screens ask, on a blocking thread (see
    /// [`diagrams::Drawings`] for who waits for what).
    pub(super) async fn diagram(
        self: &Arc<Self>,
        caller: &Caller,
        which: diagrams::Diagram,
        width: Option<u32>,
    ) -> Result<Arc<Vec<u8>>, ApiError> {
        let generation = self.meeting().generation;
        let state = self.clone();
        let loaded = move || {
            let mut loaded = state.meeting().shown()?.into_owned();
            loaded.dir = state.path.clone();
            Some(loaded)
        };
        self.drawings
            .get(caller, generation, which, width, loaded)
            .await
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
    pub(super) fn loaded(&self) -> Result<crate::model::LoadedIncident, ApiError> {
        let mut loaded = self.meeting().incident.clone().ok_or_else(|| {
            ApiError::new(
                409,
                "not-loaded",
                "the incident has not loaded yet; fix incident.toml first",
            )
        })?;
        loaded.dir = self.path.clone();
        Ok(loaded)
    }

    pub(super) fn read(&self) -> std::sync::RwLockReadGuard<'_, View> {
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

/// What publishes an incident: `debrief build` of its archive when it sits in one (the site's
/// index, trends and search are built from every incident), of the incident folder otherwise.
/// An archive is a folder of several incidents, or one with a `debrief.toml`. The path is
/// written as the facilitator gave it.
fn publish_command(path: &Path) -> String {
    let in_archive = path.canonicalize().ok().is_some_and(|dir| {
        dir.parent()
            .and_then(|root| load::discover(root).ok())
            .is_some_and(|layout| {
                layout.is_archive
                    && layout.incidents.contains(&dir)
                    && (layout.incidents.len() > 1 || layout.config.is_some())
            })
    });
    let target = if in_archive {
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => parent.display().to_string(),
            None => "..".to_owned(),
        }
    } else {
        path.display().to_string()
    };
    format!("debrief build {target}")
}

/// A render: the site's files, the report's path, and the incident as loaded.
pub(super) struct Rendered {
    pub(super) files: HashMap<String, Vec<u8>>,
    pub(super) report: String,
    pub(super) loaded: crate::model::LoadedIncident,
}

/// Renders the incident at `path` into memory; the pages show it as `conceal` leaves it, and
/// the incident comes back as the file holds it.
pub(super) fn render(
    path: &Path,
    theme: &crate::render::Theme,
    conceal: impl FnOnce(&mut crate::model::Incident),
) -> Result<Rendered, String> {
    let mut report = Report::default();
    let options = Options {
        errors_only: true,
        ..Options::default()
    };
    let archive = Archive::load(path, options, &mut report).map_err(|e| e.to_string())?;
    if report.errors() > 0 || archive.incidents.is_empty() {
        report.sort();
        return Err(report.render(Style::Plain));
    }
    let id = archive.incidents[0].id.clone();
    let loaded = archive.incidents[0].clone();
    let mut archive = archive;
    conceal(&mut archive.incidents[0].incident);
    let today = jiff::Zoned::now().date();
    let files = crate::site::render_to_memory(&archive, theme, today, false)
        .map_err(|e| format!("{e:#}"))?;
    Ok(Rendered {
        files,
        report: format!("incidents/{id}/index.html"),
        loaded,
    })
}

/// Whether the incident in `dir` has no story yet: no timeline entry and no start time, as a
/// folder fresh from `debrief new` is.
fn fresh(dir: &std::path::Path) -> bool {
    std::fs::read_to_string(dir.join(crate::load::INCIDENT_FILE))
        .ok()
        .and_then(|text| toml::from_str::<crate::model::Incident>(&text).ok())
        .is_some_and(|i| i.timeline.is_empty() && i.times.started.is_none())
}
