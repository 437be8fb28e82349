//! `debrief schema`: the JSON Schema of incident.toml, for editors.

use std::process::ExitCode;

use crate::model::Incident;

/// The schema as pretty JSON.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Incident);
    // Serializing a `serde_json::Value`-backed schema cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

pub fn run() -> anyhow::Result<ExitCode> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{}", schema_json())?;
    Ok(ExitCode::SUCCESS)
}
