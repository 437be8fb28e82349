//! The writer: one thread that owns the journal, and one that writes `incident.toml`.
//!
//! Every write goes through [`Writer`], one thread that owns the [`Store`]. It takes every
//! request waiting at that moment as one batch, decides each against the meeting (limits,
//! missing ids), journals the whole batch with one fsync, answers, and then writes
//! `incident.toml` once. Batching is what keeps a burst of hundreds of operations fast: the
//! cost of an fsync and a file write is shared by everything that arrived while the previous
//! batch was being written.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio::sync::{oneshot, watch};

use super::meeting::{Answer, Caller, Command, Meeting, decide_one};
use crate::model::{Incident, LoadedIncident};
use crate::serve::error::ApiError;
use crate::store::{Mirror, Op, Record, Store, StoreError};

/// A request to the writer thread.
pub enum Job {
    Command {
        caller: Caller,
        key: Option<String>,
        /// Boxed: a command is far larger than the other jobs.
        command: Box<Command>,
        reply: oneshot::Sender<Result<Answer, ApiError>>,
    },
    /// `incident.toml` changed on disk.
    FileChanged,
    /// The meeting is over: write everything and mark the journal.
    End(oneshot::Sender<()>),
}

/// What the writer hands the thread that writes `incident.toml`.
enum Apply {
    Records(Vec<Record>),
    FileChanged,
    End(std::sync::mpsc::Sender<()>),
}

/// The handle through which requests reach the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: std::sync::mpsc::Sender<Job>,
    /// `incident.toml` as debrief last wrote or checked it, so the watcher can tell debrief's
    /// own writes from a person's.
    known: Arc<std::sync::Mutex<Option<crate::store::Version>>>,
}

/// The least time between two write-backs while changes stream in: everything that arrives in
/// between goes into the file in one write, and reaches the screens as one state.
const WRITE_INTERVAL: std::time::Duration = std::time::Duration::from_millis(15);

impl Writer {
    /// Opens the journal, replays the meeting so far onto the file, and starts two threads: the
    /// writer, which decides, journals and answers; and the mirror, which writes `incident.toml`
    /// and publishes the meeting's generation to `published` after every write. Answers never
    /// wait for the file.
    pub fn start(
        dir: PathBuf,
        id: String,
        meeting: Arc<RwLock<Meeting>>,
        published: Arc<watch::Sender<u64>>,
    ) -> anyhow::Result<Writer> {
        let (store, mirror, unreadable) = Store::open(&dir)?;
        for (line, reason) in unreadable {
            tracing::warn!("journal line {line} could not be read and is skipped: {reason}");
        }
        {
            let mut m = write(&meeting);
            for record in mirror.session() {
                m.apply(record);
            }
            m.revision = m.revision.max(store.next_seq() - 1);
            if mirror.session().is_empty() {
                // Earlier meetings ended cleanly: the file holds all of them.
                m.applied = m.revision;
            }
            if !mirror.session().is_empty() {
                tracing::info!(
                    "Resuming the meeting: {} changes from the journal",
                    mirror.session().len()
                );
            }
        }
        let known = Arc::new(std::sync::Mutex::new(None));
        let published_for_writer = published.clone();
        let carried_root = write(&meeting)
            .carried
            .as_ref()
            .map(|c| c.root().to_path_buf());
        let mut mirror = MirrorThread {
            pending: Vec::new(),
            carried_root,
            mirror,
            meeting: meeting.clone(),
            published,
            id,
            dir: dir.clone(),
            known: known.clone(),
        };
        // Replay before serving anything: a crash between journal and file loses nothing.
        mirror.write_back();
        let session = mirror.mirror.session().to_vec();
        mirror.carry(&session);
        mirror.publish();
        let (apply, applies) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("debrief-mirror".into())
            .spawn(move || mirror.run(applies))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let writer = WriterThread {
            store,
            published: published_for_writer,
            dir: dir.clone(),
            meeting,
            apply,
        };
        std::thread::Builder::new()
            .name("debrief-writer".into())
            .spawn(move || writer.run(rx))?;
        Ok(Writer { tx, known })
    }

