//! `debrief new`: scaffold an incident folder from the commented template.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli::NewArgs;
use crate::load::{INCIDENT_FILE, NOTES_FILE};

const INCIDENT_TEMPLATE: &str = include_str!("../../templates/new/incident.toml");
const NOTES_TEMPLATE: &str = include_str!("../../templates/new/notes.md");

/// Where `new` puts the schema that the template's `#:schema` line points at.
pub const SCHEMA_PATH: &str = ".debrief/incident.schema.json";

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let title = args.title.as_deref().unwrap_or("Untitled incident");
    create(&args.dir, title)?;
    println!("Created {}", args.dir.display());
    println!(
        "Next: edit {}, then run `debrief check {}`",
        args.dir.join(INCIDENT_FILE).display(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates the incident folder. Refuses a folder that already has anything in it.
pub fn create(dir: &Path, title: &str) -> anyhow::Result<()> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} already exists and is not empty; debrief new never overwrites files",
                dir.display()
            );
        }
    }
    let zone = jiff::tz::TimeZone::system();
    let zone_name = zone.iana_name().unwrap_or("UTC");
    let today = jiff::Zoned::now().date().to_string();
    let incident = INCIDENT_TEMPLATE
        .replace("{{title}}", &toml_string(title))
        .replace("{{timezone}}", &toml_string(zone_name))
        .replace("{{today}}", &today);
    let files = [
        (INCIDENT_FILE, incident),
        (NOTES_FILE, NOTES_TEMPLATE.to_owned()),
        ("logs/.gitkeep", String::new()),
        (SCHEMA_PATH, super::schema::schema_json() + "\n"),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        write_new(&path, &text)?;
    }
    Ok(())
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// A TOML basic string, quoted and escaped.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}
