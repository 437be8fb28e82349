//! `debrief pull`: a Prometheus query or an Alertmanager's alerts, saved into the incident.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use toml_edit::Value;

use crate::cli::PullArgs;
use crate::diagnostics::{Style, thousands};
use crate::model::{LoadedIncident, Metric};
use crate::pull::{self, Target, Window, alertmanager, http::Client, prometheus};

pub fn run(args: &PullArgs, style: Style) -> anyhow::Result<ExitCode> {
    let (loaded, _) = super::timeline::load_one(&args.incident, style)?;
    let margin = pull::duration(&args.margin).context("--margin")?;
    // Whole seconds: the times printed and asked about read as people write them.
    let now = Timestamp::from_second(Timestamp::now().as_second())?;
    let window = Window::of(&loaded.incident, margin, now)?;
    let client = Client::new(&args.headers, Duration::from_secs(args.timeout.max(1)))?;
    match (&args.prometheus, &args.query, &args.alertmanager) {
        (Some(base), Some(query), _) => {
            from_prometheus(args, &loaded, &client, base, query, &window)
        }
        (_, _, Some(base)) => from_alertmanager(args, &loaded, &client, base, &window, now),
        // clap requires one server, and a query with Prometheus.
        _ => anyhow::bail!("name a server: --prometheus URL --query EXPR, or --alertmanager URL"),
    }
}

fn from_prometheus(
    args: &PullArgs,
    loaded: &LoadedIncident,
    client: &Client,
    base: &str,
    query: &str,
    window: &Window,
) -> anyhow::Result<ExitCode> {
    let name = args.name.clone().unwrap_or_else(|| query.to_owned());
    let target = Target::new(
        &loaded.dir,
        format!("metrics/{}.json", pull::slug(&name, "query")),
    );
    target.check_free(args.force)?;
    let step = match &args.step {
        Some(s) => Some(pull::duration(s).context("--step")?.as_secs()),
        None => None,
    };
    let pulled = {
        let _spinner = crate::progress::waiting(format!(
            "asking Prometheus at {}",
            pull::http::without_credentials(base)
        ));
        prometheus::query_range(client, base, query, window, step)?
    };
    let metric = Metric {
        name: name.clone(),
        path: target.relative.clone(),
        unit: args.unit.clone(),
        threshold: None,
    };
    let added = target.save(&pulled.bytes, || {
        // What was saved must read as the timeline reads it, before the entry names it.
        crate::evidence::metrics::read(&loaded.dir, &loaded.incident, &metric)
            .map_err(|e| anyhow::anyhow!("the answer does not read as a metric: {e}"))?;
        let mut fields = vec![
            ("name", Value::from(name.as_str())),
            ("path", Value::from(target.relative.as_str())),
        ];
        if let Some(unit) = &args.unit {
            fields.push(("unit", Value::from(unit.as_str())));
        }
        pull::add_entry(&loaded.dir, "metrics", &fields)
    })?;
    println!(
        "Saved {}: {} series, {} points every {} s from {} to {}.",
        target.relative,
        pulled.series,
        thousands(pulled.points as u64),
        pulled.step,
        window.from,
        window.to
    );
    said_entry(added, "metrics", &name);
    Ok(ExitCode::SUCCESS)
}

fn from_alertmanager(
    args: &PullArgs,
    loaded: &LoadedIncident,
    client: &Client,
    base: &str,
    window: &Window,
    now: Timestamp,
) -> anyhow::Result<ExitCode> {
    let target = Target::new(&loaded.dir, "alerts/alertmanager.json".to_owned());
    target.check_free(args.force)?;
    let pulled = {
        let _spinner = crate::progress::waiting(format!(
            "asking Alertmanager at {}",
            pull::http::without_credentials(base)
        ));
        alertmanager::alerts(client, base, window, now)?
    };
    let name = "alertmanager";
    let added = target.save(&pulled.bytes, || {
        pull::add_entry(
            &loaded.dir,
            "sources",
            &[
                ("name", Value::from(name)),
                ("path", Value::from(target.relative.as_str())),
                ("format", Value::from("alertmanager")),
            ],
        )
    })?;
    println!(
        "Saved {}: {} alert{} active between {} and {} ({} other{} left out).",
        target.relative,
        pulled.alerts,
        if pulled.alerts == 1 { "" } else { "s" },
        window.from,
        window.to,
        pulled.outside,
        if pulled.outside == 1 { "" } else { "s" },
    );
    said_entry(added, "sources", name);
    Ok(ExitCode::SUCCESS)
}

fn said_entry(added: bool, list: &str, name: &str) {
    if added {
        println!("Added [[{list}]] \"{name}\" to incident.toml.");
    } else {
        println!("incident.toml names this file already; its [[{list}]] entry is unchanged.");
    }
}
