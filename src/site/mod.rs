//! The static site: every page written to a staging folder, then swapped in whole.
//!
//! The output folder is never wiped first. The new site is built next to it, and only a
//! complete build replaces it. A folder debrief did not make is refused unless `--force`, and
//! even then it is moved aside, not deleted.
//!
//! This module drives a build; each kind of page has a module of its own:
//!
//! - `incident`: each incident's report, Markdown, diagrams and JSON (with `logs`, what its
//!   logs and metrics show);
//! - `index`: the archive's index, in four orders and by tag;
//! - `actions`: the action items across incidents, their calendar and CSV;
//! - `trends`: the trends and themes pages;
//! - `feeds`: the Atom feed and `data/incidents.json`;
//! - `search`: the search page and its index.
//!
//! They share `common` (what every page has, and how a page is written) and the incidents as
//! `digest` keeps them; `output` is where the files go, and how a finished build takes the
//! output folder's place.

use std::path::PathBuf;

use jiff::civil::Date;

use crate::diagnostics::Report;
use crate::load::Archive;
use crate::render::Theme;
use crate::render::context::IncidentSummary;

mod actions;
mod common;
mod digest;
mod docs_sites;
mod feeds;
mod incident;
mod index;
mod input;
mod logs;
mod output;
mod related;
mod search;
mod services;
mod spill;
mod status;
mod themes;
mod trends;

pub use actions::ACTIONS_PER_PAGE;
pub use input::{BuildOptions, Site, Source, theme_dir};
pub use logs::{LogStory, MomentView, TemplateView, log_volume, read_metrics};
pub use output::{Folder, MARKER, Memory, Output};

use common::{Common, SiteInfo, Writer};
use output::{check_out, leak_check, prepare_staging, sibling, swap};

/// What a build did.
#[derive(Debug)]
pub struct Built {
    pub files: usize,
    pub incidents: usize,
    /// Where a forced-over folder that debrief did not make was moved.
    pub moved_aside: Option<PathBuf>,
    /// Problems that did not stop the build (a log that could not be read for the volume strip).
    pub warnings: Vec<String>,
    /// In a public build: what was redacted or left out, and where.
    pub redactions: Vec<crate::public::Redaction>,
    /// In a public build: incidents left out whole (`public = false`).
    pub hidden: Vec<String>,
}

/// What a build came to.
#[derive(Debug)]
pub enum Outcome {
    Built(Built),
    /// Some incidents have errors (in the report): nothing was written.
    Refused {
        failed: usize,
        total: usize,
    },
    /// A public build's pages still hold what the rules redact: nothing was written.
    Leaked(Vec<crate::public::Leak>),
}

