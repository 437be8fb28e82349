//! The static site: every page written to a staging folder, then swapped in whole.
//!
//! The output folder is never wiped first. The new site is built next to it, and only a
//! complete build replaces it. A folder debrief did not make is refused unless `--force`, and
//! even then it is moved aside, not deleted.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::Report;
use crate::evidence::{self, ScanOptions};
use crate::load::{self, Archive};
use crate::model::{Config, LoadedIncident};
use crate::render::context::{IncidentSummary, IncidentView, incident_json};
use crate::render::feeds;
use crate::render::{Theme, charts, content_hash, svg, timeline};

mod digest;
mod docs_sites;
mod related;
mod search;
mod themes;
use crate::model::ActionState;
use digest::{Digest, action_order};

/// The file that marks a folder as debrief's output.
pub const MARKER: &str = ".debrief-site";

/// Action items per page of `actions.html`, `actions-2.html`, …
pub const ACTIONS_PER_PAGE: usize = 1000;

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub out: PathBuf,
    pub theme: Option<PathBuf>,
    pub base_url: Option<String>,
    pub force: bool,
    /// The date action items are judged against (overdue, due soon).
    pub today: Date,
    /// A public build: hidden items left out, texts redacted, every file checked for leaks.
    pub public: bool,
    /// Counts the incidents as they are written (hidden unless on a terminal).
    pub progress: indicatif::ProgressBar,
}

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

#[derive(Serialize)]
struct SiteInfo {
    title: String,
    base_url: Option<String>,
}

#[derive(Serialize)]
struct Assets {
    css: String,
    /// The search page's script.
    search_js: String,
}

/// The incidents a build renders.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// Incidents already in memory (the live view's).
    Loaded(&'a [LoadedIncident]),
    /// Incident folders: each is read, rendered, written and dropped in turn, so a build's
    /// memory holds the archive's index rows and action items, not its incidents.
    Folders(&'a [PathBuf]),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Loaded(incidents) => incidents.len(),
            Source::Folders(dirs) => dirs.len(),
        }
    }

    /// Incident `i`, or `None` (its problems in `report`) when it does not load.
    fn get(
        &self,
        i: usize,
        config: &Config,
        report: &mut Report,
    ) -> Option<std::borrow::Cow<'_, LoadedIncident>> {
        match self {
            Source::Loaded(incidents) => incidents.get(i).map(std::borrow::Cow::Borrowed),
            Source::Folders(dirs) => {
                load::load_incident(&dirs[i], config, load::Options::default(), report)
                    .map(std::borrow::Cow::Owned)
            }
        }
    }
}

/// The archive being built: its incidents and its settings.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    pub source: Source<'a>,
    pub config: &'a Config,
    /// `debrief.toml`, when there is one: a theme named in it is relative to it.
    pub config_file: Option<&'a Path>,
}

impl<'a> Site<'a> {
    /// The site of an archive loaded whole.
    pub fn of(archive: &'a Archive) -> Site<'a> {
        Site {
            source: Source::Loaded(&archive.incidents),
            config: &archive.config,
            config_file: archive.layout.config.as_deref(),
        }
    }
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
    let theme = load_theme(&site, options)?;
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
        Ok(Written::All {
            incidents,
            warnings,
            checker,
            redactions,
            hidden,
        }) => {
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

/// Every file of a public build but the theme's assets, read back from disk and searched with
/// the archive's redaction rules: whatever they still find is a leak.
fn leak_check(
    staging: &Path,
    checker: &crate::public::Redactor,
) -> anyhow::Result<Vec<crate::public::Leak>> {
    let mut files = Vec::new();
    collect_files(staging, staging, &mut files)?;
    let leaks: Vec<crate::public::Leak> = files
        .par_iter()
        .filter(|rel| !rel.starts_with("assets/") && rel.as_str() != MARKER)
        .map(|rel| -> anyhow::Result<Vec<crate::public::Leak>> {
            let path = staging.join(rel);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(crate::public::leaks(rel, &bytes, checker))
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(leaks)
}

/// The files below `dir`, by their path relative to `root` with `/` separators.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// The files below `dir`, in all its folders.
/// The theme folder: `explicit` (`--theme`), or `theme =` in debrief.toml, relative to it.
pub fn theme_dir(
    archive_config: &crate::model::Config,
    config_file: Option<&Path>,
    explicit: Option<&Path>,
) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| {
        let theme = archive_config.theme.as_ref()?;
        let base = config_file
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Some(base.join(theme))
    })
}

/// The theme of a build, over the default.
fn load_theme(site: &Site, options: &BuildOptions) -> anyhow::Result<Theme> {
    Theme::load(theme_dir(site.config, site.config_file, options.theme.as_deref()).as_deref())
}

/// Refuses an output folder with files that debrief did not write.
fn check_out(out: &Path, force: bool) -> anyhow::Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!(
            "{} exists and is not a folder; choose another --out",
            out.display()
        );
    }
    let mut entries =
        std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?;
    if entries.next().is_none() || out.join(MARKER).is_file() || force {
        return Ok(());
    }
    bail!(
        "{} is not empty and was not made by `debrief build`; choose another --out, or pass --force (the folder is then moved aside, not deleted)",
        out.display()
    )
}

/// A path next to `out` for a temporary folder.
fn sibling(out: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let path = parent.join(format!(".{name}.{what}-{}", std::process::id()));
    if path.exists() {
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("removing the stale {}", path.display()))?;
    }
    Ok(path)
}