    /// Sends a command and waits for its answer.
    pub async fn send(
        &self,
        caller: Caller,
        key: Option<String>,
        command: Command,
    ) -> Result<Answer, ApiError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Command {
            caller,
            key,
            command: Box::new(command),
            reply,
        };
        if self.tx.send(job).is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }

    pub fn file_changed(&self) {
        let _ = self.tx.send(Job::FileChanged);
    }

    /// Whether the file at `path` is `incident.toml` as debrief last wrote (or checked) it:
    /// the same bytes, and the same file, written at the same moment.
    pub fn is_own_write(&self, path: &std::path::Path) -> bool {
        let known = *self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.is_some() && crate::store::Version::read(path).ok() == known
    }

    /// Ends the meeting: waits until every accepted change is in the file and the journal is
    /// marked.
    pub async fn end(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Job::End(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

fn stopped() -> ApiError {
    ApiError::new(503, "stopping", "the server is stopping")
}

fn write(meeting: &RwLock<Meeting>) -> std::sync::RwLockWriteGuard<'_, Meeting> {
    meeting.write().unwrap_or_else(|e| e.into_inner())
}

/// Decides, journals and answers.
struct WriterThread {
    store: Store,
    published: Arc<watch::Sender<u64>>,
    dir: PathBuf,
    meeting: Arc<RwLock<Meeting>>,
    apply: std::sync::mpsc::Sender<Apply>,
}

type Reply = oneshot::Sender<Result<Answer, ApiError>>;

impl WriterThread {
    fn run(mut self, rx: std::sync::mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut jobs = vec![first];
            while jobs.len() < 1024 {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let mut records = Vec::new();
            let mut waiting: Vec<(Reply, Answer)> = Vec::new();
            let mut ends = Vec::new();
            {
                let mut meeting = write(&self.meeting);
                for job in jobs {
                    match job {
                        Job::Command {
                            caller,
                            key,
                            command,
                            reply,
                        } => {
                            let seq = self.store.next_seq() + records.len() as u64;
                            match decide_one(&mut meeting, &caller, key, *command, seq) {
                                Ok((mut new, answer)) => {
                                    if new.is_empty() {
                                        // Answered before: the same answer again.
                                        let _ = reply.send(Ok(answer));
                                    } else {
                                        records.append(&mut new);
                                        waiting.push((reply, answer));
                                    }
                                }
                                Err(e) => {
                                    let _ = reply.send(Err(e));
                                }
                            }
                        }
                        Job::FileChanged => {
                            let _ = self.apply.send(Apply::FileChanged);
                        }
                        Job::End(done) => ends.push(done),
                    }
                }
            }
            if !records.is_empty() {
                match self.store.append(&records) {
                    Ok(()) => {
                        {
                            let mut meeting = write(&self.meeting);
                            if meeting.journal_error.take().is_some() {
                                meeting.generation += 1;
                                self.published.send_replace(meeting.generation);
                            }
                        }
                        for (reply, answer) in waiting {
                            let _ = reply.send(Ok(answer));
                        }
                        let _ = self.apply.send(Apply::Records(records));
                    }
                    Err(e) => {
                        tracing::error!("could not write the journal: {e}");
                        let error = ApiError::new(
                            500,
                            "journal",
                            format!("the change could not be saved: {e}"),
                        );
                        self.undo(&records);
                        // Every screen says so, as it says when the file is broken, before
                        // anyone is answered: whoever got the error sees it in the state.
                        {
                            let mut meeting = write(&self.meeting);
                            meeting.journal_error = Some(format!(
                                "changes cannot be saved: the journal could not be written ({e})"
                            ));
                            meeting.generation += 1;
                            self.published.send_replace(meeting.generation);
                        }
                        for (reply, _) in waiting {
                            let _ = reply.send(Err(error.clone()));
                        }
                    }
                }
            }
            if !ends.is_empty() {
                let (done, wait) = std::sync::mpsc::channel();
                if self.apply.send(Apply::End(done)).is_ok() {
                    let _ = wait.recv();
                }
                if let Err(e) = self.store.end() {
                    tracing::error!("could not mark the end of the meeting: {e}");
                }
                for done in ends {
                    let _ = done.send(());
                }
                return;
            }
        }
    }

    /// Takes back what a batch that could not be journaled did to the meeting: the meeting is
    /// replayed from the journal, which does not have the batch.
    fn undo(&mut self, failed: &[Record]) {
        let Ok((store, mirror, _)) = Store::open(&self.dir) else {
            return;
        };
        let mut meeting = write(&self.meeting);
        let mut fresh = Meeting::new(meeting.config.clone());
        fresh.incident = meeting.incident.take();
        if let Some(carried) = meeting.carried.take() {
            fresh.carry(carried.reset());
        }
        for record in mirror.session() {
            fresh.apply(record);
        }
        fresh.revision = store.next_seq() - 1;
        fresh.generation = meeting.generation;
        tracing::warn!("{} changes were refused and taken back", failed.len());
        *meeting = fresh;
    }
}

/// Writes `incident.toml` and tells the screens.
struct MirrorThread {
    /// Carried changes not yet in their incidents' files.
    pending: Vec<Record>,
    /// The archive the carried actions come from.
    carried_root: Option<PathBuf>,
    mirror: Mirror,
    meeting: Arc<RwLock<Meeting>>,
    published: Arc<watch::Sender<u64>>,
    id: String,
    dir: PathBuf,
    known: Arc<std::sync::Mutex<Option<crate::store::Version>>>,
}

impl MirrorThread {
    fn run(mut self, rx: std::sync::mpsc::Receiver<Apply>) {
        let mut last = std::time::Instant::now();
        while let Ok(first) = rx.recv() {
            // While changes stream in, gather them for a moment: one write, one state.
            let wait = WRITE_INTERVAL.saturating_sub(last.elapsed());
            if !wait.is_zero() && matches!(first, Apply::Records(_)) {
                std::thread::sleep(wait);
            }
            let mut ends = Vec::new();
            let mut records = false;
            for apply in std::iter::once(first).chain(rx.try_iter()) {
                match apply {
                    Apply::Records(new) => {
                        records = true;
                        self.carry(&new);
                        self.mirror.extend(new);
                    }
                    Apply::FileChanged => {}
                    Apply::End(done) => ends.push(done),
                }
            }
            last = std::time::Instant::now();
            let written = self.write_back();
            if records || written {
                self.publish();
            }
            if !ends.is_empty() {
                self.mirror.clear();
                for done in ends {
                    let _ = done.send(());
                }
                return;
            }
        }
    }

    /// Writes the meeting into the file; true when the file changed. A file that did not change
    /// is read by the render that its change caused, which tells the screens.
    fn write_back(&mut self) -> bool {
        let result = self.mirror.write_back();
        if let Some(version) = self.mirror.known_version() {
            *self.known.lock().unwrap_or_else(|e| e.into_inner()) = Some(version);
        }
        // Read the new text before taking the lock: screens keep reading meanwhile.
        let parsed = match &result {
            Ok(written) if !written.changed => None,
            Ok(written) => match toml::from_str::<Incident>(&written.text) {
                Ok(mut incident) => {
                    incident.fix_times();
                    Some(incident)
                }
                // The file has a mistake the loader reports (and the overlay shows); keep the
                // last good incident for the meeting.
                Err(e) => {
                    tracing::debug!("incident.toml does not load: {e}");
                    None
                }
            },
            Err(_) => None,
        };
        let applied = self.mirror.session().last().map_or(0, |r| r.seq);
        let changed = matches!(result, Ok(ref w) if w.changed);
        let mut meeting = write(&self.meeting);
        match result {
            Ok(_) => {
                meeting.store_error = None;
                meeting.applied = meeting.applied.max(applied);
            }
            Err(e @ StoreError::Broken { .. }) => meeting.store_error = Some(e.to_string()),
            Err(e) => {
                tracing::error!("{e}");
                meeting.store_error = Some(e.to_string());
            }
        }
        if let Some(incident) = parsed {
            let notes = meeting.incident.as_mut().and_then(|l| l.notes.take());
            meeting.incident = Some(LoadedIncident {
                id: self.id.clone(),
                dir: self.dir.clone(),
                incident,
                notes,
            });
        }
        changed
    }

    /// Writes carried changes into the files of their incidents. One that cannot be written
    /// (the file is broken or gone) waits, and the screens say why, until a later batch or a
    /// restart writes it: it is in the journal.
    fn carry(&mut self, records: &[Record]) {
        self.pending.extend(
            records
                .iter()
                .filter(|r| matches!(r.op, Op::Carried { .. }))
                .cloned(),
        );
        let Some(root) = &self.carried_root else {
            // Journaled when the incident sat in an archive, and it no longer does.
            for record in self.pending.drain(..) {
                tracing::warn!(
                    "journal record {} changes an action of another incident, but this incident is no longer in an archive with it; not applied",
                    record.seq
                );
            }
            return;
        };
        if self.pending.is_empty() {
            return;
        }
        let mut error = None;
        self.pending.retain(|record| {
            let Op::Carried {
                incident,
                id,
                changes,
            } = &record.op
            else {
                return false;
            };
            let op = Op::UpdateAction {
                id: id.clone(),
                changes: changes.clone(),
            };
            // Checked again: the folder may have been replaced by a link since the change was
            // accepted.
            let written = super::carried::incident_dir(root, incident)
                .map_err(|e| e.message)
                .and_then(|dir| {
                    crate::store::edit_file(
                        &dir.join(crate::load::INCIDENT_FILE),
                        std::slice::from_ref(&op),
                    )
                    .map_err(|e| e.to_string())
                });
            match written {
                Ok(_) => false,
                Err(e) => {
                    tracing::error!("a change to `{incident}` waits: {e}");
                    error = Some(format!(
                        "a change to an action of `{incident}` is saved in the journal but not yet in its file: {e}"
                    ));
                    true
                }
            }
        });
        let mut meeting = write(&self.meeting);
        if meeting.carried_error != error {
            meeting.carried_error = error;
            meeting.generation += 1;
            self.published.send_replace(meeting.generation);
        }
    }

    fn publish(&self) {
        let mut meeting = write(&self.meeting);
        meeting.generation += 1;
        self.published.send_replace(meeting.generation);
    }
}
