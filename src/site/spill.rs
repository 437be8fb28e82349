//! Bytes a build keeps on disk instead of in memory until the archive-wide pages read them
//! back: each incident's action items, written once beside its pages, read a page at a time.
//! The file is anonymous (unlinked from the start, `O_TMPFILE` where there is one), so nothing
//! is left behind, even when the build is stopped.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

/// An append-only file of byte runs, each read back by where it starts and how long it is.
/// Writers reserve their place first, so any number of threads write at once, without a lock.
pub(super) struct Spill {
    file: File,
    len: AtomicU64,
}

impl Spill {
    pub fn new() -> anyhow::Result<Spill> {
        let file = tempfile::tempfile().map_err(|e| {
            anyhow::anyhow!(
                "creating a temporary file for the build in {} (set TMPDIR to use another folder): {e}",
                std::env::temp_dir().display()
            )
        })?;
        Ok(Spill {
            file,
            len: AtomicU64::new(0),
        })
    }

    /// Writes `bytes`, and says where they start.
    pub fn put(&self, bytes: &[u8]) -> io::Result<u64> {
        let at = self.len.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        write_at(&self.file, bytes, at)?;
        Ok(at)
    }

    /// The `len` bytes written at `at`.
    pub fn get(&self, at: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; len];
        read_at(&self.file, &mut bytes, at)?;
        Ok(bytes)
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, at)
}

#[cfg(windows)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match std::os::windows::fs::FileExt::seek_write(file, &bytes[done..], at + done as u64)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => done += n,
        }
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(file: &File, bytes: &mut [u8], at: u64) -> io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match std::os::windows::fs::FileExt::seek_read(file, &mut bytes[done..], at + done as u64)?
        {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => done += n,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_come_back_as_written_from_many_threads() {
        let spill = Spill::new().unwrap();
        let runs: Vec<(u64, Vec<u8>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8u8)
                .map(|t| {
                    let spill = &spill;
                    s.spawn(move || {
                        (0..200u32)
                            .map(|i| {
                                let bytes = vec![t; (i % 37) as usize];
                                (spill.put(&bytes).unwrap(), bytes)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        for (at, bytes) in runs {
            assert_eq!(spill.get(at, bytes.len()).unwrap(), bytes);
        }
    }
}
