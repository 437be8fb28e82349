//! One log per format family, for measuring each family on its own: JSON lines, logfmt, access
//! logs, syslog, log4j-style (with stack traces) and klog. Each family mixes a dozen kinds of
//! message, several levels and fields that come and go, so that no family is one repeated line.

use std::path::Path;

use super::{Rng, write_file};

/// The families `families` knows, as named on the command line.
pub const FAMILIES: [&str; 6] = ["json", "logfmt", "access", "syslog", "log4j", "klog"];

/// Writes `dir/incident.toml` with one source, and its log of about `size` bytes.
pub fn write(dir: &Path, family: &str, size: u64, rng: &mut Rng) -> std::io::Result<()> {
    let file = match family {
        "json" => "app.jsonl",
        "logfmt" => "app.logfmt",
        "access" => "access.log",
        "syslog" => "syslog.log",
        "log4j" => "java.log",
        "klog" => "controller.log",
        other => {
            return Err(std::io::Error::other(format!(
                "unknown family {other:?}; one of {FAMILIES:?}"
            )));
        }
    };
    std::fs::create_dir_all(dir.join("logs"))?;
    let year = if family == "syslog" || family == "klog" {
        "year = 2026\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join("incident.toml"),
        format!(
            "title = \"Benchmark: {family} logs\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T00:00:00Z\n\n\
             [[sources]]\nname = \"{family}\"\npath = \"logs/{file}\"\n{year}"
        ),
    )?;
    let path = dir.join("logs").join(file);
    match family {
        "json" => write_file(&path, size, rng, |w, t, rng| {
            let (level, msg) = message(rng);
            write!(
                w,
                r#"{{"ts":"{t}.{:03}Z","level":"{level}","msg":"{msg}","service":"{}""#,
                rng.below(1000),
                SERVICES[rng.below(SERVICES.len() as u64) as usize]
            )?;
            if rng.below(3) == 0 {
                write!(w, r#","trace_id":"{:016x}""#, rng.next())?;
            }
            if rng.below(2) == 0 {
                write!(w, r#","duration_ms":{}"#, rng.below(5000))?;
            }
            writeln!(w, "}}")
        }),
        "logfmt" => write_file(&path, size, rng, |w, t, rng| {
            let (level, msg) = message(rng);
            write!(
                w,
                "ts={t}.{:03}Z level={level} msg=\"{msg}\" service={}",
                rng.below(1000),
                SERVICES[rng.below(SERVICES.len() as u64) as usize]
            )?;
            if rng.below(3) == 0 {
                write!(w, " trace_id={:016x}", rng.next())?;
            }
            if rng.below(2) == 0 {
                write!(w, " duration_ms={}", rng.below(5000))?;
            }
            writeln!(w)
        }),
        "access" => write_file(&path, size, rng, |w, t, rng| {
            let (date, time) = t.split_once('T').unwrap_or((t, ""));
            let (y, rest) = date.split_at(4);
            let (method, target) = match rng.below(6) {
                0..=2 => ("GET", format!("/api/cart/{}", rng.below(100_000))),
                3 => ("POST", "/api/checkout".to_string()),
                4 => ("GET", format!("/static/app.{:08x}.js", rng.below(1 << 32))),
                _ => (
                    "GET",
                    format!("/search?q=item{}&page={}", rng.below(900), rng.below(9)),
                ),
            };
            let status = [200, 200, 200, 200, 304, 404, 502][rng.below(7) as usize];
            let agent = [
                "Mozilla/5.0 (X11; Linux x86_64)",
                "curl/8.5.0",
                "kube-probe/1.29",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)",
            ][rng.below(4) as usize];
            writeln!(
                w,
                "10.{}.{}.{} - - [{}/Nov/{y}:{time} +0000] \"{method} {target} HTTP/1.1\" {status} {} \"-\" \"{agent}\"",
                rng.below(4),
                rng.below(255),
                rng.below(255),
                &rest[4..6],
                rng.below(50_000)
            )
        }),
        "syslog" => write_file(&path, size, rng, |w, t, rng| {
            let (_, time) = t.split_once('T').unwrap_or((t, ""));
            let (_, msg) = message(rng);
            let program =
                ["sshd", "kernel", "systemd", "cron", "postfix/smtpd"][rng.below(5) as usize];
            writeln!(
                w,
                "Nov  3 {time} web-{} {program}[{}]: {msg}",
                rng.below(40),
                rng.below(40_000)
            )
        }),
        "log4j" => write_file(&path, size, rng, |w, t, rng| {
            let stamp = t.replace('T', " ");
            let (level, msg) = message(rng);
            let class = [
                "com.shop.Checkout",
                "com.shop.Db",
                "org.eclipse.jetty.server.Server",
            ][rng.below(3) as usize];
            writeln!(
                w,
                "{stamp},{:03} {} [pool-{}-thread-{}] {class}: {msg}",
                rng.below(1000),
                level.to_uppercase(),
                rng.below(8),
                rng.below(32)
            )?;
            if level == "error" && rng.below(4) == 0 {
                writeln!(w, "java.io.IOException: {msg}")?;
                for frame in 0..1 + rng.below(6) {
                    writeln!(
                        w,
                        "\tat com.shop.Db.query{frame}(Db.java:{})",
                        rng.below(900)
                    )?;
                }
            }
            Ok(())
        }),
        _ => write_file(&path, size, rng, |w, t, rng| {
            let (_, time) = t.split_once('T').unwrap_or((t, ""));
            let (level, msg) = message(rng);
            let letter = match level {
                "error" => 'E',
                "warn" => 'W',
                _ => 'I',
            };
            writeln!(
                w,
                "{letter}1103 {time}.{:06} {:>7} {}.go:{}] {msg}",
                rng.below(1_000_000),
                1 + rng.below(99),
                ["controller", "reflector", "leaderelection"][rng.below(3) as usize],
                rng.below(900)
            )
        }),
    }
}

const SERVICES: [&str; 6] = [
    "checkout-api",
    "cart",
    "payments",
    "search",
    "auth",
    "gateway",
];

/// A level and a message: mostly routine, some warnings, a few errors, each with its numbers.
fn message(rng: &mut Rng) -> (&'static str, String) {
    let n = rng.below(100_000);
    let m = rng.below(500);
    match rng.below(20) {
        0..=5 => ("info", format!("request completed in {m} ms")),
        6..=8 => ("info", format!("cache hit for key cart:{n}")),
        9 | 10 => (
            "info",
            format!("user {n} logged in from 10.0.{}.{}", m % 256, n % 256),
        ),
        11 => (
            "info",
            format!("flushed {m} rows to table orders_{}", n % 16),
        ),
        12 => ("debug", format!("gc pause {m} ms, heap {n} KB")),
        13 => ("info", format!("connection pool size {m} of 500")),
        14 => (
            "warn",
            format!("slow query took {m} ms on replica db-{}", n % 4),
        ),
        15 => (
            "warn",
            format!("retrying request {n} after timeout (attempt {})", m % 5),
        ),
        16 => ("info", format!("scheduled job reindex-{} finished", n % 40)),
        17 => ("info", format!("GET /api/cart/{n} 200 {m}")),
        18 => (
            "error",
            format!("timeout acquiring connection after {m} ms"),
        ),
        _ => ("error", format!("upstream payments-{} returned 503", n % 8)),
    }
}
