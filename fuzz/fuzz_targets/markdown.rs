//! Markdown as it reaches the report: blocks, inline text and plain text.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    debrief::fuzzing::markdown(text);
});
