//! A log file in any format, read as a `[[sources]]` entry with `format = "auto"`.
#![no_main]

use std::sync::OnceLock;

static DIR: OnceLock<tempdir::Scratch> = OnceLock::new();

mod tempdir {
    /// A scratch folder for the one log file, made once per process.
    pub struct Scratch(pub std::path::PathBuf);

    impl Scratch {
        pub fn new() -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("debrief-fuzz-logs-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("a scratch folder");
            Scratch(dir)
        }
    }
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let dir = DIR.get_or_init(tempdir::Scratch::new);
    debrief::fuzzing::log_file(&dir.0, bytes);
});
