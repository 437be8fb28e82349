//! The miner on a thread of its own, fed entries in batches.

use jiff::Timestamp;

use super::super::format::Level;
use super::miner::{Miner, first_line};

/// A [`Miner`] on a thread of its own, fed entries in batches: grouping takes about as long as
/// reading, so a large log is read and grouped on two cores at once. The miner sees the same
/// entries in the same order as if it were fed directly, so the templates are the same.
pub enum Feed {
    Thread {
        batch: Batch,
        sender: std::sync::mpsc::SyncSender<Batch>,
        thread: std::thread::JoinHandle<Miner>,
    },
    /// No thread could be had: entries are grouped as they come.
    Direct(Miner),
}

/// Entries on their way to the miner: their first lines, end to end in `text`.
#[derive(Default)]
pub struct Batch {
    /// The file the entries come from.
    path: String,
    /// Whether the file is an access log.
    access: bool,
    text: Vec<u8>,
    /// Time, level, where the line ends in `text`, and its line number in the file.
    entries: Vec<(Timestamp, Option<Level>, usize, u64)>,
}

impl Batch {
    fn give_to(&self, miner: &mut Miner) {
        let mut start = 0;
        for &(at, level, end, line) in &self.entries {
            let place = crate::evidence::line::Place {
                path: &self.path,
                line,
            };
            miner.add_line(at, level, &self.text[start..end], &place, self.access);
            start = end;
        }
    }
}

/// Entries and bytes of text a batch holds at most before it is handed over.
pub(super) const BATCH_ENTRIES: usize = 4096;
const BATCH_BYTES: usize = 256 << 10;
/// Batches on their way at most: this bounds the memory a fast reader can fill.
const BATCHES_AHEAD: usize = 4;

impl Feed {
    /// A feed to a new miner; `record` keeps which template each entry joined.
    pub fn start(record: bool) -> Feed {
        let new = move || {
            if record {
                Miner::recording()
            } else {
                Miner::new()
            }
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_AHEAD);
        let thread = std::thread::Builder::new()
            .name("templates".into())
            .spawn(move || {
                let mut miner = new();
                for batch in receiver {
                    batch.give_to(&mut miner);
                }
                miner
            });
        match thread {
            Ok(thread) => Feed::Thread {
                batch: Batch::default(),
                sender,
                thread,
            },
            Err(_) => Feed::Direct(new()),
        }
    }

    /// Adds one entry: its first line is what is grouped; `access` says it is from an access
    /// log.
    pub fn add(
        &mut self,
        at: Timestamp,
        level: Option<Level>,
        text: &[u8],
        place: &crate::evidence::line::Place<'_>,
        access: bool,
    ) {
        let (batch, sender) = match self {
            Feed::Direct(miner) => {
                return miner.add_line(at, level, first_line(text), place, access);
            }
            Feed::Thread { batch, sender, .. } => (batch, sender),
        };
        if batch.path != place.path || batch.access != access {
            send(batch, sender);
            batch.path.clear();
            batch.path.push_str(place.path);
            batch.access = access;
        }
        batch.text.extend_from_slice(first_line(text));
        batch
            .entries
            .push((at, level, batch.text.len(), place.line));
        if batch.entries.len() >= BATCH_ENTRIES || batch.text.len() >= BATCH_BYTES {
            send(batch, sender);
        }
    }

    /// The miner, once it has grouped every entry.
    pub fn finish(self) -> Miner {
        match self {
            Feed::Direct(miner) => miner,
            Feed::Thread {
                mut batch,
                sender,
                thread,
            } => {
                send(&mut batch, &sender);
                drop(sender);
                match thread.join() {
                    Ok(miner) => miner,
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        }
    }
}

/// Hands a batch to the miner's thread and starts a new one for the same file.
fn send(batch: &mut Batch, sender: &std::sync::mpsc::SyncSender<Batch>) {
    if batch.entries.is_empty() {
        return;
    }
    let next = Batch {
        path: batch.path.clone(),
        access: batch.access,
        text: Vec::with_capacity(batch.text.capacity()),
        entries: Vec::with_capacity(batch.entries.capacity()),
    };
    // The thread ends early only by panicking, and `finish` passes that panic on: no result
    // is made without these entries.
    let _ = sender.send(std::mem::replace(batch, next));
}
