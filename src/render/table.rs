//! The one CSV layout of action items, written by `debrief actions --format csv` and by the
//! site's `data/actions.csv`: the same columns in the same order, text without Markdown, and
//! cells that a spreadsheet would take for a formula made inert.

use std::io::Write;

/// The columns, in order.
pub const COLUMNS: [&str; 14] = [
    "incident", "id", "text", "owner", "due", "priority", "status", "kind", "factors", "ticket",
    "done_on", "state", "risk", "reasons",
];

/// One action as a CSV row. `text` is Markdown; the cell holds its plain text.
pub struct Row<'a> {
    pub incident: &'a str,
    pub id: &'a str,
    pub text: &'a str,
    pub owner: Option<&'a str>,
    pub due: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub status: &'a str,
    pub kind: Option<&'a str>,
    /// The ids of the factors it addresses.
    pub factors: Vec<&'a str>,
    pub ticket: Option<&'a str>,
    pub done_on: Option<&'a str>,
    /// overdue, at-risk, on-track, unscheduled, done or wont-do.
    pub state: &'a str,
    /// The risk score, 0 to 1; empty for finished actions.
    pub risk: Option<f64>,
    /// Why it may slip, heaviest first.
    pub reasons: &'a [String],
}

/// Writes the header and `rows` to `out`.
pub fn actions_csv<'a>(
    out: impl Write,
    rows: impl IntoIterator<Item = Row<'a>>,
) -> anyhow::Result<()> {
    let mut csv = Csv::new(out)?;
    for r in rows {
        csv.row(&r)?;
    }
    csv.finish()
}

/// The CSV of action items, written a row at a time: a caller that reads each action from
/// storage needs only one in memory.
pub struct Csv<W: Write>(csv::Writer<W>);

impl<W: Write> Csv<W> {
    /// Starts the file with its header.
    pub fn new(out: W) -> anyhow::Result<Csv<W>> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS)?;
        Ok(Csv(w))
    }

    pub fn row(&mut self, r: &Row<'_>) -> anyhow::Result<()> {
        let record = [
            r.incident.to_owned(),
            r.id.to_owned(),
            crate::render::markdown::plain(r.text),
            r.owner.unwrap_or("").to_owned(),
            r.due.unwrap_or("").to_owned(),
            r.priority.unwrap_or("").to_owned(),
            r.status.to_owned(),
            r.kind.unwrap_or("").to_owned(),
            r.factors.join(" "),
            r.ticket.unwrap_or("").to_owned(),
            r.done_on.unwrap_or("").to_owned(),
            r.state.to_owned(),
            r.risk.map(|s| format!("{s:.2}")).unwrap_or_default(),
            r.reasons.join("; "),
        ];
        self.0
            .write_record(record.iter().map(|cell| inert_cell(cell).into_owned()))?;
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.0.flush()?;
        Ok(())
    }
}

/// A CSV cell that a spreadsheet shows as text: one that starts like a formula (`=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a `'` in front, as OWASP advises, so an action
/// typed as `=HYPERLINK(...)` is not run when someone opens the file.
pub fn inert_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_look_like_formulas_are_made_text() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Alert on pool saturation", "Alert on pool saturation"),
            ("2026-12-01", "2026-12-01"),
        ] {
            assert_eq!(inert_cell(cell), out);
        }
    }
}
