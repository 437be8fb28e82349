//! Progress bars for long runs (`build` over a big archive, `timeline` over big logs), drawn
//! with indicatif on stderr. They stay quiet when stderr is not a terminal, or when `CI` is
//! set, so logs and pipes get only the summary line.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Whether bars are drawn: on a terminal, outside CI.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A bar that counts `len` items (incidents), or a hidden one.
pub fn items(len: u64, what: &str) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what} ({{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// A bar over the bytes the log reader reads (it counts them in
/// [`crate::evidence::READ_BYTES`]), `total` in all, updated ten times a second until dropped.
pub struct Reading {
    bar: ProgressBar,
    /// Dropping it ends the poller at once, mid-wait.
    stop: Option<mpsc::Sender<()>>,
    poller: Option<std::thread::JoinHandle<()>>,
}

pub fn reading(total: u64) -> Reading {
    if !enabled() || total == 0 {
        return Reading {
            bar: ProgressBar::hidden(),
            stop: None,
            poller: None,
        };
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {binary_bytes}/{binary_total_bytes} of logs ({binary_bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    let start = crate::evidence::READ_BYTES.load(Ordering::Relaxed);
    let (stop, stopped) = mpsc::channel::<()>();
    let poller = {
        let bar = bar.clone();
        std::thread::spawn(move || {
            // Redraw ten times a second until the sender is dropped.
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(100))
            {
                let read = crate::evidence::READ_BYTES.load(Ordering::Relaxed) - start;
                bar.set_position(read.min(total));
            }
        })
    };
    Reading {
        bar,
        stop: Some(stop),
        poller: Some(poller),
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(poller) = self.poller.take() {
            let _ = poller.join();
        }
        self.bar.finish_and_clear();
    }
}

/// A spinner with `message` while waiting for a server, or a hidden one; cleared when dropped.
pub fn waiting(message: String) -> Waiting {
    if !enabled() {
        return Waiting(ProgressBar::hidden());
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    Waiting(bar)
}

pub struct Waiting(ProgressBar);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
