//! debrief: interactive, blameless incident postmortems.
//!
//! An incident is plain files in git: `incident.toml`, `notes.md` and the raw evidence in
//! `logs/`. This library loads and checks them ([`load`], [`model`]) and reports problems the way
//! a compiler does ([`diagnostics`]). The `debrief` binary is a thin layer over it ([`cmd`]).

pub mod cli;
pub mod cmd;
pub mod diagnostics;
pub mod evidence;
pub mod forecast;
#[doc(hidden)] // For the fuzz targets in fuzz/ only.
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod progress;
pub mod public;
pub mod pull;
pub mod render;
pub mod serve;
pub mod site;
pub mod store;
