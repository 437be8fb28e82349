//! Command-line arguments (clap derive). Each subcommand maps to one module in `cmd/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Interactive, blameless incident postmortems.
///
/// An incident is a folder with `incident.toml`, `notes.md` and `logs/`. Check it in CI, run the
/// review meeting from it, and publish it as a static site.
#[derive(Debug, Parser)]
#[command(
    name = "debrief",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to use colour in diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Use this debrief.toml instead of looking for one in the folder given and its parents up
    /// to the repository root.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new incident folder from a commented template.
    ///
    /// Writes incident.toml, notes.md, logs/ and the JSON Schema editors use to complete the file.
    /// Refuses to touch a folder that already has files in it.
    New(NewArgs),
    /// Validate incidents and lint them for blameless language.
    ///
    /// Exit status: 0 when there are no errors (warnings are allowed unless --deny-warnings),
    /// 1 when there are, 2 on bad usage or a [policy] that names an unknown severity or
    /// priority.
    Check(CheckArgs),
    /// Build the static site: reports, diagrams, the archive, actions and trends.
    ///
    /// Nothing in --out changes until the whole site is drawn, so a failed build leaves the
    /// previous site untouched. Building again into the same --out draws only the incidents
    /// that changed and writes only the files that change, in place, and nothing when nothing
    /// did; the output is always what a build into an empty folder makes. The build cache is kept in DEBRIEF_CACHE_DIR (else
    /// $XDG_CACHE_HOME/debrief or ~/.cache/debrief); set it empty to build without it.
    Build(BuildArgs),
    /// Run the review meeting of one incident.
    ///
    /// Prints a facilitator link (share that screen) and a join link for participants' phones
    /// and laptops. Every accepted change is journaled and written into incident.toml at once,
    /// keeping its comments; hand edits during the meeting are merged, and a broken file shows
    /// its error over the last good view. Ctrl-C ends the meeting.
    Serve(ServeArgs),
    /// List action items across incidents, with where each stands and what puts it at risk.
    ///
    /// Each action gets a state: overdue, at-risk, on-track, unscheduled (no due date), done or
    /// wont-do. At-risk comes from a forecast that weighs the time left against the status,
    /// a missing owner, the owner's load and record, and the archive's [policy].
    ///
    /// Exit status: 0, or 1 with --fail-on when an action is in that state; 2 on bad usage or
    /// when an incident or debrief.toml has errors.
    #[command(args_conflicts_with_subcommands = true)]
    Actions(ActionsArgs),
    /// Print the timeline, merged with log candidates, sorted by time.
    ///
    /// Times are shown in the incident's zone; the JSON has RFC 3339 UTC times.
    Timeline(TimelineArgs),
    /// Save evidence from live systems into the incident: a Prometheus query over the
    /// incident's window, or the alerts Alertmanager holds for it.
    ///
    /// The answer goes under metrics/ or alerts/ in the format debrief reads, and its
    /// [[metrics]] or [[sources]] entry is added to incident.toml, comments kept. Nothing is
    /// written unless everything worked. Needs times.started.
    Pull(PullArgs),
    /// Print the JSON Schema of incident.toml, for editors (Taplo, Even Better TOML).
    Schema,
    /// An mdBook preprocessor that removes the YAML front matter of report.md files.
    ///
    /// MkDocs and Docusaurus read the front matter (title, date, severity, services, tags);
    /// mdBook would show it as text. In book.toml:
    ///
    ///   [preprocessor.debrief]
    ///   command = "debrief mdbook"
    ///
    /// mdBook runs it with the book as JSON on stdin; see docs/docs-sites.md.
    Mdbook {
        /// `supports RENDERER`, which mdBook asks first: every renderer is supported.
        #[arg(hide = true, num_args = 0..=2)]
        query: Vec<String>,
    },
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The folder to create; its name becomes the incident id, e.g. 2026-11-03-checkout-500s.
    pub dir: PathBuf,
    /// The incident's title.
    #[arg(long, short)]
    pub title: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Incident folders or archive folders (default: the current folder).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Judge the [policy] deadlines against this date instead of today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// An incident folder or an archive folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Where to write the site.
    #[arg(long, short, default_value = "site")]
    pub out: PathBuf,
    /// A theme folder (templates/ and static/) that overrides the default theme file by file.
    #[arg(long)]
    pub theme: Option<PathBuf>,
    /// The URL the site will be published at (used in data/incidents.json).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Build into a non-empty folder that debrief did not create (it is moved aside, not deleted).
    #[arg(long)]
    pub force: bool,
    /// Judge overdue actions against this date instead of today (for reproducible builds).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<jiff::civil::Date>,
    /// Build a version fit for customers: items and incidents marked `public = false` and the
    /// internal parts of notes.md left out; people, addresses, host names and secrets redacted
    /// (`[public] redact` chooses the detectors, all by default), and the names `[public]`
    /// lists. Every file written is then checked for what the rules catch; anything left
    /// fails the build.
    #[arg(long)]
    pub public: bool,
    /// With --public: list what was redacted or left out, and where, on stdout (never in the
    /// site).
    #[arg(long, requires = "public")]
    pub explain: bool,
}

