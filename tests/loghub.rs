//! Conformance on real logs: the loghub samples in `$DEBRIEF_LOGHUB_DIR` (`.ci/run` points it at
//! the shared test data beside the clone). For each of the ten systems: the detected format, every one of the
//! 2,000 lines dated or attached as a continuation, and five instants read off the raw lines by
//! hand. Without the variable the suite says it was skipped.

mod common;

use std::io::Write;

use debrief::evidence::{self, ScanOptions};

/// One loghub file: its name, the expected format, the year for formats without one, and five
/// (line, instant) pairs.
type Case = (&'static str, &'static str, i16, [(u64, &'static str); 5]);

/// The instants were read off the lines themselves, in UTC (the incident's zone here). BGL's
/// epochs were checked against the local stamp later on the same line, at US Pacific time.
const CASES: &[Case] = &[
    (
        "Android_2k.log",
        "logcat",
        2017,
        [
            (1, "2017-03-17T16:13:38.811Z"),
            (7, "2017-03-17T16:13:38.869Z"),
            (500, "2017-03-17T16:14:03.281Z"),
            (1337, "2017-03-17T16:15:45.944Z"),
            (2000, "2017-03-17T16:16:09.141Z"),
        ],
    ),
    (
        "Apache_2k.log",
        "apache-error",
        2005,
        [
            (1, "2005-12-04T04:47:44Z"),
            (7, "2005-12-04T04:51:14Z"),
            (500, "2005-12-04T07:04:27Z"),
            (1337, "2005-12-05T07:55:00Z"),
            (2000, "2005-12-05T19:15:57Z"),
        ],
    ),
    (
        "BGL_2k.log",
        "epoch",
        2005,
        [
            (1, "2005-06-03T22:42:50Z"),
            (7, "2005-06-03T23:56:55Z"),
            (500, "2005-07-01T09:23:28Z"),
            (1337, "2005-08-28T09:15:25Z"),
            (2000, "2006-01-03T15:13:09Z"),
        ],
    ),
    (
        "HDFS_2k.log",
        "hdfs",
        2008,
        [
            (1, "2008-11-09T20:36:15Z"),
            (7, "2008-11-09T20:43:24Z"),
            (500, "2008-11-10T10:38:40Z"),
            (1337, "2008-11-11T04:24:56Z"),
            (2000, "2008-11-11T10:20:17Z"),
        ],
    ),
    (
        "Hadoop_2k.log",
        "log4j",
        2015,
        [
            (1, "2015-10-18T18:01:47.978Z"),
            (7, "2015-10-18T18:01:50.556Z"),
            (500, "2015-10-18T18:03:50.267Z"),
            (1337, "2015-10-18T18:07:45.222Z"),
            (2000, "2015-10-18T18:10:55.202Z"),
        ],
    ),
    (
        "HealthApp_2k.log",
        "compact",
        2017,
        [
            (1, "2017-12-23T22:15:29.606Z"),
            (7, "2017-12-23T22:15:29.636Z"),
            (500, "2017-12-23T22:17:51.664Z"),
            (1337, "2017-12-23T23:14:24.499Z"),
            (2000, "2017-12-24T01:02:35.789Z"),
        ],
    ),
    (
        "Linux_2k.log",
        "syslog",
        2005,
        [
            (1, "2005-06-14T15:16:01Z"),
            (7, "2005-06-15T02:04:59Z"),
            (500, "2005-06-29T14:44:35Z"),
            (1337, "2005-07-16T08:14:04Z"),
            (2000, "2005-07-27T14:42:00Z"),
        ],
    ),
    (
        "OpenSSH_2k.log",
        "syslog",
        2015,
        [
            (1, "2015-12-10T06:55:46Z"),
            (7, "2015-12-10T06:55:48Z"),
            (500, "2015-12-10T09:12:37Z"),
            (1337, "2015-12-10T10:57:50Z"),
            (2000, "2015-12-10T11:04:45Z"),
        ],
    ),
    (
        "Spark_2k.log",
        "spark",
        2017,
        [
            (1, "2017-06-09T20:10:40Z"),
            (7, "2017-06-09T20:10:41Z"),
            (500, "2017-06-09T20:10:55Z"),
            (1337, "2017-06-09T20:11:08Z"),
            (2000, "2017-06-09T20:11:11Z"),
        ],
    ),
    (
        "Zookeeper_2k.log",
        "log4j",
        2015,
        [
            (1, "2015-07-29T17:41:44.747Z"),
            (7, "2015-07-29T19:13:24.370Z"),
            (500, "2015-07-29T21:01:41.504Z"),
            (1337, "2015-07-30T17:57:44.121Z"),
            (2000, "2015-08-10T18:12:34.004Z"),
        ],
    ),
];

#[test]
fn loghub_samples_are_read_exactly() {
    let Some(dir) = common::loghub_dir("loghub conformance") else {
        return;
    };
    for (file, format, year, instants) in CASES {
        let path = dir.join(file);
        assert!(path.is_file(), "{} is missing", path.display());
        let incident = common::loghub_incident(&dir, file, file, *year);
        let scan = evidence::scan_source(
            &incident,
            0,
            ScanOptions {
                candidates: true,
                volume: true,
                templates: false,
                template_lines: false,
            },
        )
        .unwrap();

        assert_eq!(scan.files[0].1.name(), *format, "{file}: detected format");
        assert_eq!(scan.stats.lines, 2000, "{file}: lines read");
        assert_eq!(
            scan.stats.dated + scan.stats.continued,
            2000,
            "{file}: {:?}",
            scan.stats
        );
        assert_eq!(
            scan.stats.undated + scan.stats.undatable,
            0,
            "{file}: {:?}",
            scan.stats
        );
        assert!(scan.notes.is_empty(), "{file}: {:?}", scan.notes);
        let total: u32 = scan.volume.minutes.values().map(|c| c.total).sum();
        assert_eq!(
            u64::from(total),
            scan.stats.dated,
            "{file}: every entry is counted in the volume"
        );

        for (line, expected) in instants {
            let suffix = format!(":{line}");
            let candidate = scan
                .candidates
                .iter()
                .find(|c| c.source.ends_with(&suffix))
                .unwrap_or_else(|| panic!("{file}:{line} is not a candidate"));
            let expected: jiff::Timestamp = expected.parse().unwrap();
            assert_eq!(candidate.at, expected, "{file}:{line}");
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "loghub conformance: {} systems checked",
        CASES.len()
    );
}
