//! Entry points for the fuzz targets in `fuzz/`: each takes arbitrary input and runs it through
//! one part of debrief the way real input reaches it. They panic only where debrief itself
//! would (which is what the fuzzer looks for), and check the promises a part makes: anything
//! the meeting acknowledges still loads and passes `check`. Not a stable API.

pub mod public;

use std::path::Path;
use std::sync::OnceLock;

use crate::diagnostics::Severity;
use crate::load::{Archive, Layout};
use crate::model::{Config, Incident, LoadedIncident, validate};
use crate::serve::meeting::{Caller, Command, Meeting};
use crate::store::edit;

/// `incident.toml` text: parsed with spans, validated, linted, and rendered into the whole site
/// (report HTML and Markdown, JSON, diagrams) when it loads.
pub fn incident_text(text: &str) {
    let path = Path::new("incident.toml");
    let mut incident = match crate::load::document::parse::<Incident>(path, text) {
        Ok(incident) => incident,
        Err(mut partial) => match partial.value.take() {
            Some(incident) => incident,
            None => return,
        },
    };
    incident.fix_times();
    let findings = validate::validate(
        &incident,
        &Config::default(),
        Path::new("."),
        &Default::default(),
    );
    let _ = validate::lint_incident(&incident, &validate::lint_for(&incident));
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return;
    }
    render(incident, None);
}

/// Markdown as it reaches the report: blocks, inline text and plain text.
pub fn markdown(text: &str) {
    let _ = crate::render::markdown::block(text);
    let _ = crate::render::markdown::inline(text);
    let _ = crate::render::markdown::plain(text);
}

/// The whole site of one incident, in memory.
fn render(incident: Incident, notes: Option<String>) {
    let loaded = LoadedIncident {
        id: "fuzz".into(),
        dir: "/nonexistent-debrief-fuzz".into(),
        incident,
        notes,
    };
    render_site(loaded, Config::default(), false).expect("a valid incident renders");
}

/// The site of one incident, in memory, as `build` (with `--public`) would write it.
fn render_site(
    loaded: LoadedIncident,
    config: Config,
    public: bool,
) -> anyhow::Result<std::collections::HashMap<String, Vec<u8>>> {
    let archive = Archive {
        layout: Layout {
            root: ".".into(),
            incidents: vec![".".into()],
            config: None,
            config_looked: Vec::new(),
            config_to_repository_root: false,
            is_archive: false,
        },
        config,
        incidents: vec![loaded],
    };
    let today = jiff::civil::date(2026, 11, 30);
    crate::site::render_to_memory(&archive, theme(), today, public)
}

/// The default theme, loaded once.
fn theme() -> &'static crate::render::Theme {
    static THEME: OnceLock<crate::render::Theme> = OnceLock::new();
    THEME.get_or_init(|| crate::render::Theme::load(None).expect("the default theme"))
}

/// A log file of any format: written to `dir`, then read as a `[[sources]]` entry with
/// `format = "auto"` (detection, every line parser, JSON exports, chunking, candidates and the
/// volume strip).
pub fn log_file(dir: &Path, bytes: &[u8]) {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).expect("a scratch folder");
    std::fs::write(logs.join("fuzz.log"), bytes).expect("a scratch file");
    let text = "title = \"fuzz\"\ntimezone = \"Europe/Berlin\"\n[[sources]]\nname = \"fuzz\"\npath = \"logs/fuzz.log\"\n";
    let mut incident: Incident = toml::from_str(text).expect("the fixed incident");
    incident.fix_times();
    let loaded = LoadedIncident {
        id: "fuzz".into(),
        dir: dir.to_path_buf(),
        incident,
        notes: None,
    };
    let options = crate::evidence::ScanOptions {
        candidates: true,
        volume: true,
        templates: true,
        template_lines: false,
    };
    let _ = crate::evidence::scan_source(&loaded, 0, options);
}

/// One request of a meeting, as the API hands it to the meeting.
#[derive(Debug, Clone)]
pub struct Request {
    /// Who sends it: the facilitator (`None`) or a participant by number.
    pub by: Option<u8>,
    pub command: Command,
}

/// A meeting of the sample incident: each request is decided (limits, permissions, the
/// values `check` would refuse); every accepted operation is applied to the file's text as the
/// server would. At the end the text must load, and pass validation with no error.
pub fn meeting(requests: Vec<Request>) {
    static SAMPLE: &str = include_str!("../sample-incident/incident.toml");
    let mut doc: toml_edit::DocumentMut = SAMPLE.parse().expect("the sample parses");
    let mut incident: Incident = toml::from_str(SAMPLE).expect("the sample loads");
    incident.fix_times();
    let mut meeting = Meeting::new(crate::model::MeetingConfig::default());
    meeting.incident = Some(LoadedIncident {
        id: "sample".into(),
        dir: ".".into(),
        incident,
        notes: None,
    });
    let mut participants: Vec<String> = Vec::new();
    let mut seq = 1;
    for request in requests {
        let caller = match request.by {
            None => Caller::Facilitator,
            Some(n) => match participants.get(usize::from(n)) {
                Some(id) => Caller::Participant(id.clone()),
                None => Caller::Facilitator,
            },
        };
        let Ok((records, answer)) =
            crate::serve::meeting::decide_one(&mut meeting, &caller, None, request.command, seq)
        else {
            continue;
        };
        if let Some(id) = answer.body["participant"].as_str() {
            participants.push(id.to_owned());
        }
        for record in &records {
            edit::apply(&mut doc, &record.op);
        }
        seq += records.len() as u64;
        // The meeting reads the file back after each write, as the server does.
        if !records.is_empty() {
            let text = doc.to_string();
            let mut incident: Incident = toml::from_str(&text).unwrap_or_else(|e| {
                panic!("an acknowledged change broke incident.toml: {e}\n{text}")
            });
            incident.fix_times();
            if let Some(loaded) = meeting.incident.as_mut() {
                loaded.incident = incident;
            }
        }
    }
    let text = doc.to_string();
    let mut incident: Incident = toml::from_str(&text).expect("the file loads");
    incident.fix_times();
    let sample_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-incident"));
    let errors: Vec<_> = validate::validate(
        &incident,
        &Config::default(),
        sample_dir,
        &Default::default(),
    )
    .into_iter()
    .filter(|f| f.severity == Severity::Error)
    .collect();
    assert!(
        errors.is_empty(),
        "acknowledged changes fail check: {errors:?}\n{text}"
    );
}
