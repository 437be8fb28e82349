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
    };
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
    Ok(ExitCode::SUCCESS)
}