#[derive(Debug, clap::Args)]
pub struct ActionsArgs {
    #[command(subcommand)]
    pub command: Option<ActionsCommand>,
    /// An incident folder or an archive folder (default: the current folder).
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Judge the actions against this date instead of today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<jiff::civil::Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ActionsFormat::Human)]
    pub format: ActionsFormat,
    /// Only actions in these states (comma-separated or repeated): overdue (or late), at-risk,
    /// on-track, unscheduled, done, wont-do.
    #[arg(long, value_delimiter = ',', value_name = "STATE")]
    pub state: Vec<crate::model::ActionState>,
    /// Only the actions of this owner.
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// Exit 1 when any action listed is overdue, or (with at-risk) overdue or at risk; a line
    /// on stderr says which.
    #[arg(long, value_enum, value_name = "STATE")]
    pub fail_on: Option<FailOn>,
    /// With --format summary: how many overdue and how many at-risk actions to name.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,
}

#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Mark an action done, recording today as its `done_on`, in the incident's file.
    Done {
        /// The incident folder.
        incident: PathBuf,
        /// The action's id.
        id: String,
        /// The day it was done, instead of today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<jiff::civil::Date>,
    },
}

/// Output formats of `debrief actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActionsFormat {
    /// A table for people, grouped by owner, overdue first.
    Human,
    /// An array of objects, for tools.
    Json,
    /// One row per action, for spreadsheets.
    Csv,
    /// An iCalendar file with a to-do per open action that has a due date.
    Ics,
    /// A short text for chat: counts per state, then the most urgent overdue and at-risk
    /// actions with owner, age and one reason.
    Summary,
}

/// What makes `debrief actions` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any overdue action.
    Overdue,
    /// Any action overdue or at risk.
    AtRisk,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The incident folder.
    pub incident: PathBuf,
    /// The address to listen on; 0.0.0.0 lets phones on the network join.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 4000)]
    pub port: u16,
    /// Open the facilitator screen in a browser.
    #[arg(long)]
    pub open: bool,
    /// Milliseconds to wait for a burst of file changes to settle before rendering.
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub debounce: u64,
    /// How to notice changes: native events, or polling for file systems without them.
    #[arg(long, value_enum, default_value_t = crate::serve::WatcherKind::Native)]
    pub watcher: crate::serve::WatcherKind,
    /// The facilitator's secret: at least 16 letters, digits, `-` or `_` (default: 128 random
    /// bits). Fix it for scripts and bots.
    #[arg(
        long,
        env = "DEBRIEF_FACILITATOR_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub facilitator_key: Option<String>,
    /// The code in the join link: at least 16 letters, digits, `-` or `_` (default: 128 random
    /// bits).
    #[arg(
        long,
        env = "DEBRIEF_JOIN_CODE",
        value_name = "CODE",
        hide_env_values = true
    )]
    pub join_code: Option<String>,
    /// The address people use to reach this server, e.g. https://debrief.example.com, when it is
    /// behind a name or a proxy. It goes into the join link and is accepted as the Host.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Take a participant's name from this request header, which a reverse proxy sets after its
    /// own sign-in (e.g. X-Forwarded-User); only from a --trusted-proxy address. Such a name
    /// is shown as verified.
    #[arg(long, value_name = "HEADER", requires = "trusted_proxy")]
    pub trust_user_header: Option<String>,
    /// The address of the reverse proxy whose --trust-user-header is believed (repeatable). The
    /// header from any other address is ignored.
    #[arg(long, value_name = "IP", requires = "trust_user_header")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// The most connections open at once; more are closed at once (default: 4096, or what the
    /// open-file limit allows).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// Seconds a client may leave what it is sent unread before it is dropped (its page
    /// reconnects).
    #[arg(long, default_value_t = 30, value_name = "SECONDS", hide = true)]
    pub stall_timeout: u64,
    /// At the end of the meeting, once every change is in incident.toml, remove the journal
    /// (.debrief/journal.jsonl), which keeps who did what under participant ids.
    #[arg(long)]
    pub forget: bool,
}

