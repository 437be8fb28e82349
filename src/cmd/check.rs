//! `debrief check`: validate incidents and lint them, for people and for CI.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::{CheckArgs, Format};
use crate::diagnostics::{Diagnostic, Report, Style, plural};
use crate::load::{Archive, Options};

pub fn run(args: &CheckArgs, style: Style) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut report = Report::default();
    let mut checked = 0;
    // How each source reads, one line each: (incident id, its zone, what was found).
    let mut sources = Vec::new();
    // Which debrief.toml each path used, said once for paths that share it.
    let mut configs: Vec<(String, Option<String>)> = Vec::new();
    for path in &paths {
        match Archive::load(
            path,
            Options {
                lint: true,
                today: args.today,
                errors_only: false,
            },
            &mut report,
        ) {
            Ok(archive) => {
                checked += archive.layout.incidents.len();
                let line = archive.layout.config_line();
                if !configs.iter().any(|(l, _)| *l == line) {
                    let file = archive
                        .layout
                        .config
                        .as_ref()
                        .map(|f| f.display().to_string());
                    configs.push((line, file));
                }
                for loaded in &archive.incidents {
                    let tz = loaded.incident.tz();
                    for explained in crate::evidence::explain::explain(loaded) {
                        sources.push((loaded.id.clone(), tz.clone(), explained));
                    }
                }
            }
            Err(e) => report.push(Diagnostic::error("not-found", path, e.reason())),
        }
    }
    report.sort();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Human => {
            write!(out, "{}", report.render(style))?;
            let mut last = None;
            for (id, tz, explained) in &sources {
                if last != Some(id) {
                    writeln!(out, "sources of {id}:")?;
                    last = Some(id);
                }
                writeln!(out, "  {}", explained.one_line(tz))?;
            }
            for (line, _) in &configs {
                writeln!(out, "{line}")?;
            }
            writeln!(out, "{}", summary(&report, checked))?;
            if args.deny_warnings && report.errors() == 0 && report.warnings() > 0 {
                writeln!(
                    out,
                    "failed: warnings are denied (--deny-warnings), and there {} {}",
                    if report.warnings() == 1 { "is" } else { "are" },
                    plural(report.warnings(), "warning")
                )?;
            }
        }
        Format::Json => {
            let json = serde_json::json!({
                "incidents": checked,
                "errors": report.errors(),
                "warnings": report.warnings(),
                "configuration": configs.iter().filter_map(|(_, file)| file.clone()).collect::<Vec<_>>(),
                "diagnostics": report.to_json(),
                "sources": sources.iter().map(|(id, _, explained)| {
                    serde_json::json!({ "incident": id, "source": explained })
                }).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
    }
    // A policy that names what the archive does not define is a mistake in the set-up.
    if report
        .diagnostics()
        .iter()
        .any(|d| d.code == crate::load::INVALID_POLICY)
    {
        return Ok(ExitCode::from(2));
    }
    let failed = report.errors() > 0 || (args.deny_warnings && report.warnings() > 0);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary(report: &Report, checked: usize) -> String {
    let what = format!("checked {}", plural(checked, "incident"));
    match (report.errors(), report.warnings()) {
        (0, 0) => format!("{what}: no problems"),
        (errors, warnings) => format!(
            "{what}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}
