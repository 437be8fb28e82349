//! `debrief build`: the static site for one incident or an archive.

use std::process::ExitCode;

use anyhow::bail;

use crate::cli::BuildArgs;
use crate::diagnostics::{Report, Style};
use crate::load;
use crate::model::Config;
use crate::site::{self, BuildOptions, Outcome, Site, Source};

pub fn run(args: &BuildArgs, style: Style) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let layout = load::discover(&args.path)?;
    let config = match &layout.config {
        Some(file) => load::load_config(file, &mut report),
        None => Some(Config::default()),
    };
    let Some(config) = config else {
        eprint!("{}", report.render(style));
        bail!(
            "debrief.toml has errors; nothing was written. `debrief check {}` lists them",
            args.path.display()
        );
    };
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
        public: args.public,
        progress: crate::progress::items(layout.incidents.len() as u64, "incidents"),
    };
    let started = std::time::Instant::now();
    // The incidents are read while the site is built, one at a time per core: memory holds
    // the archive's index and action items, not every incident.
    let site = Site {
        source: Source::Folders(&layout.incidents),
        config: &config,
        config_file: layout.config.as_deref(),
    };
    let built = match site::build(site, &options, &mut report)? {
        Outcome::Built(built) => built,
        Outcome::Refused { failed, total } => {
            report.sort();
            eprint!("{}", report.render(style));
            bail!(
                "{failed} of {total} incidents have errors; nothing was written. `debrief check {}` lists them",
                args.path.display()
            );
        }
        Outcome::Leaked(leaks) => {
            const SHOWN: usize = 20;
            for leak in leaks.iter().take(SHOWN) {
                eprintln!(
                    "error[leak]: {}: still holds {} `{}`",
                    leak.file,
                    match leak.kind {
                        "name" => "the name",
                        "pattern" => "a match of a pattern:",
                        other => other,
                    },
                    leak.found
                );
            }
            if leaks.len() > SHOWN {
                eprintln!("… and {} more", leaks.len() - SHOWN);
            }
            bail!(
                "the public build's files still hold what [public] redacts ({}); nothing was written. \
                 A theme's template or a file debrief does not redact put it there",
                crate::diagnostics::plural(leaks.len(), "finding")
            );
        }
    };
    if args.explain {
        explain(&built)?;
    }
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
    if built.unchanged {
        eprintln!(
            "Nothing changed since the last build of {} ({}); no file written: {}",
            args.out.display(),
            crate::diagnostics::plural(built.incidents, "incident"),
            args.out.join("index.html").display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let pages = match built.taken.as_slice() {
        [] => String::new(),
        [one] => format!("{one} pages"),
        [rest @ .., last] => format!("{} and {last} pages", rest.join(", ")),
    };
    let kept = match (built.reused, pages.is_empty()) {
        (0, true) => String::new(),
        (0, false) => format!(" (the {pages} kept from the last build)"),
        (n, true) => format!(" ({n} unchanged, kept from the last build)"),
        (n, false) => format!(" ({n} unchanged, kept from the last build, as were the {pages})"),
    };
    eprintln!(
        "Built {} for {}{kept} in {} ms: {}",
        crate::diagnostics::plural(built.files, "file"),
        crate::diagnostics::plural(built.incidents, "incident"),
        started.elapsed().as_millis(),
        args.out.join("index.html").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--public --explain`: what was redacted or left out, by incident and place.
fn explain(built: &site::Built) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for id in &built.hidden {
        writeln!(out, "{id}: left out (public = false)")?;
    }
    for r in &built.redactions {
        if r.kind == "hidden" {
            writeln!(out, "{}: {}: left out", r.incident, r.place)?;
        } else {
            writeln!(
                out,
                "{}: {}: {} `{}`",
                r.incident,
                r.place,
                r.kind,
                r.found.replace('\n', "\\n")
            )?;
        }
    }
    let redacted = built
        .redactions
        .iter()
        .filter(|r| r.kind != "hidden")
        .count();
    writeln!(
        out,
        "{} redacted; {} left out",
        crate::diagnostics::plural(redacted, "text"),
        crate::diagnostics::plural(
            built.hidden.len() + built.redactions.len() - redacted,
            "item"
        )
    )?;
    Ok(())
}
