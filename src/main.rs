//! The `debrief` binary: parses arguments and runs one command.

use std::process::ExitCode;

use clap::Parser;

// mimalloc: a build makes millions of short-lived strings across rayon threads; glibc's
// per-thread arenas spent a tenth of `debrief build` in malloc/free (bench/site.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = debrief::cli::Cli::parse();
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
