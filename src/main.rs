//! The `debrief` binary: parses arguments and runs one command.

use std::process::ExitCode;

use clap::Parser;

// mimalloc: a build makes millions of short-lived strings across rayon threads; glibc's
// per-thread arenas spent a tenth of `debrief build` in malloc/free (bench/site.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = debrief::cli::Cli::parse();
    if matches!(cli.command, debrief::cli::Command::Serve(_)) {
        return_freed_memory_soon();
    }
    match debrief::cmd::run(cli) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => {
            // The reader went away (`debrief timeline … | head`): nothing to report.
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
    })
}

/// mimalloc's `mi_option_purge_delay` (its option enum, `include/mimalloc.h` of mimalloc 3, the
/// version Cargo.lock pins; the Rust bindings name no constant for it). The test below checks
/// that this number still means the purge delay.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before it returns it to the system, in the meeting
/// server: 10 ms instead of mimalloc's default second.
const MEETING_PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Every change of the meeting builds each audience's state (the facilitator's holds the whole
/// incident: 255 KB of JSON and 14,000 values at 1,500 items) and its change anew, and frees
/// the previous ones. With the default delay, a busy second kept all those freed pages
/// resident: 300 screens and a stream of edits peaked at up to 71 MB (bench/meeting.sh), at
/// most 57 MB with 10 ms. Returning them at once (0) saves 6 MB more but costs the burst's acknowledgements
/// time in page faults. A build keeps the default: it is short, and the delay saves it work.
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's global options, stored atomically; any thread may.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, MEETING_PURGE_DELAY_MS) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purge_delay() -> std::ffi::c_long {
        // SAFETY: reads one of mimalloc's global options.
        unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
    }

    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_means() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            // The variable sets the option before this test can read mimalloc's default.
            eprintln!("not checked: MIMALLOC_PURGE_DELAY is set in the environment");
            return;
        }
        // mimalloc 3's default purge delay, in milliseconds: any other option reads otherwise.
        assert_eq!(purge_delay(), 1000);
        return_freed_memory_soon();
        assert_eq!(purge_delay(), MEETING_PURGE_DELAY_MS);
    }
}
