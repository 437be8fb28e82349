//! `debrief build`: the static site for one incident or an archive.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::BuildArgs;
use crate::diagnostics::{Report, Style};
use crate::load::{Archive, Options};
use crate::site::{self, BuildOptions};

pub fn run(args: &BuildArgs, style: Style) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let archive = Archive::load(&args.path, Options::default(), &mut report)?;
    report.sort();
    if report.errors() > 0 {
        eprint!("{}", report.render(style));
        bail!(
            "{} of {} incidents have errors; nothing was written. `debrief check {}` lists them",
            archive.layout.incidents.len() - archive.incidents.len(),
            archive.layout.incidents.len(),
            args.path.display()
        );
    }
    let today = match &args.today {
        Some(date) => *date,
        None => jiff::Zoned::now().date(),
    };
    let options = BuildOptions {
        out: args.out.clone(),
        theme: args.theme.clone(),
        base_url: args.base_url.clone(),
        force: args.force,
        today,
    };
    let started = std::time::Instant::now();
    let built = site::build(&archive, &options)?;
    for warning in &built.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(kept) = &built.moved_aside {
        eprintln!(
            "note: the folder that was at {} is now {}",
            args.out.display(),
            kept.display()
        );
    }
    eprintln!(
        "Built {} for {} in {} ms: {}",
        crate::diagnostics::plural(built.files, "file"),
        crate::diagnostics::plural(built.incidents, "incident"),
        started.elapsed().as_millis(),
        args.out.join("index.html").display()
    );
    // The process ends now: freeing an archive's many small allocations one by one would take
    // longer than the OS reclaiming the pages (measured in bench/site.sh).
    std::mem::forget(archive);
    Ok(ExitCode::SUCCESS)
}
