//! What a build is given: the archive's incidents and settings, the options, and the theme.

use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::diagnostics::Report;
use crate::load::{self, Archive};
use crate::model::{Config, LoadedIncident};
use crate::render::Theme;

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
    pub(super) fn len(&self) -> usize {
        match self {
            Source::Loaded(incidents) => incidents.len(),
            Source::Folders(dirs) => dirs.len(),
        }
    }

    /// Incident `i`, or `None` (its problems in `report`) when it does not load.
    pub(super) fn get(
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
pub(super) fn load_theme(site: &Site, options: &BuildOptions) -> anyhow::Result<Theme> {
    Theme::load(theme_dir(site.config, site.config_file, options.theme.as_deref()).as_deref())
}