/// Makes the staging folder, and its `incidents/` folder when there are incidents, each marked
/// as the top of a tree whose subfolders are unrelated.
fn prepare_staging(staging: &Path, incidents: bool) -> anyhow::Result<()> {
    let make = |dir: &Path| -> anyhow::Result<()> {
        std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
        spread_subfolders(dir);
        Ok(())
    };
    make(staging)?;
    if incidents {
        make(&staging.join("incidents"))?;
    }
    Ok(())
}

/// Asks the file system to spread `dir`'s subfolders over the disk (`chattr +T`, the flag ext4
/// gives the top of a directory hierarchy). ext4 puts a folder's files in its parent folder's
/// block group, and, without a journal, checks each free inode it could hand out against the
/// time it was freed, skipping the ones freed in the last minutes. A thousand incident folders
/// built right after the previous site was deleted all land in the groups full of its freed
/// inodes, and every new file scans past thousands of them: that was 80% of a build's time on
/// this kind of disk. Spread out, each group holds a few. Where the flag is not supported the
/// call fails, which changes nothing.
fn spread_subfolders(dir: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(folder) = std::fs::File::open(dir)
        && let Ok(flags) = rustix::fs::ioctl_getflags(&folder)
    {
        let _ = rustix::fs::ioctl_setflags(&folder, flags | rustix::fs::IFlags::TOPDIR);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

/// Puts the staged site in place of `out`. The old output is removed only if debrief made it.
fn swap(staging: &Path, out: &Path) -> anyhow::Result<Option<PathBuf>> {
    if !out.exists() {
        std::fs::rename(staging, out)
            .with_context(|| format!("moving the new site to {}", out.display()))?;
        return Ok(None);
    }
    let ours = out.join(MARKER).is_file()
        || std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    let old = sibling(out, "old")?;
    std::fs::rename(out, &old)
        .with_context(|| format!("moving the previous site {} aside", out.display()))?;
    if let Err(e) = std::fs::rename(staging, out) {
        // Put the previous site back; nothing is lost.
        let _ = std::fs::rename(&old, out);
        return Err(e).with_context(|| format!("moving the new site to {}", out.display()));
    }
    if ours {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the previous site {}", old.display()))?;
        Ok(None)
    } else {
        let stamp = jiff::Timestamp::now().as_second();
        let kept = PathBuf::from(format!("{}.replaced-{stamp}", out.display()));
        std::fs::rename(&old, &kept)
            .with_context(|| format!("keeping the replaced folder as {}", kept.display()))?;
        Ok(Some(kept))
    }
}

/// Where a build's files go: a folder on disk, or memory (for `serve`).
pub trait Output: Sync {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()>;
}

/// Files written below a folder.
pub struct Folder {
    pub dir: PathBuf,
    /// The previous build of the same site: a file that comes out byte for byte the same is
    /// hard-linked from it instead of written. The file keeps its modification time (so a
    /// deploy by rsync or by HTTP caching sees it unchanged), and no new inode is made: on
    /// ext4, allocating thousands of inodes right after the previous site's were freed is most
    /// of a rebuild's time.
    pub previous: Option<PathBuf>,
    /// Files made so far (a file written twice counts once).
    pub files: std::sync::atomic::AtomicUsize,
}

impl Folder {
    /// Links `path` to the previous build's `rel` when that holds exactly `bytes`.
    fn reuse(&self, rel: &str, path: &Path, bytes: &[u8]) -> bool {
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(rel);
        match std::fs::symlink_metadata(&old) {
            Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {}
            _ => return false,
        }
        if !std::fs::read(&old).is_ok_and(|b| b == bytes) {
            return false;
        }
        // A file system without hard links gets the file written instead.
        with_parent(path, || std::fs::hard_link(&old, path)).is_ok()
    }
}

/// Runs `make` (which creates `path`), and again after making `path`'s folder if it was
/// missing: most files go into a folder that already exists, so this costs one system call
/// per file instead of two.
fn with_parent(path: &Path, make: impl Fn() -> std::io::Result<()>) -> std::io::Result<()> {
    match make() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            make()
        }
        result => result,
    }
}

/// Writes a new file at `path`, and says whether it is new. A file already there (written
/// twice in one build) is replaced, not truncated: it may be a link into the previous build,
/// which must stay as it was.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Write as _;
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?
            .write_all(bytes)
    };
    match with_parent(path, create) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            create().map(|()| false)
        }
        result => result.map(|()| true),
    }
}

impl Output for Folder {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(rel);
        let new = self.reuse(rel, &path, bytes)
            || write_new(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if new {
            self.files
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Files kept in memory, by their path in the site (`incidents/x/index.html`).
#[derive(Default)]
pub struct Memory(pub std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl Output for Memory {
    fn put(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut files = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("a render thread panicked"))?;
        files.insert(rel.to_owned(), bytes.to_vec());
        Ok(())
    }
}

fn write(out: &dyn Output, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
    out.put(rel, bytes)
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
        bail!("{failed} incidents did not load");
    }
    memory
        .0
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a render thread panicked"))
}

fn render(theme: &Theme, template: &str, ctx: &tera::Context) -> anyhow::Result<String> {
    theme
        .tera
        .render(template, ctx)
        .map_err(|e| anyhow::anyhow!(crate::render::tera_error(&e)))
}

/// Everything a page needs besides its own data.
struct Common {
    site: SiteInfo,
    css: String,
    search_js: String,
}

impl Common {
    fn context(&self, page: &str, root: &str) -> anyhow::Result<tera::Context> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &self.site);
        ctx.insert("root", root);
        ctx.insert(
            "assets",
            &Assets {
                css: self.css.clone(),
                search_js: self.search_js.clone(),
            },
        );
        ctx.insert("page", page);
        Ok(ctx)
    }
}