#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    /// The incident folder.
    pub incident: PathBuf,
    /// Also read every [[sources]] entry and show its entries as candidates. On a terminal,
    /// only those within 30 minutes of the incident are shown (at most 200), with a count of
    /// the rest; a log line already on the timeline is shown once, as the timeline's entry.
    #[arg(long)]
    pub sources: bool,
    /// With --sources: every entry of the sources, on a terminal too (in a pipe and as JSON
    /// every entry is always printed).
    #[arg(long, requires = "sources")]
    pub all: bool,
    /// With --sources: instead of the entries, say how each source was read — the format or
    /// timestamp layout chosen for each file, the share of lines dated, the first and last
    /// instant, and the first lines that carry no time.
    #[arg(long, requires = "sources")]
    pub explain: bool,
    /// Instead of the entries, group the sources' entries into templates — messages of one
    /// shape, with numbers, ids, IPs, paths and quoted values as <*> — each with its count,
    /// first and last time, level, per-minute counts and its first entry.
    #[arg(long, conflicts_with_all = ["explain", "moments"])]
    pub templates: bool,
    /// With --templates: instead of the templates, say which template each entry joined, one
    /// JSON object per line: {"source": file, "line": n, "template": id}. The ids are those of
    /// `--templates --format json`.
    #[arg(long, requires = "templates")]
    pub lines: bool,
    /// Instead of the entries, propose notable moments found in the sources: a new warning or
    /// error, a step in a rate or in the share of errors (5xx), a source that goes silent, a
    /// step in a [[metrics]] series. Best first.
    #[arg(long, conflicts_with = "explain")]
    pub moments: bool,
    /// With --moments: how many to show at most.
    #[arg(long, default_value_t = 20, requires = "moments", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Output format of commands that report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people, with snippets.
    Human,
    /// JSON for tools.
    Json,
}

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("server").required(true).args(["prometheus", "alertmanager"]))]
pub struct PullArgs {
    /// The incident folder.
    pub incident: PathBuf,
    /// A Prometheus server's address, e.g. http://prometheus:9090; needs --query.
    #[arg(long, value_name = "URL", requires = "query")]
    pub prometheus: Option<String>,
    /// The PromQL expression to run over the incident's window.
    #[arg(long, value_name = "EXPR", requires = "prometheus")]
    pub query: Option<String>,
    /// The lane's name (default: the query); also names the file under metrics/.
    #[arg(long, value_name = "NAME", requires = "prometheus")]
    pub name: Option<String>,
    /// The unit shown with the values: `%`, `ms`, `req/s`.
    #[arg(long, value_name = "UNIT", requires = "prometheus")]
    pub unit: Option<String>,
    /// Seconds between points, or a duration such as 30s or 1m (default: about 1,000 points
    /// over the window, at least 15 s).
    #[arg(long, value_name = "STEP", requires = "prometheus")]
    pub step: Option<String>,
    /// An Alertmanager's address, e.g. http://alertmanager:9093.
    #[arg(long, value_name = "URL", conflicts_with = "prometheus")]
    pub alertmanager: Option<String>,
    /// Time before the start and after the end of the incident to include.
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub margin: String,
    /// A header sent with every request, e.g. "Authorization: Bearer $TOKEN" (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Seconds to wait for the server before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Replace the file under metrics/ or alerts/ when it exists.
    #[arg(long)]
    pub force: bool,
}
