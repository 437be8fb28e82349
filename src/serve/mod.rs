//! `debrief serve`: the live view of one incident, re-rendered on every change.
//!
//! The server renders the same pages as `debrief build`, into memory. A file watcher renders
//! again on every relevant change and swaps the new pages in whole; only then are browsers told,
//! over SSE, to reload. A render that fails keeps the last good pages and sends the diagnostic,
//! which the injected script shows over them until the file is fixed.

mod admit;
pub mod api;
mod auth;
mod carried;
pub mod delta;
mod details;
mod diagrams;
pub mod error;
mod events;
mod evidence;
mod input;
pub mod limits;
mod listen;
pub mod meeting;
mod pages;
pub mod probe;
mod routes;
mod state;
pub mod watch;
mod writer;

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::diagnostics::Report;
use crate::load;
use auth::Access;
use state::{Push, State};
pub use watch::WatcherKind;

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
    /// The request header a reverse proxy sets to the signed-in user's name, believed only
    /// from `trusted_proxies`.
    pub trust_user_header: Option<String>,
    pub trusted_proxies: Vec<IpAddr>,
    /// The most connections open at once (default: what the open-file limit allows, up to
    /// 4,096).
    pub max_connections: Option<usize>,
    /// How long a client may leave what it is sent unread before it is dropped.
    pub stall_timeout: Duration,
    /// Remove the journal at the end, once everything is in the file.
    pub forget: bool,
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
    let (access, public_url) = access(&options, local.port())?;
    let state = Arc::new(
        State::new(
            options.path.clone(),
            theme_dir.clone(),
            access.clone(),
            public_url.clone(),
            crate::model::MeetingConfig {
                policy: config.policy.clone(),
                severities: config.severities.clone(),
                ..config.meeting.clone()
            },
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

    let dirs = watched_dirs(
        &options.path,
        layout.config.as_deref(),
        theme_dir.as_deref(),
    );
    let _watcher = watch_files(&state, &dirs, theme_dir.as_deref(), &options)?;

    let facilitator_url = announce(&dirs, &access, public_url.as_deref(), local)?;
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
    let ending = state.clone();
    listen::serve(
        listener,
        warp::service(routes::routes(state)),
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
    let waiting = {
        let m = ending.meeting();
        m.store_error
            .clone()
            .or_else(|| m.carried_error.clone())
            .or_else(|| (m.applied < m.revision).then(|| "changes wait to be written".into()))
    };
    match &waiting {
        None => eprintln!("Stopped. Every change from the meeting is in incident.toml."),
        Some(why) => eprintln!(
            "Stopped. Some changes are only in the journal ({why}); the next `debrief serve` of this incident writes them."
        ),
    }
    forget_or_tell(&options.path, options.forget, waiting.is_none());
    Ok(())
}

/// At the end of the meeting: removes the journal when asked to (and when nothing waits in
/// it), or says that it stays and how to remove it.
fn forget_or_tell(dir: &Path, forget: bool, all_written: bool) {
    use crate::store::journal::{JOURNAL_FILE, STATE_DIR};
    let journal = dir.join(STATE_DIR).join(JOURNAL_FILE);
    if !journal.exists() {
        return;
    }
    if !forget {
        eprintln!(
            "The journal {} stays: it keeps who did what in the meeting, under participant ids \
             (and the names people joined with, unless the meeting was anonymous). Start and stop \
             the meeting with --forget to remove it once everything is in incident.toml.",
            journal.display()
        );
    } else if !all_written {
        eprintln!(
            "The journal {} is kept, because it holds changes that are not in the files yet.",
            journal.display()
        );
    } else {
        match crate::store::journal::forget(dir) {
            Ok(_) => eprintln!("Removed the journal {}.", journal.display()),
            Err(e) => eprintln!("error: could not remove {}: {e}", journal.display()),
        }
    }
}

/// The secrets and names requests are checked against, from the options (random secrets when
/// none are given), and the public URL without its trailing `/`.
fn access(options: &ServeOptions, port: u16) -> anyhow::Result<(Access, Option<String>)> {
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
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let (host, port) = auth::split_host(authority);
            if host.is_empty() {
                bail!("--public-url needs a host name and, if any, a port number: `{url}`");
            }
            Some((host.to_owned(), port))
        }
        None => None,
    };
    let access = Access {
        facilitator_key: secret(&options.facilitator_key, "facilitator key")?,
        join_code: secret(&options.join_code, "join code")?,
        hosts: public_host.into_iter().collect(),
        port,
        sign_in: match &options.trust_user_header {
            Some(header) => Some(auth::SignIn {
                header: warp::http::HeaderName::try_from(header.as_str()).with_context(|| {
                    format!("--trust-user-header `{header}` is not a header name")
                })?,
                proxies: options.trusted_proxies.clone(),
            }),
            None => None,
        },
    };
    Ok((access, public_url))
}

/// The folders to watch, and whether to watch inside them: the incident folder with its logs;
/// the archive's folder alone when its debrief.toml is beside the incident, not the other
/// incidents in it; and a theme folder outside the incident.
fn watched_dirs(
    incident: &Path,
    config: Option<&Path>,
    theme_dir: Option<&Path>,
) -> Vec<(PathBuf, bool)> {
    let mut dirs = vec![(incident.to_path_buf(), true)];
    if let Some(config) = config
        && let Some(parent) = config.parent().filter(|p| {
            !incident.join(crate::load::CONFIG_FILE).is_file() && !p.as_os_str().is_empty()
        })
    {
        dirs.push((parent.to_path_buf(), false));
    }
    if let Some(theme) = theme_dir.filter(|d| !d.starts_with(incident)) {
        dirs.push((theme.to_path_buf(), true));
    }
    dirs
}

/// Watches `dirs`: every change renders the preview again; a person's save of
/// `incident.toml` also makes the writer re-apply what of the meeting it overwrote.
fn watch_files(
    state: &Arc<State>,
    dirs: &[(PathBuf, bool)],
    theme_dir: Option<&Path>,
    options: &ServeOptions,
) -> anyhow::Result<watch::Watcher> {
    let watched = state.clone();
    let theme_root = theme_dir.map(watch::absolute);
    let last_own_render = std::sync::Mutex::new(Instant::now());
    watch::watch(dirs, options.watcher, options.debounce, move |paths| {
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
    })
}

/// Prints what is watched and where to connect; returns the facilitator's URL.
fn announce(
    dirs: &[(PathBuf, bool)],
    access: &Access,
    public_url: Option<&str>,
    local: SocketAddr,
) -> anyhow::Result<String> {
    let mut out = std::io::stdout().lock();
    for (dir, recursive) in dirs {
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
    if public_url.is_some() {
        // Where the proxy in front passes requests to.
        writeln!(out, "Listening on:                    http://{local}")?;
    }
    let base = public_url.map_or_else(|| format!("http://{local}"), str::to_owned);
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
    Ok(facilitator_url)
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