/// What [`write_site`] did.
enum Written {
    /// Every page, with the problems that did not stop the build.
    All {
        incidents: usize,
        warnings: Vec<String>,
        /// In a public build: every incident's rules together, to check the files with.
        checker: Option<Box<crate::public::Redactor>>,
        redactions: Vec<crate::public::Redaction>,
        hidden: Vec<String>,
    },
    /// `failed` incidents have errors; the pages written so far are to be thrown away.
    Refused { failed: usize },
}

/// One incident's part of a build.
enum Part {
    Written {
        digest: Box<Digest>,
        warnings: Vec<String>,
        /// In a public build: the incident's redactor and what it did.
        public: Option<Box<(crate::public::Redactor, Vec<crate::public::Redaction>)>>,
    },
    /// A public build leaves it out (`public = false`).
    Hidden(String),
    /// It has errors.
    Failed,
    /// Another incident has errors, so this one was read (for its diagnostics) but not drawn.
    Skipped,
}

fn write_site(
    site: Site,
    options: &BuildOptions,
    theme: &Theme,
    dir: &dyn Output,
    report: &mut Report,
) -> anyhow::Result<Written> {
    // Assets with content-hashed names, so browsers never see a stale stylesheet.
    let mut css = String::new();
    let mut search_js = String::new();
    for (name, bytes) in &theme.statics {
        // Every theme's stylesheet gets the diagrams' font, so the SVG inlined in pages shows
        // its text as measured.
        let with_font;
        let bytes = if name == "style.css" {
            with_font = [bytes.as_slice(), svg::font_face_css().as_bytes()].concat();
            &with_font
        } else {
            bytes
        };
        let hashed = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("assets/{stem}.{}.{ext}", content_hash(bytes)),
            None => format!("assets/{name}.{}", content_hash(bytes)),
        };
        if name == "style.css" {
            css = hashed.clone();
        }
        if name == "search.js" {
            search_js = hashed.clone();
        }
        write(dir, &hashed, bytes)?;
    }
    let title = site
        .config
        .title
        .clone()
        .unwrap_or_else(|| "Incident reviews".to_owned());
    let base_url = options
        .base_url
        .clone()
        .or_else(|| site.config.base_url.clone());
    let common = Common {
        site: SiteInfo {
            title,
            base_url: base_url.clone(),
        },
        css,
        search_js,
    };

    // What relates incidents, from a quick read of them all.
    let briefs = related::Archive::new(match site.source {
        Source::Folders(dirs) => related::briefs_of_folders(dirs, site.config, options.public),
        Source::Loaded(incidents) => incidents
            .iter()
            .filter_map(|l| related::brief(&l.id, &l.incident, site.config, options.public))
            .collect(),
    });

    // Each incident in parallel: read, drawn, written, and dropped but for its digest. Once one
    // has errors, the rest are only read, for the report.
    let failing = std::sync::atomic::AtomicBool::new(false);
    let parts: Vec<(anyhow::Result<Part>, Report)> = (0..site.source.len())
        .into_par_iter()
        .map(|i| {
            let mut own = Report::default();
            let part = match site.source.get(i, site.config, &mut own) {
                None => {
                    failing.store(true, std::sync::atomic::Ordering::Relaxed);
                    Ok(Part::Failed)
                }
                Some(_) if failing.load(std::sync::atomic::Ordering::Relaxed) => Ok(Part::Skipped),
                Some(loaded) if options.public && !crate::public::shown(&loaded.incident) => {
                    Ok(Part::Hidden(loaded.id.clone()))
                }
                Some(loaded)
                    if options.public && !public_preflight(&loaded, site.config, &mut own) =>
                {
                    failing.store(true, std::sync::atomic::Ordering::Relaxed);
                    Ok(Part::Failed)
                }
                Some(loaded) => {
                    // A public build renders a redacted copy: what the copy lacks, no page has.
                    let folder_id = loaded.id.clone();
                    let (loaded, mut public) = if options.public {
                        let redactor = crate::public::Redactor::for_loaded(site.config, &loaded);
                        let mut log = Vec::new();
                        let copy = crate::public::public_incident(&loaded, &redactor, &mut log);
                        (
                            std::borrow::Cow::Owned(copy),
                            Some(Box::new((redactor, log))),
                        )
                    } else {
                        (loaded, None)
                    };
                    let view = IncidentView::new(&loaded, site.config, options.today);
                    let related = briefs.related(&related::Brief::of(&loaded.id, &loaded.incident));
                    let page = Page {
                        view: &view,
                        related: &related,
                    };
                    let written =
                        write_incident(&loaded, page, theme, &common, dir, public.as_deref_mut());
                    // --explain speaks to the team: by the folder's name, not the public id.
                    if let (Some((_, log)), std::borrow::Cow::Owned(_)) =
                        (public.as_deref_mut(), &loaded)
                    {
                        for r in log.iter_mut().filter(|r| r.incident == loaded.id) {
                            r.incident.clone_from(&folder_id);
                        }
                    }
                    written.and_then(|warnings| {
                        Ok(Part::Written {
                            digest: Box::new(Digest::of(view, &loaded)?),
                            warnings,
                            public,
                        })
                    })
                }
            };
            own.drop_unquoted();
            options.progress.inc(1);
            (part, own)
        })
        .collect();
    options.progress.finish_and_clear();
    let mut digests = Vec::with_capacity(parts.len());
    let mut warnings = Vec::new();
    let mut failed = 0;
    let mut first_error = None;
    let mut checker = options.public.then(|| {
        let mut r = crate::public::Redactor::default();
        if let Some(rules) = &site.config.public {
            r.merge(&crate::public::Redactor::from_rules(rules));
        }
        r
    });
    let mut redactions = Vec::new();
    let mut hidden = Vec::new();
    for (part, own) in parts {
        report.merge(own);
        match part {
            Ok(Part::Written {
                digest,
                warnings: w,
                public,
            }) => {
                digests.push(*digest);
                warnings.extend(w);
                if let (Some(checker), Some(public)) = (checker.as_mut(), public) {
                    let (redactor, log) = *public;
                    checker.merge(&redactor);
                    redactions.extend(log);
                }
            }
            Ok(Part::Hidden(id)) => hidden.push(id),
            Ok(Part::Failed) => failed += 1,
            Ok(Part::Skipped) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if failed > 0 {
        return Ok(Written::Refused { failed });
    }
    if let Some(e) = first_error {
        return Err(e);
    }

    // Where each action stands, judged by the whole archive's record.
    digest::judge(&mut digests, |all| {
        crate::forecast::Forecast::new(all, &site.config.policy, options.today)
    });

    // The archive-wide pages, side by side: nothing here depends on another.
    let indexes = || -> anyhow::Result<()> {
        // The archive, pre-sorted four ways so it sorts without JavaScript.
        let sorts: [(&str, &str, &str); 4] = [
            ("index.html", "date", "date, newest first"),
            ("by-severity.html", "severity", "severity, worst first"),
            ("by-duration.html", "duration", "duration, longest first"),
            (
                "by-open-actions.html",
                "open actions",
                "open actions, most first",
            ),
        ];
        let tags = tag_pages(&digests);
        let views_nav = |current: &str, root: &str| -> Vec<serde_json::Value> {
            sorts
                .iter()
                .map(|(f, l, _)| {
                    serde_json::json!({ "file": format!("{root}{f}"), "label": l, "current": *f == current })
                })
                .collect()
        };
        // One page per tag, newest first.
        tags.par_iter().try_for_each(|t| {
            let mut tagged: Vec<&IncidentSummary> = digests
                .iter()
                .map(|d| &d.summary)
                .filter(|s| s.tags.contains(&t.name))
                .collect();
            tagged.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
            let mut ctx = common.context("index", "../")?;
            ctx.insert("incidents", &tagged);
            ctx.insert("sort", "date, newest first");
            ctx.insert("views", &views_nav("", "../"));
            ctx.insert("tags", &tags);
            ctx.insert("tag", &t.name);
            write(dir, &t.file, render(theme, "index.html", &ctx)?.as_bytes())
        })?;
        sorts
            .par_iter()
            .try_for_each(|&(file, label, description)| {
                let mut sorted: Vec<&IncidentSummary> =
                    digests.iter().map(|d| &d.summary).collect();
                match label {
                    "severity" => sorted.sort_by(|a, b| {
                        a.severity_rank
                            .cmp(&b.severity_rank)
                            .then(b.date.cmp(&a.date))
                    }),
                    "duration" => sorted.sort_by(|a, b| {
                        b.duration_seconds
                            .cmp(&a.duration_seconds)
                            .then(b.date.cmp(&a.date))
                    }),
                    "open actions" => sorted.sort_by(|a, b| {
                        b.open_actions
                            .cmp(&a.open_actions)
                            .then(b.date.cmp(&a.date))
                    }),
                    _ => sorted.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id))),
                }
                let mut ctx = common.context("index", "")?;
                ctx.insert("incidents", &sorted);
                ctx.insert("sort", description);
                ctx.insert("views", &views_nav(file, ""));
                ctx.insert("tags", &tags);
                ctx.insert("tag", &Option::<String>::None);
                write(dir, file, render(theme, "index.html", &ctx)?.as_bytes())
            })
    };
    let actions_pages = || -> anyhow::Result<()> {
        // Every action item across incidents, the overdue first, a page at a time: an archive
        // of ten thousand incidents has a hundred thousand.
        let order = action_order(&digests);
        let keys = || order.iter().map(|&(i, j)| &digests[i].actions.keys[j]);
        let open = keys().filter(|k| k.open).count();
        let overdue = keys()
            .filter(|k| k.state() == Some(ActionState::Overdue))
            .count();
        let at_risk = keys()
            .filter(|k| k.state() == Some(ActionState::AtRisk))
            .count();
        let pages = order.len().div_ceil(ACTIONS_PER_PAGE).max(1);
        let file = |page: usize| match page {
            1 => "actions.html".to_owned(),
            n => format!("actions-{n}.html"),
        };
        // The pages side by side: each holds its own thousand items in memory, one per core.
        (1..=pages).into_par_iter().try_for_each(|page| {
            let first = (page - 1) * ACTIONS_PER_PAGE;
            let shown = &order[first..order.len().min(first + ACTIONS_PER_PAGE)];
            let actions = shown
                .iter()
                .map(|&(i, j)| digests[i].actions.get(j))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut ctx = common.context("actions", "")?;
            ctx.insert("open", &open);
            ctx.insert("overdue", &overdue);
            ctx.insert("at_risk", &at_risk);
            ctx.insert("today", &options.today.to_string());
            ctx.insert("actions", &actions);
            ctx.insert(
                "pager",
                &serde_json::json!({
                    "page": page,
                    "pages": pages,
                    "first": first + 1,
                    "last": first + shown.len(),
                    "total": order.len(),
                    "previous": (page > 1).then(|| file(page - 1)),
                    "next": (page < pages).then(|| file(page + 1)),
                }),
            );
            write(
                dir,
                &file(page),
                render(theme, "actions.html", &ctx)?.as_bytes(),
            )
        })
    };
    let trends_page = || -> anyhow::Result<()> {
        let mut ctx = common.context("trends", "")?;
        ctx.insert("count", &digests.len());
        ctx.insert("charts", &trend_charts(site.config, &digests));
        write(
            dir,
            "trends.html",
            render(theme, "trends.html", &ctx)?.as_bytes(),
        )?;
        let t = themes::themes(&digests);
        let mut ctx = common.context("themes", "")?;
        ctx.insert("count", &digests.len());
        ctx.insert("categories", &t.categories);
        ctx.insert("histogram", &t.histogram);
        ctx.insert("repeated", &t.repeated);
        write(
            dir,
            "themes.html",
            render(theme, "themes.html", &ctx)?.as_bytes(),
        )?;

        Ok(())
    };
    let data = || -> anyhow::Result<()> {
        // Data for other tools.
        let summaries: Vec<serde_json::Value> = digests
            .iter()
            .map(|Digest { summary: v, .. }| {
                let path = format!("incidents/{}/index.html", v.id);
                serde_json::json!({
                    "id": v.id, "title": v.title, "severity": v.severity, "status": v.status, "date": v.date,
                    "duration_seconds": (v.duration_seconds > 0).then_some(v.duration_seconds),
                    "open_actions": v.open_actions, "path": path,
                    "url": base_url.as_ref().map(|b| format!("{}/{path}", b.trim_end_matches('/'))),
                })
            })
            .collect();
        write(
            dir,
            "data/incidents.json",
            serde_json::to_string_pretty(&summaries)?.as_bytes(),
        )?;
        write(dir, "data/actions.csv", &actions_csv(&digests)?)?;
        // The search index, in the order of the archive's index (newest first).
        let newest = newest_first(&digests);
        let entries: Vec<&search::Entry> = newest.iter().map(|d| &d.search).collect();
        for (path, bytes) in search::files(&entries)? {
            write(dir, &path, &bytes)?;
        }
        let ctx = common.context("search", "")?;
        write(
            dir,
            "search.html",
            render(theme, "search.html", &ctx)?.as_bytes(),
        )?;
        // What docs tools read beside the reports (docs/docs-sites.md).
        let summaries: Vec<&IncidentSummary> = newest.iter().map(|d| &d.summary).collect();
        for (path, text) in docs_sites::files(&common.site.title, &summaries) {
            write(dir, path, text.as_bytes())?;
        }
        write(
            dir,
            "feed.xml",
            feed(
                &common.site.title,
                base_url.as_deref(),
                &digests,
                options.today,
            )
            .as_bytes(),
        )?;
        write(
            dir,
            "actions.ics",
            calendar(&digests, base_url.as_deref(), options.today)?.as_bytes(),
        )?;
        write(
            dir,
            MARKER,
            b"This folder was written by `debrief build`; it replaces it whole on the next build.\n",
        )?;
        Ok(())
    };
    let ((a, b), (c, d)) = rayon::join(
        || rayon::join(indexes, actions_pages),
        || rayon::join(trends_page, data),
    );
    a?;
    b?;
    c?;
    d?;
    Ok(Written::All {
        incidents: digests.len(),
        warnings,
        checker: checker.map(Box::new),
        redactions,
        hidden,
    })
}

