//! A meeting of the sample incident, request by request, built from the fuzzer's bytes: what
//! is acknowledged must keep `incident.toml` loading and passing `check`.
#![no_main]

use debrief::fuzzing::{Request, meeting};
use debrief::model::{ActionKind, ActionStatus, Category, Kind, Phase, Priority};
use debrief::serve::meeting::Command;
use debrief::store::{ActionChanges, List};
use libfuzzer_sys::arbitrary::{self, Arbitrary};

/// Ids the requests name: some of the sample's, some that the meeting makes, some made up.
const IDS: &[&str] = &[
    "t-deploy",
    "t-alert",
    "f-held-conn",
    "f-pool",
    "f-hpa",
    "f-alerting",
    "a-1",
    "a-2",
    "t-000001",
    "f-000001",
    "a-000001",
    "nope",
    "",
];

#[derive(Debug, Arbitrary)]
enum Op {
    Join(Option<String>),
    Remove(u8),
    AddEntry {
        at: Text,
        text: String,
        kind: u8,
        lane: Option<String>,
    },
    AddFactor {
        text: String,
        category: u8,
    },
    Vote {
        factor: u8,
        up: bool,
    },
    AddAction {
        text: String,
        owner: Option<String>,
        due: Option<Text>,
        priority: Option<u8>,
        kind: Option<u8>,
        factors: Vec<u8>,
        ticket: Option<String>,
    },
    UpdateAction {
        id: u8,
        text: Option<String>,
        owner: Option<String>,
        due: Option<Text>,
        status: Option<u8>,
        ticket: Option<String>,
    },
    Link {
        from: u8,
        to: u8,
        remove: bool,
    },
    Phase {
        phase: u8,
        seconds: Option<u32>,
    },
    Reveal(bool),
    Delete {
        list: u8,
        id: u8,
    },
    EditText {
        list: u8,
        id: u8,
        text: String,
    },
    Merge {
        from: u8,
        into: u8,
    },
}

/// A time or date: often a plausible one, sometimes anything.
#[derive(Debug, Arbitrary)]
enum Text {
    Time {
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        offset: Option<i8>,
    },
    Any(String),
}

impl Text {
    fn time(&self) -> String {
        match self {
            Text::Time {
                year,
                month,
                day,
                hour,
                minute,
                offset,
            } => {
                let zone = offset.map_or(String::new(), |o| format!("{:+03}:00", o % 15));
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}{zone}",
                    year % 10000,
                    month % 14,
                    day % 33,
                    hour % 25,
                    minute % 61
                )
            }
            Text::Any(s) => s.clone(),
        }
    }

    fn date(&self) -> String {
        match self {
            Text::Time {
                year, month, day, ..
            } => format!("{:04}-{:02}-{:02}", year % 10000, month % 14, day % 33),
            Text::Any(s) => s.clone(),
        }
    }
}

fn pick<T: Copy>(all: &[T], n: u8) -> T {
    all[usize::from(n) % all.len()]
}

fn id(n: u8) -> String {
    pick(IDS, n).to_owned()
}

fn list(n: u8) -> List {
    pick(&[List::Timeline, List::Factors, List::Actions], n)
}

impl Op {
    fn command(self) -> Command {
        match self {
            Op::Join(name) => Command::Join {
                name,
                verified: false,
            },
            Op::Remove(n) => Command::Remove {
                number: n.to_string(),
            },
            Op::AddEntry {
                at,
                text,
                kind,
                lane,
            } => Command::AddEntry {
                at: at.time(),
                text,
                kind: pick(Kind::ALL, kind),
                lane,
                source: None,
            },
            Op::AddFactor { text, category } => Command::AddFactor {
                text,
                category: pick(Category::ALL, category),
            },
            Op::Vote { factor, up } => Command::Vote {
                factor: id(factor),
                up,
            },
            Op::AddAction {
                text,
                owner,
                due,
                priority,
                kind,
                factors,
                ticket,
            } => Command::AddAction {
                text,
                owner,
                due: due.map(|d| d.date()),
                priority: priority.map(|p| pick(Priority::ALL, p)),
                kind: kind.map(|k| pick(ActionKind::ALL, k)),
                factors: factors.into_iter().map(id).collect(),
                ticket,
            },
            Op::UpdateAction {
                id: n,
                text,
                owner,
                due,
                status,
                ticket,
            } => Command::UpdateAction {
                id: id(n),
                changes: ActionChanges {
                    text,
                    owner,
                    due: due.map(|d| d.date()),
                    status: status.map(|s| pick(ActionStatus::ALL, s)),
                    ticket,
                    ..ActionChanges::default()
                },
            },
            Op::Link { from, to, remove } => Command::Link {
                from: id(from),
                to: id(to),
                remove,
            },
            Op::Phase { phase, seconds } => Command::Phase {
                phase: pick(Phase::ALL, phase),
                seconds,
            },
            Op::Reveal(revealed) => Command::Reveal { revealed },
            Op::Delete { list: l, id: n } => Command::Delete {
                list: list(l),
                id: id(n),
            },
            Op::EditText {
                list: l,
                id: n,
                text,
            } => Command::EditText {
                list: list(l),
                id: id(n),
                text,
            },
            Op::Merge { from, into } => Command::Merge {
                from: id(from),
                into: id(into),
            },
        }
    }
}

libfuzzer_sys::fuzz_target!(|requests: Vec<(Option<u8>, Op)>| {
    let requests = requests
        .into_iter()
        .take(64)
        .map(|(by, op)| Request {
            by,
            command: op.command(),
        })
        .collect();
    meeting(requests);
});
