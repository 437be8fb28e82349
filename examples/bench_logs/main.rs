//! Writes a benchmark incident with about `SIZE` bytes of mixed-format logs (JSON lines, nginx,
//! log4j with stack traces, syslog), deterministically. Used by `bench/evidence.sh`.
//!
//! cargo run --release --example bench_logs -- <dir> [size-in-MiB] [nginx-logfmt | family NAME]
//!
//! With `nginx-logfmt`, two files instead: nginx combined and logfmt, half the size each.
//! With `family NAME`, one file of one format family (see `families.rs`) of the whole size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

mod families;

/// The phrase the benchmark's include filter looks for, in about 0.3% of entries.
const NEEDLE: &str = "timeout acquiring connection";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map_or("target/bench-logs", String::as_str));
    let mib: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let per_file = mib * 1024 * 1024 / 4;
    std::fs::create_dir_all(dir.join("logs"))?;
    let mut rng = Rng(0x5eed_d00d_cafe_f00d);
    if args.get(3).map(String::as_str) == Some("family") {
        let family = args.get(4).map_or("", String::as_str);
        return families::write(dir, family, mib * 1024 * 1024, &mut rng);
    }
    if args.get(3).map(String::as_str) == Some("nginx-logfmt") {
        std::fs::write(
            dir.join("incident.toml"),
            format!(
                "title = \"Benchmark: {mib} MiB of nginx and logfmt\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T00:00:00Z\n\n\
                 [[sources]]\nname = \"nginx\"\npath = \"logs/access.log\"\ninclude = ['{NEEDLE}']\n\n\
                 [[sources]]\nname = \"app\"\npath = \"logs/app.logfmt\"\ninclude = ['{NEEDLE}']\n"
            ),
        )?;
        access_log(&dir.join("logs/access.log"), per_file * 2, &mut rng)?;
        return write_file(
            &dir.join("logs/app.logfmt"),
            per_file * 2,
            &mut rng,
            |w, t, rng| {
                let msg = if rng.below(1000) < 3 {
                    NEEDLE
                } else {
                    "request completed"
                };
                writeln!(
                    w,
                    "ts={t}.{:03}Z level=info msg=\"{msg}\" route=/api/cart status=200 duration_ms={} pod=checkout-api-{}",
                    rng.below(1000),
                    rng.below(900),
                    rng.below(9)
                )
            },
        );
    }
    std::fs::write(
        dir.join("incident.toml"),
        format!(
            "title = \"Benchmark: {mib} MiB of logs\"\ntimezone = \"UTC\"\n\n[times]\nstarted = 2026-11-03T00:00:00Z\n\n\
             [[sources]]\nname = \"app\"\npath = \"logs/app.jsonl\"\ninclude = ['{NEEDLE}']\n\n\
             [[sources]]\nname = \"nginx\"\npath = \"logs/access.log\"\ninclude = ['{NEEDLE}']\n\n\
             [[sources]]\nname = \"java\"\npath = \"logs/java.log\"\ninclude = ['{NEEDLE}']\n\n\
             [[sources]]\nname = \"syslog\"\npath = \"logs/syslog.log\"\nyear = 2026\ninclude = ['{NEEDLE}']\n"
        ),
    )?;
    write_file(
        &dir.join("logs/app.jsonl"),
        per_file,
        &mut rng,
        |w, t, rng| {
            let ms = rng.below(1000);
            let msg = if rng.below(1000) < 3 {
                NEEDLE
            } else {
                "request completed"
            };
            writeln!(
                w,
                r#"{{"ts":"{}.{ms:03}Z","level":"info","msg":"{msg}","route":"/api/cart","status":200,"duration_ms":{},"pod":"checkout-api-{}","trace_id":"{:016x}"}}"#,
                t,
                rng.below(900),
                rng.below(9),
                rng.next()
            )
        },
    )?;
    access_log(&dir.join("logs/access.log"), per_file, &mut rng)?;
    write_file(
        &dir.join("logs/java.log"),
        per_file,
        &mut rng,
        |w, t, rng| {
            let stamp = t.replace('T', " ");
            if rng.below(1000) < 3 {
                writeln!(
                    w,
                    "{stamp},{:03} ERROR [pool-{}] com.shop.Db: {NEEDLE}",
                    rng.below(1000),
                    rng.below(8)
                )?;
                writeln!(
                    w,
                    "java.sql.SQLTransientConnectionException: {NEEDLE} after 5000ms"
                )?;
                writeln!(
                    w,
                    "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)"
                )
            } else {
                writeln!(
                    w,
                    "{stamp},{:03} INFO [main] com.shop.Checkout: cart {} priced in {} ms",
                    rng.below(1000),
                    rng.below(1_000_000),
                    rng.below(300)
                )
            }
        },
    )?;
    write_file(
        &dir.join("logs/syslog.log"),
        per_file,
        &mut rng,
        |w, t, rng| {
            let (_, time) = t.split_once('T').unwrap_or((t, ""));
            let msg = if rng.below(1000) < 3 {
                NEEDLE
            } else {
                "session opened for user deploy by (uid=0)"
            };
            writeln!(
                w,
                "Nov  3 {time} web-{} sshd[{}]: {msg}",
                rng.below(9),
                rng.below(40_000)
            )
        },
    )?;
    Ok(())
}

/// nginx's combined format; about 0.3% of lines a 502 whose agent is the needle.
fn access_log(path: &Path, size: u64, rng: &mut Rng) -> std::io::Result<()> {
    write_file(path, size, rng, |w, t, rng| {
        let (status, agent) = if rng.below(1000) < 3 {
            (502, NEEDLE)
        } else {
            (200, "Mozilla/5.0 (X11; Linux x86_64)")
        };
        let (date, time) = t.split_once('T').unwrap_or((t, ""));
        let (y, rest) = date.split_at(4);
        writeln!(
            w,
            "203.0.113.{} - - [{}/Nov/{y}:{time} +0000] \"GET /api/cart/{} HTTP/1.1\" {status} {} \"-\" \"{agent}\"",
            rng.below(255),
            &rest[4..6],
            rng.below(100_000),
            rng.below(5000)
        )
    })
}

/// Writes lines until the file holds `size` bytes; time runs forward a few ms per line.
fn write_file(
    path: &Path,
    size: u64,
    rng: &mut Rng,
    mut line: impl FnMut(&mut dyn Write, &str, &mut Rng) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, File::create(path)?),
        written: 0,
    };
    let mut millis: u64 = 0;
    while w.written < size {
        millis += rng.below(8);
        let secs = millis / 1000;
        let stamp = format!(
            "2026-11-03T{:02}:{:02}:{:02}",
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        );
        line(&mut w, &stamp, rng)?;
    }
    w.inner.flush()
}

struct CountingWriter<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