/// The per-minute log volume of all of an incident's sources, for the strip under its timeline
/// (`None` when it has none), and the sources that could not be read.
pub fn log_volume(loaded: &LoadedIncident) -> (Option<evidence::Volume>, Vec<String>) {
    let (volume, _, warnings) = read_logs(loaded, None);
    (volume, warnings)
}

/// The incident's `[[metrics]]`, read; a file that cannot be read is left out, with a warning
/// naming it and the line.
pub fn read_metrics(loaded: &LoadedIncident) -> (Vec<evidence::metrics::MetricData>, Vec<String>) {
    let mut warnings = Vec::new();
    let metrics = evidence::metrics::read_all(loaded)
        .into_iter()
        .filter_map(|r| {
            r.map_err(|e| warnings.push(format!("{}: metric: {e}", loaded.id)))
                .ok()
        })
        .collect();
    (metrics, warnings)
}

/// What the report says the logs show: the notable moments and the message templates of the
/// incident's window.
#[derive(Debug, Default, serde::Serialize)]
pub struct LogStory {
    pub moments: Vec<MomentView>,
    pub templates: Vec<TemplateView>,
    /// Templates in the window, and the entries they hold.
    pub template_count: usize,
    pub entries: u64,
    /// The window, in the incident's zone.
    pub from: String,
    pub to: String,
}

