//! The static site: every page written to a staging folder, then swapped in whole; or, when
//! the build cache vouches for the previous build, only the changed files, moved into place
//! once all are drawn (`overlay`).
//!
//! The output folder is never wiped first, and nothing in it changes before the build is
//! complete. A folder debrief did not make is refused unless `--force`, and
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
//! `wide` groups the archive-wide pages by what they read of the incidents, so that a rebuild
//! draws again only the groups whose part of some incident changed.
//!
//! They share `common` (what every page has, and how a page is written) and the incidents as
//! `digest` keeps them; `output` is where the files go, and how a finished build takes the
//! output folder's place; `cache` what a build remembers for the next.

use std::path::PathBuf;

use jiff::civil::Date;
use rayon::prelude::*;

use crate::diagnostics::Report;
use crate::load::Archive;
use crate::render::Theme;

mod actions;
mod cache;
mod common;
mod digest;
mod docs_sites;
mod feeds;
mod incident;
mod index;
mod input;
mod logs;
mod output;
mod overlay;
mod related;
mod search;
mod services;
mod spill;
mod status;
mod themes;
mod trends;
mod wide;

pub use actions::ACTIONS_PER_PAGE;
pub use input::{BuildOptions, Site, Source, theme_dir};
pub use logs::{LogStory, MomentView, TemplateView, log_volume, read_metrics};
pub use output::{FileStamp, Folder, Left, MARKER, Memory, Output};

use anyhow::Context as _;
use common::{Common, SiteInfo, Writer};
use output::{check_inputs, check_out, leak_check, prepare_staging, sibling, swap};
use overlay::Overlay;
use wide::Group;

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
    /// Incidents unchanged since the previous build, whose pages were taken from it.
    pub reused: usize,
    /// The archive-wide pages taken from the previous build, by their group's name (`index`,
    /// `actions`, `search`, …): nothing they show changed.
    pub taken: Vec<&'static str>,
    /// Nothing changed since the previous build: no file was written.
    pub unchanged: bool,
}

