//! The incidents' own pages: for each, `incidents/<id>/index.html` (the report), `report.md`,
//! `timeline.svg`, `flow.svg`, their narrow versions for report.md (`timeline-narrow.svg`,
//! `flow-narrow.svg`) and `incident.json`.
//!
//! The incidents are drawn in parallel, each read, written and dropped but for its digest, which
//! is all the archive-wide pages need of it.

use rayon::prelude::*;

use super::cache::{Encoded, Head, INCIDENT_FILES, Reused, Session, Sums, encode, related_hash};
use super::common::Writer;
use super::digest::Digest;
use super::input::{BuildOptions, Site, Source};
use super::logs::{read_logs, read_metrics};
use super::output::FileStamp;
use super::related;
use crate::diagnostics::Report;
use crate::model::LoadedIncident;
use crate::render::context::{IncidentView, incident_json};
use crate::render::{flow, svg, timeline};

/// What the incidents' pages came to.
pub(super) enum Drawn {
    /// Every incident's pages: what the archive-wide pages need of each, and what the build
    /// reports.
    All(Vec<Item>, Kept),
    /// `failed` incidents have errors; the pages written so far are to be thrown away.
    Refused { failed: usize },
}

/// An incident as the archive-wide pages have it.
pub(super) enum Item {
    /// Drawn in this build: its digest, and with a cache, the hashes of its record.
    Drawn(Box<Digest>, Option<Sums>),
    /// Taken from the previous build: its record is read from the cache when needed.
    Reused(Reused),
}

impl Item {
    pub fn sums(&self) -> Option<Sums> {
        match self {
            Item::Drawn(_, sums) => *sums,
            Item::Reused(r) => Some(r.sums),
        }
    }
}

/// What a build reports of its incidents besides their number.
pub(super) struct Kept {
    /// The problems that did not stop the build.
    pub warnings: Vec<String>,
    /// In a public build: every incident's rules together, to check the files with.
    pub checker: Option<Box<crate::public::Redactor>>,
    pub redactions: Vec<crate::public::Redaction>,
    pub hidden: Vec<String>,
    /// Incidents unchanged since the previous build, taken from it.
    pub reused: usize,
}

/// One incident's part of a build.
enum Part {
    Written {
        digest: Box<Digest>,
        sums: Option<Sums>,
        warnings: Vec<String>,
        /// In a public build: the incident's redactor and what it did.
        public: Option<Box<(crate::public::Redactor, Vec<crate::public::Redaction>)>>,
    },
    /// Taken from the previous build.
    Reused(Reused),
    /// A public build leaves it out (`public = false`).
    Hidden(String),
    /// It has errors.
    Failed,
    /// Another incident has errors, so this one was read (for its diagnostics) but not drawn.
    Skipped,
}