impl LogStory {
    /// The story with every text the logs gave passed through a public build's redactor.
    fn redact(
        &mut self,
        id: &str,
        redactor: &crate::public::Redactor,
        log: &mut Vec<crate::public::Redaction>,
    ) {
        let place = crate::public::Place {
            incident: id,
            place: "logs".to_owned(),
        };
        let mut r = |text: &mut String| {
            if let std::borrow::Cow::Owned(new) = redactor.redact(text, &place, log) {
                *text = new;
            }
        };
        for m in &mut self.moments {
            r(&mut m.text);
            r(&mut m.reason);
            r(&mut m.source);
        }
        for t in &mut self.templates {
            r(&mut t.lane);
            r(&mut t.text);
            r(&mut t.example);
            r(&mut t.source);
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct MomentView {
    pub at_utc: String,
    pub at_local: String,
    pub text: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, serde::Serialize)]
pub struct TemplateView {
    pub lane: String,
    pub text: String,
    /// Entries in the window (counted by the minute).
    pub count: u64,
    pub level: Option<evidence::Level>,
    #[serde(skip)]
    first: jiff::Timestamp,
    /// The template's first entry: when, what and where.
    pub first_utc: String,
    pub first_local: String,
    pub example: String,
    pub source: String,
}

/// Moments the report proposes at most, and templates it lists.
const REPORT_MOMENTS: usize = 5;
const REPORT_TEMPLATES: usize = 100;

/// Reads every source once: the volume strip, and (with the incident's metrics, `story`) the
/// moments and templates of the incident's window.
fn read_logs(
    loaded: &LoadedIncident,
    story: Option<&[evidence::metrics::MetricData]>,
) -> (Option<evidence::Volume>, LogStory, Vec<String>) {
    let mut warnings = Vec::new();
    let scans: Vec<evidence::SourceScan> = evidence::scan_all(
        loaded,
        ScanOptions {
            candidates: false,
            volume: true,
            templates: story.is_some(),
            template_lines: false,
        },
    )
    .into_iter()
    .filter_map(|(name, r)| match r {
        Ok(scan) => Some(scan),
        Err(e) => {
            warnings.push(format!("{}: source `{name}`: {e}", loaded.id));
            None
        }
    })
    .collect();
    let volumes: Vec<evidence::Volume> = scans.iter().map(|s| s.volume.clone()).collect();
    let volume = (!volumes.is_empty()).then(|| timeline::combined(&volumes));
    let story = match story {
        Some(metrics) => log_story(loaded, &scans, metrics),
        None => LogStory::default(),
    };
    (volume, story, warnings)
}

fn log_story(
    loaded: &LoadedIncident,
    scans: &[evidence::SourceScan],
    metrics: &[evidence::metrics::MetricData],
) -> LogStory {
    let incident = &loaded.incident;
    let tz = incident.tz();
    let local = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let window = evidence::incident_window(incident, evidence::WINDOW_MARGIN);
    let inside = |t: jiff::Timestamp| window.is_none_or(|(from, to)| t >= from && t <= to);
    let read: Vec<&evidence::SourceScan> = scans.iter().collect();
    let moments: Vec<MomentView> = evidence::moments::find(&read, metrics, &tz, 1000)
        .into_iter()
        .filter(|m| inside(m.at))
        .take(REPORT_MOMENTS)
        .map(|m| MomentView {
            at_utc: crate::render::context::utc(m.at),
            at_local: local(m.at),
            text: m.text,
            reason: m.reason,
            source: m.source,
        })
        .collect();
    let (from_minute, to_minute) = window.map_or((i64::MIN, i64::MAX), |(from, to)| {
        (
            from.as_second().div_euclid(60),
            to.as_second().div_euclid(60),
        )
    });
    let mut templates: Vec<TemplateView> = scans
        .iter()
        .flat_map(|s| &s.templates)
        .filter_map(|t| {
            let count: u64 = t
                .minutes
                .iter()
                .filter(|(m, _)| (from_minute..=to_minute).contains(m))
                .map(|(_, n)| u64::from(*n))
                .sum();
            (count > 0).then(|| TemplateView {
                lane: t.lane.clone(),
                text: t.text.clone(),
                count,
                level: t.level,
                first: t.first,
                first_utc: crate::render::context::utc(t.first),
                first_local: local(t.first),
                example: t.example.chars().take(300).collect(),
                source: t.source.clone(),
            })
        })
        .collect();
    templates.sort_by_key(|t| t.first);
    let template_count = templates.len();
    let entries = templates.iter().map(|t| t.count).sum();
    templates.truncate(REPORT_TEMPLATES);
    let (from, to) = window.map_or((String::new(), String::new()), |(f, t)| {
        (local(f), local(t))
    });
    LogStory {
        moments,
        templates,
        template_count,
        entries,
        from,
        to,
    }
}

/// An incident's report, diagrams, Markdown and JSON. Returns the problems that did not stop
/// it (a log that could not be read for the volume strip).
/// Whether an incident may be published as it is: every source and metric, and notes.md, stay
/// inside its folder (a public build could publish what they read), and its `public_id` holds
/// nothing the rules redact. Each problem is an error in `report`.
fn public_preflight(
    loaded: &LoadedIncident,
    config: &crate::model::Config,
    report: &mut Report,
) -> bool {
    use crate::evidence::paths;
    let mut findings: Vec<_> = paths::paths_outside(&loaded.incident, &loaded.dir)
        .into_iter()
        .map(|(field, path, to)| paths::outside_finding(field, &path, &to, true))
        .collect();
    if let Some(id) = &loaded.incident.public_id {
        let found = crate::public::Redactor::for_loaded(config, loaded)
            .find(id)
            .len();
        if found > 0 {
            findings.push(
                crate::model::validate::Finding::error(
                    "invalid-public",
                    "public_id",
                    format!("`{id}` holds what this incident's [public] rules redact"),
                )
                .label("not fit for a public site")
                .help("name the incident by its date and what happened, without people, customers or hosts"),
            );
        }
    }
    let mut fine = findings.is_empty();
    report.extend(crate::load::locate_in_file(
        &loaded.dir.join(crate::load::INCIDENT_FILE),
        findings,
    ));
    if let Some(to) = paths::outside(&loaded.dir, crate::load::NOTES_FILE) {
        fine = false;
        report.push(
            crate::diagnostics::Diagnostic::error(
                "path-outside",
                &loaded.dir.join(crate::load::NOTES_FILE),
                format!("notes.md leads outside the incident's folder, to {}", to.display()),
            )
            .help("a public build reads only files inside the incident's folder: put the notes in the folder itself"),
        );
    }
    fine
}

/// What a report shows besides its incident's own files.
#[derive(Clone, Copy)]
struct Page<'a> {
    view: &'a IncidentView,
    related: &'a [related::RelatedView],
}

fn write_incident(
    loaded: &LoadedIncident,
    page: Page<'_>,
    theme: &Theme,
    common: &Common,
    dir: &dyn Output,
    public: Option<&mut (crate::public::Redactor, Vec<crate::public::Redaction>)>,
) -> anyhow::Result<Vec<String>> {
    let (mut metrics, metric_warnings) = read_metrics(loaded);
    let (volume, mut logs, mut warnings) = read_logs(loaded, Some(&metrics));
    warnings.extend(metric_warnings);
    if let Some((redactor, log)) = public {
        logs.redact(&loaded.id, redactor, log);
        // A series' labels (`instance="db-7.corp.internal:9100"`) are text from outside too.
        let place = crate::public::Place {
            incident: &loaded.id,
            place: "metrics".to_owned(),
        };
        for m in &mut metrics {
            for s in &mut m.series {
                if let std::borrow::Cow::Owned(new) = redactor.redact(&s.label, &place, log) {
                    s.label = new;
                }
            }
        }
    }
    let extras = timeline::Extras {
        volume: volume.as_ref(),
        link_base: "",
        screen: None,
        metrics: &metrics,
    };
    let svg = timeline::draw(&loaded.incident, &extras, "timeline");
    // The standalone file links its markers into the report; only marker links start with `<a`.
    let standalone =
        svg::standalone(&svg.replace("<a xlink:href=\"#", "<a xlink:href=\"index.html#"));
    let base = format!("incidents/{}", loaded.id);
    let mut ctx = common.context("incident", "../../")?;
    ctx.insert("incident", page.view);
    ctx.insert("related", page.related);
    ctx.insert("timeline_svg", &svg);
    ctx.insert("logs", &logs);
    let flow = svg::standalone(&crate::render::flow::draw(&loaded.incident, "flow"));
    write(
        dir,
        &format!("{base}/index.html"),
        render(theme, "incident.html", &ctx)?.as_bytes(),
    )?;
    write(dir, &format!("{base}/timeline.svg"), standalone.as_bytes())?;
    write(dir, &format!("{base}/flow.svg"), flow.as_bytes())?;
    write(
        dir,
        &format!("{base}/report.md"),
        render(theme, "report.md", &ctx)?.as_bytes(),
    )?;
    write(
        dir,
        &format!("{base}/incident.json"),
        serde_json::to_string_pretty(&incident_json(loaded))?.as_bytes(),
    )?;
    Ok(warnings)
}

/// A tag's page of the archive: `tags/<slug>.html`.
#[derive(Debug, Serialize)]
struct TagPage {
    name: String,
    /// The page, from the site's root.
    file: String,
    count: usize,
}

/// The archive's tags, by name, each with a page whose name is made of its letters and digits
/// (a number added when two tags would share one).
fn tag_pages(digests: &[Digest]) -> Vec<TagPage> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in digests {
        for t in &d.summary.tags {
            *counts.entry(t.as_str()).or_default() += 1;
        }
    }
    let mut taken = std::collections::HashSet::new();
    counts
        .into_iter()
        .map(|(name, count)| {
            let mut slug: String = name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            if slug.is_empty() {
                slug = "tag".to_owned();
            }
            let mut unique = slug.clone();
            let mut n = 2;
            while !taken.insert(unique.clone()) {
                unique = format!("{slug}-{n}");
                n += 1;
            }
            TagPage {
                name: name.to_owned(),
                file: format!("tags/{unique}.html"),
                count,
            }
        })
        .collect()
}

