//! `incident.toml` text: the loader with spans, validation, the lint, and (when it loads) the
//! whole site rendered from it.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    debrief::fuzzing::incident_text(text);
});
