//! The one place where the API checks what people type: every route that takes a text, a name
//! or a date reads it through these, so the rules are the same everywhere.
//!
//! A text is trimmed, must not be empty or too long, and must not hold control characters or
//! characters that change what the text looks like without showing themselves: bidi overrides
//! and isolates (which can make `rollback` read as something else on the shared screen) and
//! invisible spaces. Joiners (U+200C, U+200D) are text in some scripts and in emoji, so they are
//! taken between two visible characters, and refused anywhere else.

use super::error::ApiError;

/// Characters that reorder the text around them: the bidi embeddings, overrides and isolates.
pub fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room and show nothing: zero-width space, the directional marks,
/// word joiner, zero-width no-break space (the byte order mark), and the joiners.
pub fn zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

/// Whether a joiner at `i` of `chars` sits between two visible characters.
fn joins(chars: &[char], i: usize) -> bool {
    let visible = |c: &char| !c.is_whitespace() && !c.is_control() && !zero_width(*c);
    matches!(chars[i], '\u{200C}' | '\u{200D}')
        && i > 0
        && chars.get(i - 1).is_some_and(visible)
        && chars.get(i + 1).is_some_and(visible)
}

/// Refuses a text that holds control characters (other than line breaks and tabs), bidi
/// controls, or zero-width characters outside a word.
pub fn characters(field: &str, value: &str) -> Result<(), ApiError> {
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::new(
            422,
            "control-characters",
            format!("`{field}` holds control characters"),
        ));
    }
    let chars: Vec<char> = value.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if bidi_control(c) {
            return Err(ApiError::new(
                422,
                "bidi-control",
                format!(
                    "`{field}` holds U+{:04X}, a character that reverses or isolates the text \
                     around it, so that it reads differently from what it says; remove it",
                    c as u32
                ),
            ));
        }
        if zero_width(c) && !joins(&chars, i) {
            return Err(ApiError::new(
                422,
                "invisible-characters",
                format!(
                    "`{field}` holds U+{:04X}, an invisible character; remove it",
                    c as u32
                ),
            ));
        }
    }
    Ok(())
}

/// A required text field: trimmed, not empty, at most `max` characters, and nothing in it that
/// [`characters`] refuses.
pub fn text(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(ApiError::new(422, "empty", format!("`{field}` is empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::new(
            422,
            "too-long",
            format!("`{field}` is longer than {max} characters"),
        ));
    }
    characters(field, &value)?;
    Ok(value)
}

/// An optional text: absent or blank is `None`.
pub fn optional(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| text(field, v, max))
        .transpose()
}

/// An optional text for a change: blank means "remove it" (an empty string).
pub fn keep_empty(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() => Ok(Some(String::new())),
        v => optional(field, v, max),
    }
}

/// A ticket link: an http or https link, or blank (to remove one: an empty string).
pub fn ticket(value: Option<String>) -> Result<Option<String>, ApiError> {
    let ticket = keep_empty("ticket", value, super::limits::MAX_TICKET)?;
    if let Some(t) = ticket.as_deref().filter(|t| !t.is_empty())
        && !(t.starts_with("https://") || t.starts_with("http://"))
    {
        return Err(ApiError::new(
            422,
            "bad-url",
            "`ticket` must be an http or https link",
        ));
    }
    Ok(ticket)
}

/// A due date as TOML writes one: a local date of years 0 to 9999. Empty means "none".
pub fn date(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(value.map(|_| String::new())),
        Some(d) => d
            .parse::<toml_edit::Datetime>()
            .ok()
            .filter(|dt| dt.date.is_some() && dt.time.is_none() && dt.offset.is_none())
            .and_then(|dt| dt.to_string().parse::<jiff::civil::Date>().ok())
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| {
                ApiError::new(
                    422,
                    "bad-date",
                    format!(
                        "`due` must be a date such as 2026-12-01, not `{}`",
                        d.chars().take(30).collect::<String>()
                    ),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_refused_and_joiners_inside_words_are_not() {
        assert!(text("text", "rollback done".into(), 100).is_ok());
        // A family emoji and a Persian word hold joiners between visible characters.
        assert!(text("text", "👩\u{200D}💻 paged".into(), 100).is_ok());
        assert!(text("text", "می\u{200C}خواهم".into(), 100).is_ok());
        for bad in [
            "roll\u{202E}kcab",
            "a \u{2066}b\u{2069}",
            "zero\u{200B}width",
            "mark\u{200F}",
            "word\u{2060}joiner",
            "\u{FEFF}bom",
            "lone \u{200D} joiner",
        ] {
            let e = text("text", bad.into(), 100).unwrap_err();
            assert_eq!(e.status, 422, "{bad:?}");
            assert!(e.message.contains("`text`"), "{}", e.message);
        }
        assert_eq!(
            text("text", "x\u{202E}y".into(), 100).unwrap_err().code,
            "bidi-control"
        );
    }
}