/// Builds the site. Problems in the incidents' files go into `report`; when any is an error,
/// the output folder is left as it was.
pub fn build(site: Site, options: &BuildOptions, report: &mut Report) -> anyhow::Result<Outcome> {
    check_out(&options.out, options.force)?;
    let theme = input::load_theme(&site, options)?;
    let staging = sibling(&options.out, "staging")?;
    // Files that come out the same as in the previous build are linked from it, not written
    // again: only a site debrief made is read from.
    let previous = options
        .out
        .join(MARKER)
        .is_file()
        .then(|| options.out.clone());
    prepare_staging(&staging, site.source.len() > 0)?;
    let folder = Folder {
        dir: staging.clone(),
        previous,
        files: std::sync::atomic::AtomicUsize::new(0),
    };
    let result = write_site(site, options, &theme, &folder, report);
    match result {
        Ok(Written::All { incidents, kept }) => {
            let incident::Kept {
                warnings,
                checker,
                redactions,
                hidden,
            } = kept;
            if let Some(checker) = checker {
                let leaks = leak_check(&staging, &checker)?;
                if !leaks.is_empty() {
                    let _ = std::fs::remove_dir_all(&staging);
                    return Ok(Outcome::Leaked(leaks));
                }
            }
            // What the reader gets: every file but debrief's marker.
            let files = folder
                .files
                .load(std::sync::atomic::Ordering::Relaxed)
                .saturating_sub(1);
            let moved_aside = swap(&staging, &options.out)?;
            Ok(Outcome::Built(Built {
                files,
                incidents,
                moved_aside,
                warnings,
                redactions,
                hidden,
            }))
        }
        Ok(Written::Refused { failed }) => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(Outcome::Refused {
                failed,
                total: site.source.len(),
            })
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Renders the whole site into memory with `theme`, exactly as `build` would write it.
pub fn render_to_memory(
    archive: &Archive,
    theme: &Theme,
    today: Date,
    public: bool,
) -> anyhow::Result<std::collections::HashMap<String, Vec<u8>>> {
    let options = BuildOptions {
        out: PathBuf::new(),
        theme: None,
        base_url: None,
        force: false,
        today,
        public,
        progress: indicatif::ProgressBar::hidden(),
    };
    let memory = Memory::default();
    let mut report = Report::default();
    if let Written::Refused { failed } =
        write_site(Site::of(archive), &options, theme, &memory, &mut report)?
    {
        anyhow::bail!("{failed} incidents did not load");
    }
    memory
        .0
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a render thread panicked"))
}

/// What [`write_site`] did.
enum Written {
    /// Every page, with the problems that did not stop the build.
    All {
        incidents: usize,
        kept: incident::Kept,
    },
    /// `failed` incidents have errors; the pages written so far are to be thrown away.
    Refused { failed: usize },
}

/// Writes every file of the site to `dir`: the theme's assets, each incident's pages, then the
/// archive-wide pages.
fn write_site(
    site: Site,
    options: &BuildOptions,
    theme: &Theme,
    dir: &dyn Output,
    report: &mut Report,
) -> anyhow::Result<Written> {
    let title = site
        .config
        .title
        .clone()
        .unwrap_or_else(|| "Incident reviews".to_owned());
    let base_url = options
        .base_url
        .clone()
        .or_else(|| site.config.base_url.clone());
    let common = Common::new(SiteInfo { title, base_url }, theme, dir)?;
    let out = Writer {
        theme,
        common: &common,
        dir,
    };

    // What relates incidents, from a quick read of them all.
    use related::Flattened;
    let (briefs, names) = match site.source {
        Source::Folders(dirs) => related::briefs_of_folders(dirs, site.config, options.public),
        Source::Loaded(incidents) if options.public => incidents
            .iter()
            .map(|l| related::public_brief(&l.id, &l.incident, site.config))
            .unzip::<_, _, Vec<_>, Vec<_>>()
            .flattened(),
        Source::Loaded(incidents) => (
            incidents
                .iter()
                .filter_map(|l| related::brief(&l.id, &l.incident, site.config, false))
                .collect(),
            Vec::new(),
        ),
    };
    let briefs = if options.public {
        related::Archive::public(briefs, names)
    } else {
        related::Archive::new(briefs)
    };

    // Each incident's words go to the search index's postings as its pages are written.
    let postings = search::Postings::default();
    // Their action items go to disk until the actions pages read them back.
    let spill = std::sync::Arc::new(spill::Spill::new()?);
    let (mut digests, kept) =
        match incident::write_all(site, options, &briefs, &postings, &spill, out, report)? {
            incident::Drawn::All(digests, kept) => (digests, kept),
            incident::Drawn::Refused { failed } => return Ok(Written::Refused { failed }),
        };

    // Where each action stands, judged by the whole archive's record.
    digest::judge(&mut digests, |all| {
        crate::forecast::Forecast::new(all, &site.config.policy, options.today)
    });

    // The archive-wide pages, side by side: nothing here depends on another.
    let digests = &digests;
    let data = || -> anyhow::Result<()> {
        // Data for other tools.
        feeds::write(out, digests, options.today)?;
        status::write(out, digests, options.today)?;
        actions::write_exports(out, digests, options.today)?;
        // The search index, in the order of the archive's index (newest first).
        let newest = digest::newest_first(digests);
        let entries: Vec<&search::Entry> = newest.iter().map(|d| &d.search).collect();
        search::write(out, &entries, postings)?;
        // What docs tools read beside the reports (docs/docs-sites.md).
        let summaries: Vec<&IncidentSummary> = newest.iter().map(|d| &d.summary).collect();
        for (path, text) in docs_sites::files(&common.site.title, &summaries) {
            out.file(path, text.as_bytes())?;
        }
        out.file(
            MARKER,
            b"This folder was written by `debrief build`; it replaces it whole on the next build.\n",
        )
    };
    let ((a, b), (c, d)) = rayon::join(
        || {
            rayon::join(
                || index::write(out, digests),
                || actions::write_pages(out, digests, options.today),
            )
        },
        || rayon::join(|| trends::write(out, site.config, digests), data),
    );
    a?;
    b?;
    c?;
    d?;
    Ok(Written::All {
        incidents: digests.len(),
        kept,
    })
}
