//! `debrief serve`: the live view of one incident for the review meeting.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::serve::{self, ServeOptions};

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    serve::run(ServeOptions {
        path: args.incident.clone(),
        bind: args.bind,
        port: args.port,
        open: args.open,
        debounce: Duration::from_millis(args.debounce),
        watcher: args.watcher,
        facilitator_key: args.facilitator_key.clone(),
        join_code: args.join_code.clone(),
        public_url: args.public_url.clone(),
        trust_user_header: args.trust_user_header.clone(),
        trusted_proxies: args.trusted_proxy.clone(),
        max_connections: args.max_connections.map(|n| n as usize),
        stall_timeout: Duration::from_secs(args.stall_timeout.max(1)),
        forget: args.forget,
    })?;
    Ok(ExitCode::SUCCESS)
}