/// Where a build's files go.
enum Target {
    /// A new site, staged whole beside the output folder and swapped in.
    Whole(Folder),
    /// Only the changed files, into the output folder as the previous build left it.
    InPlace(Overlay),
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
    let resolved = BuildOptions {
        out: output::resolve(&options.out),
        ..options.clone()
    };
    let options = &resolved;
    check_out(&options.out, options.force)?;
    if let Source::Folders(dirs) = site.source {
        let theme = input::theme_dir(site.config, site.config_file, options.theme.as_deref());
        let inputs = dirs.iter().map(PathBuf::as_path);
        check_inputs(
            &options.out,
            inputs.chain(theme.as_deref()).chain(site.config_file),
        )?;
    }
    let theme = input::load_theme(&site, options)?;
    let (cache, cache_warning) = start_cache(&site, options);
    if let (Some(cache), Source::Folders(dirs)) = (&cache, site.source)
        && let Some(previous) = &cache.previous
        && previous.unchanged(dirs, &cache.stamps, &options.out)
    {
        options.progress.finish_and_clear();
        cache.touch();
        return Ok(Outcome::Built(Built {
            files: 0,
            incidents: dirs.len(),
            moved_aside: None,
            warnings: Vec::new(),
            redactions: Vec::new(),
            hidden: Vec::new(),
            reused: dirs.len(),
            taken: Group::ALL.iter().map(|g| g.name()).collect(),
            unchanged: true,
        }));
    }
    let staging = sibling(&options.out, "staging")?;
    // The cache vouches for the output folder as the previous build left it: the build
    // writes only what changes, in place (see `overlay`). Else the new site is staged whole.
    let in_place = !options.public && cache.as_ref().is_some_and(|c| c.previous.is_some());
    let target = if in_place {
        std::fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
        Target::InPlace(Overlay::new(options.out.clone(), staging.clone()))
    } else {
        // Files that come out the same as in the previous build are linked from it, not
        // written again: only a site debrief made is read from.
        let previous = options
            .out
            .join(MARKER)
            .is_file()
            .then(|| options.out.clone());
        prepare_staging(&staging, site.source.len() > 0)?;
        Target::Whole(Folder::new(staging.clone(), previous))
    };
    let output: &dyn Output = match &target {
        Target::Whole(folder) => folder,
        Target::InPlace(overlay) => overlay,
    };
    let result = write_site(site, options, &theme, output, cache.as_ref(), report);
    match result {
        Ok(Written::All {
            incidents,
            kept,
            totals,
            owners,
            taken,
        }) => {
            let incident::Kept {
                mut warnings,
                checker,
                redactions,
                hidden,
                reused,
            } = kept;
            warnings.extend(cache_warning);
            if let Some(checker) = checker {
                let leaks = leak_check(&staging, &checker)?;
                if !leaks.is_empty() {
                    let _ = std::fs::remove_dir_all(&staging);
                    return Ok(Outcome::Leaked(leaks));
                }
            }
            let (files, left, site_folder, moved_aside) = match target {
                Target::Whole(folder) => {
                    let files = folder.files.load(std::sync::atomic::Ordering::Relaxed);
                    let site_folder = cache::identity(&staging);
                    let moved_aside = swap(&staging, &options.out)?;
                    (files, folder.left(), site_folder, moved_aside)
                }
                Target::InPlace(overlay) => {
                    let files = overlay.files();
                    // From the first file moved until the new cache is written, the site is
                    // neither build's: a build stopped in between draws everything again.
                    let previous = cache.as_ref().map(|c| c.forget()).unwrap_or_default();
                    if let Err(e) = overlay.check(&previous) {
                        let _ = std::fs::remove_dir_all(&staging);
                        return Err(e);
                    }
                    let left = overlay.commit(&previous).with_context(|| {
                        format!(
                            "the site {} is partly updated; build again to draw it whole",
                            options.out.display()
                        )
                    });
                    if left.is_err() {
                        let _ = std::fs::remove_dir_all(&staging);
                    }
                    (files, left?, cache::identity(&options.out), None)
                }
            };
            // What the reader gets: every file but debrief's marker.
            let files = files.saturating_sub(1);
            if let Some(cache) = cache
                && let Err(e) = cache.finish(site_folder, &options.out, left, totals, owners)
            {
                warnings.push(format!(
                    "the build cache was not saved ({e}); the next build draws every incident again"
                ));
            }
            Ok(Outcome::Built(Built {
                files,
                incidents,
                moved_aside,
                warnings,
                redactions,
                hidden,
                reused,
                taken,
                unchanged: false,
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

/// The cache of a build of incident folders into a folder (not a public build, which reads
/// and checks every file each time); `None` when there is none to use, with a warning when
/// the user would want to know why.
fn start_cache(site: &Site, options: &BuildOptions) -> (Option<cache::Session>, Option<String>) {
    let Source::Folders(dirs) = site.source else {
        return (None, None);
    };
    if options.public {
        return (None, None);
    }
    let Some(path) = cache::file_for(&options.out) else {
        return (None, None);
    };
    // The site replaces its folder whole: a cache inside it would go with it.
    let out = std::path::absolute(&options.out).unwrap_or_else(|_| options.out.clone());
    if std::path::absolute(&path).is_ok_and(|p| p.starts_with(&out)) {
        let warning = format!(
            "the build cache {} is inside --out; building without it (set DEBRIEF_CACHE_DIR to a folder outside the site)",
            path.display()
        );
        return (None, Some(warning));
    }
    (start_session(site, options, dirs, path), None)
}

fn start_session(
    site: &Site,
    options: &BuildOptions,
    dirs: &[PathBuf],
    path: PathBuf,
) -> Option<cache::Session> {
    let theme = input::theme_dir(site.config, site.config_file, options.theme.as_deref());
    let key = cache::key(
        site.config_file,
        theme.as_deref(),
        options.today,
        options.base_url.as_deref(),
    )?;
    cache::Session::start(path, key, dirs, &options.out)
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
    if let Written::Refused { failed } = write_site(
        Site::of(archive),
        &options,
        theme,
        &memory,
        None,
        &mut report,
    )? {
        anyhow::bail!("{failed} incidents did not load");
    }
    memory
        .0
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a render thread panicked"))
}

/// What [`write_site`] did.
// One value per build, moved once: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Written {
    /// Every page, with the problems that did not stop the build.
    All {
        incidents: usize,
        kept: incident::Kept,
        /// With a cache: the hashes of every incident's record, for the next build.
        totals: Option<cache::Sums>,
        /// The files of each group of archive-wide pages, by the group's name.
        owners: Vec<(String, Vec<String>)>,
        /// The groups taken from the previous build.
        taken: Vec<&'static str>,
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
    cache: Option<&cache::Session>,
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
    let briefs = match site.source {
        Source::Folders(dirs) if options.public => {
            let (briefs, names) = related::public_briefs_of_folders(dirs, site.config);
            related::Archive::public(briefs, names)
        }
        Source::Folders(dirs) => {
            // An incident unchanged since the previous build has its brief in the cache.
            let known = |i: usize| cache.and_then(|c| c.known_brief(i, &dirs[i]));
            related::Archive::in_place(related::briefs_of_folders(dirs, known))
        }
        Source::Loaded(incidents) if options.public => {
            let (briefs, names) = incidents
                .iter()
                .map(|l| related::public_brief(&l.id, &l.incident, site.config))
                .unzip::<_, _, Vec<_>, Vec<_>>()
                .flattened();
            related::Archive::public(briefs, names)
        }
        Source::Loaded(incidents) => related::Archive::new(
            incidents
                .iter()
                .filter_map(|l| related::brief(&l.id, &l.incident, site.config, false))
                .collect(),
        ),
    };

    if let (Some(cache), Source::Folders(dirs)) = (cache, site.source) {
        cache.note_briefs((0..dirs.len()).map(|i| briefs.of_folder(i)));
    }

    // Each incident's words go to the search index's postings as its pages are written.
    let postings = search::Postings::default();
    // Their action items go to disk until the actions pages read them back.
    let spill = std::sync::Arc::new(spill::Spill::new()?);
    let (items, kept) = match incident::write_all(
        site, options, &briefs, &postings, &spill, out, cache, report,
    )? {
        incident::Drawn::All(items, kept) => (items, kept),
        incident::Drawn::Refused { failed } => return Ok(Written::Refused { failed }),
    };
    let incidents = items.len();

    // A group of archive-wide pages whose parts of the records come to what they came to in
    // the previous build (given the same key: settings, theme, date, debrief) is the same:
    // its files are taken from the previous site (see `wide`).
    let totals = cache.and_then(|_| cache::totals(items.iter().map(incident::Item::sums)));
    let mut owned = Vec::new();
    let mut todo = Vec::new();
    for group in Group::ALL {
        match cache.and_then(|c| group.take(out.dir, c, totals)) {
            Some(noted) => owned.push(noted),
            None => todo.push(group),
        }
    }
    let taken: Vec<&'static str> = owned.iter().map(|n| n.group.name()).collect();
    let done = |owned: Vec<wide::Noted>, kept| {
        // Every group's files, for the next build.
        let owners = owned.into_iter().map(wide::Noted::owned).collect();
        out.file(MARKER, MARKER_TEXT)?;
        Ok(Written::All {
            incidents,
            kept,
            totals,
            owners,
            taken,
        })
    };
    if todo.is_empty() {
        return done(owned, kept);
    }
    let narrowed = wide::prepare_search(&todo, cache, totals, out.dir, &options.out, &postings);
    if let (Some(cache), [Group::Search]) = (cache, todo.as_slice()) {
        // The search alone: its part of each record is enough.
        let entries = items
            .into_par_iter()
            .map(|item| match item {
                incident::Item::Drawn(digest, _) => Ok(digest.search),
                incident::Item::Reused(r) => cache.search(&r, &postings),
            })
            .collect::<anyhow::Result<Vec<search::Entry>>>()?;
        owned.push(wide::draw_search(out, entries, postings, narrowed)?);
        return done(owned, kept);
    }
    // The action items and factors are read back only for pages that show them.
    let items_shown = todo.iter().any(|g| g.shows_items());
    let mut digests = items
        .into_par_iter()
        .map(|item| match (item, cache) {
            (incident::Item::Drawn(digest, _), _) => Ok(*digest),
            (incident::Item::Reused(r), Some(cache)) => {
                cache.digest(&r, &spill, &postings, items_shown)
            }
            (incident::Item::Reused(_), None) => {
                anyhow::bail!("an incident reused without a cache")
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    // Where each action stands, judged by the whole archive's record.
    if items_shown {
        digest::judge(&mut digests, |all| {
            crate::forecast::Forecast::new(all, &site.config.policy, options.today)
        });
    }

    let inputs = wide::Inputs {
        config: site.config,
        today: options.today,
        postings: std::sync::Mutex::new(Some(postings)),
        narrowed: std::sync::Mutex::new(narrowed),
    };
    owned.extend(wide::draw(&todo, out, &digests, &inputs)?);
    done(owned, kept)
}

/// The marker file's text: what a reader of the folder is told.
const MARKER_TEXT: &[u8] =
    b"This folder was written by `debrief build`; the next build updates or replaces it.\n";