/// The incidents, newest first (ties by id).
fn newest_first(digests: &[Digest]) -> Vec<&Digest> {
    let mut newest: Vec<&Digest> = digests.iter().collect();
    newest.sort_by(|a, b| {
        b.summary
            .date
            .cmp(&a.summary.date)
            .then(a.summary.id.cmp(&b.summary.id))
    });
    newest
}

/// `feed.xml`: an Atom entry per incident, newest first.
fn feed(title: &str, base_url: Option<&str>, digests: &[Digest], today: Date) -> String {
    let midnight = || format!("{today}T00:00:00Z");
    let newest = newest_first(digests);
    let entries: Vec<feeds::Entry<'_>> = newest
        .into_iter()
        .map(|d| feeds::Entry {
            id: &d.summary.id,
            title: &d.summary.title,
            updated: if d.updated.is_empty() {
                midnight()
            } else {
                d.updated.clone()
            },
            summary: d.abstract_text.as_deref(),
            severity: d.summary.severity.as_deref(),
            status: &d.summary.status,
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .map_or_else(midnight, str::to_owned);
    feeds::atom(title, base_url, &updated, &entries)
}

/// `actions.ics`: a to-do per action that is not done and has a due date, for owners'
/// calendars. Read one action at a time, as the actions pages are.
fn calendar(digests: &[Digest], base_url: Option<&str>, today: Date) -> anyhow::Result<String> {
    let mut error = None;
    let todos = digests.iter().flat_map(|d| {
        d.actions
            .keys
            .iter()
            .enumerate()
            .map(move |(j, k)| (d, j, k))
    });
    let todos = todos.filter_map(|(d, j, k)| {
        let (due, assessment) = (k.facts.due?, k.assessment.as_ref()?);
        if !k.open {
            return None;
        }
        let a = d
            .actions
            .get(j)
            .map_err(|e| error.get_or_insert(e).to_string())
            .ok()?;
        Some(feeds::Todo {
            incident: &d.summary.id,
            summary: crate::render::markdown::plain(&a.text),
            due,
            status: k.facts.status,
            priority: k.facts.priority,
            description: assessment.describe(a.owner.as_deref()),
            url: base_url.map(|b| {
                format!(
                    "{}/incidents/{}/index.html#{}",
                    b.trim_end_matches('/'),
                    d.summary.id,
                    a.anchor
                )
            }),
            id: a.anchor,
        })
    });
    let text = feeds::calendar(todos, today);
    match error {
        Some(e) => Err(e),
        None => Ok(text),
    }
}

fn actions_csv(digests: &[Digest]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut views = Vec::new();
    for d in digests {
        for a in d.actions.iter() {
            views.push((d.summary.id.as_str(), a?));
        }
    }
    crate::render::table::actions_csv(
        &mut out,
        views.iter().map(|(incident, a)| crate::render::table::Row {
            incident,
            id: &a.anchor,
            text: &a.text,
            owner: a.owner.as_deref(),
            due: a.due.as_deref(),
            priority: a.priority.as_deref(),
            status: &a.status,
            kind: a.kind.as_deref(),
            factors: a.factors.iter().map(|f| f.anchor.as_str()).collect(),
            ticket: a.ticket.as_deref(),
            done_on: a.done_on.as_deref(),
            state: &a.state,
            risk: a.open.then_some(a.risk),
            reasons: &a.reasons,
        }),
    )?;
    Ok(out)
}

/// The four trend charts.
fn trend_charts(config: &Config, digests: &[Digest]) -> Vec<serde_json::Value> {
    use charts::Series;
    let mut by_date: Vec<&Digest> = digests
        .iter()
        .filter(|d| !d.summary.date.is_empty())
        .collect();
    by_date.sort_by(|a, b| {
        a.summary
            .date
            .cmp(&b.summary.date)
            .then(a.summary.id.cmp(&b.summary.id))
    });
    let mut months: Vec<String> = by_date
        .iter()
        .map(|v| v.summary.date[..7].to_owned())
        .collect();
    months.dedup();

    let mut levels = config.severities.levels.clone();
    levels.push("unrated".to_owned());
    let per_month = |f: &dyn Fn(&Digest) -> f64, pick: &dyn Fn(&Digest) -> bool| -> Vec<f64> {
        months
            .iter()
            .map(|m| {
                by_date
                    .iter()
                    .filter(|v| v.summary.date.starts_with(m.as_str()) && pick(v))
                    .map(|v| f(v))
                    .sum()
            })
            .collect()
    };
    let severity_series: Vec<Series> = levels
        .iter()
        .map(|level| Series {
            name: level.clone(),
            values: per_month(&|_| 1.0, &|v| {
                v.summary.severity.as_deref().unwrap_or("unrated") == level
                    || (level == "unrated"
                        && v.summary
                            .severity
                            .as_deref()
                            .is_some_and(|s| config.severities.rank(s).is_none()))
            }),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect();

    let labels: Vec<String> = by_date.iter().map(|v| v.summary.date.clone()).collect();
    let minutes = |name: &str| Series {
        name: format!("time {name}"),
        values: by_date
            .iter()
            .map(|v| {
                v.durations
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(f64::NAN, |(_, seconds)| *seconds as f64 / 60.0)
            })
            .collect(),
    };
    let mut categories: Vec<(String, f64)> = Vec::new();
    for d in digests {
        for category in d.factors.iter().map(|f| &f.category) {
            match categories.iter_mut().find(|(c, _)| c == category) {
                Some(slot) => slot.1 += 1.0,
                None => categories.push((category.clone(), 1.0)),
            }
        }
    }
    categories.sort_by(|a, b| a.0.cmp(&b.0));
    let action_series = vec![
        Series {
            name: "open".into(),
            values: per_month(
                &|v| v.actions.keys.iter().filter(|k| k.open).count() as f64,
                &|_| true,
            ),
        },
        Series {
            name: "done".into(),
            values: per_month(
                &|v| v.actions.keys.iter().filter(|k| !k.open).count() as f64,
                &|_| true,
            ),
        },
    ];
    let category_names: Vec<String> = categories.iter().map(|c| c.0.clone()).collect();
    let factor_series = [Series {
        name: "factors".into(),
        values: categories.iter().map(|c| c.1).collect(),
    }];
    let time_series = [
        minutes("to detect"),
        minutes("to mitigate"),
        minutes("to resolve"),
    ];
    let chart = |id, title, desc, categories, series, y_label| charts::Chart {
        id,
        title,
        desc,
        categories,
        series,
        y_label,
    };
    let specs: [(charts::Draw, charts::Chart<'_>); 4] = [
        (
            charts::stacked_bars,
            chart(
                "trend-severity",
                "Incidents per month, by severity",
                "Stacked bars: incidents started in each month, split by severity.",
                &months,
                &severity_series,
                "incidents",
            ),
        ),
        (
            charts::lines,
            chart(
                "trend-times",
                "Time to detect, mitigate and resolve",
                "Minutes from the start of each incident to its detection, mitigation and resolution, in date order.",
                &labels,
                &time_series,
                "minutes",
            ),
        ),
        (
            charts::stacked_bars,
            chart(
                "trend-factors",
                "Contributing factors by category",
                "Bars: the number of contributing factors in each category across all incidents.",
                &category_names,
                &factor_series,
                "factors",
            ),
        ),
        (
            charts::stacked_bars,
            chart(
                "trend-actions",
                "Action items, open and done",
                "Stacked bars: action items of the incidents of each month, open (or in progress) and done (or won't do).",
                &months,
                &action_series,
                "actions",
            ),
        ),
    ];
    specs
        .iter()
        .map(|(draw, c)| serde_json::json!({ "title": c.title, "svg": draw(c) }))
        .collect()
}