/// Writes every incident's pages, or takes them from the previous build where `cache` says
/// nothing they show changed. Problems in the incidents' files go into `report`.
#[allow(clippy::too_many_arguments)] // the build's parts an incident's pages feed or read
pub(super) fn write_all(
    site: Site,
    options: &BuildOptions,
    briefs: &related::Archive,
    postings: &super::search::Postings,
    spill: &std::sync::Arc<super::spill::Spill>,
    out: Writer<'_>,
    cache: Option<&Session>,
    report: &mut Report,
) -> anyhow::Result<Drawn> {
    // Each incident in parallel: read, drawn, written, and dropped but for its digest. Once one
    // has errors, the rest are only read, for the report.
    let failing = std::sync::atomic::AtomicBool::new(false);
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let parts: Vec<(anyhow::Result<Part>, Report)> = (0..site.source.len())
        .into_par_iter()
        .map(|i| {
            let mut own = Report::default();
            let dir = match site.source {
                Source::Folders(dirs) => Some(&dirs[i]),
                Source::Loaded(_) => None,
            };
            // Once an incident has errors, nothing is written: the rest are read for the report.
            if let (Some(cache), Some(dir)) = (cache, dir)
                && !failing.load(std::sync::atomic::Ordering::Relaxed)
                && let Some(kept) = cache.reuse(i, dir, |b| briefs.related(b), out.dir)
            {
                reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                options.progress.inc(1);
                return (Ok(Part::Reused(kept)), own);
            }
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
                        let mut redactor =
                            crate::public::Redactor::for_loaded(site.config, &loaded);
                        if let Some(folders) = &briefs.folders {
                            redactor.set_folders(folders.clone());
                        }
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
                    // The search entry reads the same view; it is made beside the pages.
                    let (written, (search, words)) = rayon::join(
                        || write_incident(&loaded, page, out, public.as_deref_mut()),
                        || super::search::entry(&view, postings),
                    );
                    // --explain speaks to the team: by the folder's name, not the public id.
                    if let (Some((_, log)), std::borrow::Cow::Owned(_)) =
                        (public.as_deref_mut(), &loaded)
                    {
                        for r in log.iter_mut().filter(|r| r.incident == loaded.id) {
                            r.incident.clone_from(&folder_id);
                        }
                    }
                    written.and_then(|warnings| {
                        let digest = Digest::of(view, &loaded, search, spill)?;
                        let sums = match (cache, dir) {
                            (Some(cache), Some(dir)) => {
                                let record = encode(&digest, &words).ok();
                                let search = record.as_ref().map(|r| r.search.as_slice());
                                cache.note_search(dir, search);
                                record.map(|record| {
                                    // A warning of the build is printed on every build, so the
                                    // incident is drawn on every build. (The load's own warnings
                                    // are `check`'s to print.)
                                    if warnings.is_empty() {
                                        let head = Place {
                                            i,
                                            dir,
                                            loaded: &loaded,
                                            related: &related,
                                        };
                                        remember(cache, head, briefs, out, &record);
                                    }
                                    record.sums
                                })
                            }
                            _ => None,
                        };
                        Ok(Part::Written {
                            digest: Box::new(digest),
                            sums,
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
    let mut items = Vec::with_capacity(parts.len());
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
    // A refused build reports every incident's problems: those taken from the previous build
    // unread are read now, for the same report as without the cache.
    let refused = parts
        .iter()
        .any(|(part, _)| matches!(part, Ok(Part::Failed)));
    for (i, (part, mut own)) in parts.into_iter().enumerate() {
        if refused && matches!(part, Ok(Part::Reused(_))) {
            site.source.get(i, site.config, &mut own);
        }
        report.merge(own);
        match part {
            Ok(Part::Written {
                digest,
                sums,
                warnings: w,
                public,
            }) => {
                items.push(Item::Drawn(digest, sums));
                warnings.extend(w);
                if let (Some(checker), Some(public)) = (checker.as_mut(), public) {
                    let (redactor, log) = *public;
                    checker.merge(&redactor);
                    redactions.extend(log);
                }
            }
            Ok(Part::Reused(kept)) => items.push(Item::Reused(kept)),
            Ok(Part::Hidden(id)) => hidden.push(id),
            Ok(Part::Failed) => failed += 1,
            Ok(Part::Skipped) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if failed > 0 {
        return Ok(Drawn::Refused { failed });
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(Drawn::All(
        items,
        Kept {
            warnings,
            checker: checker.map(Box::new),
            redactions,
            hidden,
            reused: reused.into_inner(),
        },
    ))
}

/// Where an incident just drawn stands: its folder (the `i`th of the build's) and what its
/// report showed.
struct Place<'a> {
    i: usize,
    dir: &'a std::path::Path,
    loaded: &'a LoadedIncident,
    related: &'a [related::RelatedView],
}

/// Records an incident just drawn in the build's cache: unless its sources or metrics lie
/// outside its folder, where its stamp does not look.
fn remember(
    cache: &Session,
    Place {
        i,
        dir,
        loaded,
        related,
    }: Place<'_>,
    briefs: &related::Archive,
    out: Writer<'_>,
    record: &Encoded,
) {
    if !crate::evidence::paths::paths_outside(&loaded.incident, &loaded.dir).is_empty() {
        return;
    }
    let head = |stamp| {
        let mut files = [FileStamp {
            len: 0,
            modified: 0,
        }; INCIDENT_FILES.len()];
        for (file, name) in files.iter_mut().zip(INCIDENT_FILES) {
            *file = out
                .dir
                .stamp_of(&format!("incidents/{}/{name}", loaded.id))?;
        }
        Some(Head {
            dir: dir.to_path_buf(),
            stamp,
            related: related_hash(related),
            files,
            brief: briefs.of_folder(i).cloned(),
            sums: record.sums,
        })
    };
    cache.record(i, head, record);
}

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

/// An incident's report, diagrams, Markdown and JSON. Returns the problems that did not stop
/// it (a log that could not be read for the volume strip).
fn write_incident(
    loaded: &LoadedIncident,
    page: Page<'_>,
    out: Writer<'_>,
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
        sizes: None,
        metrics: &metrics,
    };
    // report.md's diagrams are drawn for a docs site's content column, not scaled down to it.
    let column = timeline::Extras {
        sizes: Some(timeline::Sizes::COLUMN),
        ..extras
    };
    // The four drawings are apart from each other; a live render of one large incident would
    // otherwise draw them one after another on one core.
    let ((svg, narrow), (flow, flow_narrow)) = rayon::join(
        || {
            rayon::join(
                || timeline::draw(&loaded.incident, &extras, "timeline"),
                || timeline::draw(&loaded.incident, &column, "timeline"),
            )
        },
        || {
            rayon::join(
                || svg::standalone(&flow::draw(&loaded.incident, "flow")),
                || {
                    svg::standalone(&flow::draw_in(
                        &loaded.incident,
                        "flow",
                        flow::Target::Column(timeline::Sizes::COLUMN.width),
                    ))
                },
            )
        },
    );
    // The standalone file links its markers into the report; only marker links start with `<a`.
    let into_report = |svg: &str| {
        svg::standalone(&svg.replace("<a xlink:href=\"#", "<a xlink:href=\"index.html#"))
    };
    let standalone = into_report(&svg);
    let narrow = into_report(&narrow);
    let base = format!("incidents/{}", loaded.id);
    let mut ctx = out.common.context("incident", "../../")?;
    ctx.insert("incident", page.view);
    ctx.insert("related", page.related);
    ctx.insert("timeline_svg", &svg);
    ctx.insert("logs", &logs);
    // The report page and the rest, side by side.
    let (page, rest) = rayon::join(
        || out.page(&format!("{base}/index.html"), "incident.html", &ctx),
        || -> anyhow::Result<()> {
            out.file(&format!("{base}/timeline.svg"), standalone.as_bytes())?;
            out.file(&format!("{base}/flow.svg"), flow.as_bytes())?;
            out.file(&format!("{base}/timeline-narrow.svg"), narrow.as_bytes())?;
            out.file(&format!("{base}/flow-narrow.svg"), flow_narrow.as_bytes())?;
            out.page(&format!("{base}/report.md"), "report.md", &ctx)?;
            out.file(
                &format!("{base}/incident.json"),
                serde_json::to_string_pretty(&incident_json(loaded))?.as_bytes(),
            )
        },
    );
    page?;
    rest?;
    Ok(warnings)
}
