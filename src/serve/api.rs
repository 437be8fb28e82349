//! The meeting's HTTP API (docs/serve.md, "HTTP API"): authentication, the checks every request
//! passes, and one handler per route. Every error is JSON: `{"error": {"code", "message"}}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use warp::http::{HeaderMap, Method, Response, StatusCode, header};

use super::State;
use super::meeting::{Answer, ApiError, Caller, Command, Meeting};
use crate::model::{ActionKind, ActionStatus, Category, Kind, LessonKind, Phase, Priority};
use crate::store::{ActionChanges, EntryChanges, List};

/// The largest request body.
pub const MAX_BODY: usize = 16 * 1024;
/// The longest text of an observation, factor or action, in characters.
pub const MAX_TEXT: usize = 2000;
/// The longest name, owner or lane.
pub const MAX_NAME: usize = 80;
/// The longest ticket link: tracker links (Jira filters, Linear issues with titles) run well
/// past a name's 80 characters.
pub const MAX_TICKET: usize = 2048;

/// The cookie of a participant's session; its name ends with the server's port (see
/// [`Access::session_cookie`]).
pub const SESSION_COOKIE: &str = "debrief_session";
/// The cookie holding the facilitator key; its name ends with the port too.
pub const KEY_COOKIE: &str = "debrief_key";

/// One request to the API, as the router hands it over.
pub struct Request {
    pub method: Method,
    /// The path below `/api/`.
    pub path: String,
    pub headers: HeaderMap,
    pub client: Option<super::listen::Client>,
}

/// The secrets and names the server checks requests against.
#[derive(Debug, Clone)]
pub struct Access {
    pub facilitator_key: String,
    /// The join code at the start (the facilitator may ask for a new one later).
    pub join_code: String,
    /// Host names a request may be addressed to (besides IP literals and `localhost`).
    pub hosts: Vec<String>,
    pub port: u16,
}

impl Access {
    /// Refuses a request addressed to a name debrief does not answer to (DNS rebinding), and a
    /// write sent from another site.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !self.host_allowed(host) {
            return Err(ApiError::new(
                403,
                "bad-host",
                format!(
                    "this server does not answer to the host `{}`; use its address, or start it with --public-url",
                    host.chars().take(100).collect::<String>()
                ),
            ));
        }
        let writes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if writes {
            let foreign = |origin: &str| {
                let rest = origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"));
                rest != Some(host)
            };
            if let Some(origin) = headers.get(header::ORIGIN)
                && origin.to_str().map_or(true, foreign)
            {
                return Err(ApiError::new(
                    403,
                    "foreign-origin",
                    "writes are only accepted from pages of this server",
                ));
            }
            if headers
                .get("sec-fetch-site")
                .is_some_and(|v| v.as_bytes() == b"cross-site")
            {
                return Err(ApiError::new(
                    403,
                    "foreign-origin",
                    "writes are only accepted from pages of this server",
                ));
            }
        }
        Ok(())
    }

    fn host_allowed(&self, host: &str) -> bool {
        let (name, port) = split_host(host);
        if port.is_some_and(|p| p != self.port) {
            return false;
        }
        !name.is_empty()
            && (name.parse::<std::net::IpAddr>().is_ok()
                || name.eq_ignore_ascii_case("localhost")
                || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name)))
    }

    /// The name of the session cookie. Browsers send a cookie to every port of a host, so
    /// each server names its own: two meetings on one machine keep their sessions apart.
    /// (A cookie is still sent to any other server on the same host; see docs/serve.md.)
    pub fn session_cookie(&self) -> String {
        format!("{SESSION_COOKIE}_{}", self.port)
    }

    /// The name of the facilitator's cookie, per port like [`Access::session_cookie`].
    pub fn key_cookie(&self) -> String {
        format!("{KEY_COOKIE}_{}", self.port)
    }

    /// The bearer token and this server's cookies that a request carries.
    fn presented<'h>(&self, headers: &'h HeaderMap) -> [Option<&'h str>; 3] {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        [
            bearer,
            cookie(headers, &self.key_cookie()),
            cookie(headers, &self.session_cookie()),
        ]
    }

    /// Whether a request carries any credential at all.
    pub fn credentials(&self, headers: &HeaderMap) -> bool {
        self.presented(headers).iter().any(Option::is_some)
    }

    /// Who is asking: a bearer token or a cookie, for the facilitator or a participant.
    pub fn caller(&self, headers: &HeaderMap, meeting: &Meeting) -> Option<Caller> {
        for candidate in self.presented(headers).into_iter().flatten() {
            if same(candidate, &self.facilitator_key) {
                return Some(Caller::Facilitator);
            }
            if let Some(p) = meeting.participant_by_token(candidate) {
                return Some(Caller::Participant(p.id.clone()));
            }
        }
        None
    }
}

/// `host[:port]`, also for `[v6]:port`.
fn split_host(host: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, port)) => (ip, port.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => ("", None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => match port.parse() {
            Ok(port) => (name, Some(port)),
            Err(_) => ("", None),
        },
        None => (host, None),
    }
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A token bucket per key (a participant, or a client's address): a burst of `capacity`,
/// refilled at `rate` per second.
#[derive(Debug)]
pub struct Limiter {
    capacity: f64,
    rate: f64,
    buckets: Mutex<Buckets>,
}

/// Tokens left, and when they were counted, per key.
type Buckets = HashMap<String, (f64, Instant)>;

impl Default for Limiter {
    /// The limit on a participant's changes: a burst of 40, then 10 a second.
    fn default() -> Limiter {
        Limiter::new(40.0, 10.0)
    }
}

impl Limiter {
    pub fn new(capacity: f64, rate: f64) -> Limiter {
        Limiter {
            capacity,
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The tokens `who` has now, after the refill.
    fn refill(&self, who: &str) -> (std::sync::MutexGuard<'_, Buckets>, f64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Forget full buckets now and then, so a flood of addresses does not grow the map.
        if buckets.len() > 10_000 {
            let (capacity, rate) = (self.capacity, self.rate);
            buckets.retain(|_, (tokens, last)| {
                *tokens + now.duration_since(*last).as_secs_f64() * rate < capacity
            });
        }
        let (tokens, last) = buckets
            .entry(who.to_owned())
            .or_insert((self.capacity, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.capacity);
        *last = now;
        let left = *tokens;
        (buckets, left)
    }

    /// Takes a token from `who`'s bucket, or refuses with 429 when it is empty.
    pub fn allow(&self, who: &str) -> Result<(), ApiError> {
        let (mut buckets, left) = self.refill(who);
        if left < 1.0 {
            return Err(slow_down());
        }
        if let Some((tokens, _)) = buckets.get_mut(who) {
            *tokens -= 1.0;
        }
        Ok(())
    }

    /// Refuses with 429 while `who`'s bucket is empty, without taking a token.
    pub fn check(&self, who: &str) -> Result<(), ApiError> {
        if self.refill(who).1 < 1.0 {
            return Err(slow_down());
        }
        Ok(())
    }
}

fn slow_down() -> ApiError {
    ApiError::new(
        429,
        "rate-limited",
        "too many requests at once; wait a moment and try again",
    )
}

pub fn json_response(status: u16, body: &serde_json::Value) -> Response<Vec<u8>> {
    let mut response = Response::new(body.to_string().into_bytes());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

pub fn error_response(e: &ApiError) -> Response<Vec<u8>> {
    let mut response = json_response(e.status, &e.json());
    if e.status == 429 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
}

/// Reads a JSON body: 400 for what is not JSON, 422 for JSON of the wrong shape.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category as C;
        match e.classify() {
            C::Data => ApiError::new(422, "invalid", e.to_string()),
            _ => ApiError::new(400, "bad-json", format!("the body is not JSON: {e}")),
        }
    })
}

/// A required text field: trimmed, not empty, at most `max` characters.
fn text(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(ApiError::new(422, "empty", format!("`{field}` is empty")));
    }
    if value.chars().count() > max {
        return Err(ApiError::new(
            422,
            "too-long",
            format!("`{field}` is longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::new(
            422,
            "control-characters",
            format!("`{field}` holds control characters"),
        ));
    }
    Ok(value)
}

fn optional(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| text(field, v, max))
        .transpose()
}

/// An optional text for a change: blank means "remove it" (an empty string).
fn keep_empty(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.trim().is_empty() => Ok(Some(String::new())),
        v => optional(field, v, max),
    }
}

/// A due date as TOML writes one: a local date of years 0 to 9999. Empty means "none".
fn date(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(value.map(|_| String::new())),
        Some(d) => d
            .parse::<toml_edit::Datetime>()
            .ok()
            .filter(|dt| dt.date.is_some() && dt.time.is_none() && dt.offset.is_none())
            .and_then(|dt| dt.to_string().parse::<jiff::civil::Date>().ok())
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| {
                ApiError::new(
                    422,
                    "bad-date",
                    format!(
                        "`due` must be a date such as 2026-12-01, not `{}`",
                        d.chars().take(30).collect::<String>()
                    ),
                )
            }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    code: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    anonymous: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryBody {
    at: String,
    text: String,
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    lane: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorBody {
    text: String,
    #[serde(default)]
    category: Option<Category>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ActionBody {
    text: String,
    owner: Option<String>,
    due: Option<String>,
    priority: Option<Priority>,
    kind: Option<ActionKind>,
    factors: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ActionPatch {
    text: Option<String>,
    owner: Option<String>,
    due: Option<String>,
    priority: Option<Priority>,
    status: Option<ActionStatus>,
    kind: Option<ActionKind>,
    ticket: Option<String>,
}

/// What the facilitator may change of a carried action.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CarriedPatch {
    owner: Option<String>,
    due: Option<String>,
    status: Option<ActionStatus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    into: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextPatch {
    text: String,
}

/// A lesson: went well, went wrong, or where the team got lucky.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonBody {
    kind: LessonKind,
    text: String,
}

/// A participant's feedback on the meeting.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    rating: u8,
    #[serde(default)]
    text: Option<String>,
}

/// A correction of a timeline entry: any of its time, text, kind and lane.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct EntryPatch {
    at: Option<String>,
    text: Option<String>,
    kind: Option<Kind>,
    lane: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseBody {
    phase: Phase,
    #[serde(default)]
    seconds: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    #[serde(default = "yes")]
    revealed: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromoteBody {
    source: String,
    line: u64,
}

/// Answers one request under `/api/` (except the event stream).
pub async fn handle(state: Arc<State>, request: Request, bytes: Bytes) -> Response<Vec<u8>> {
    match route(&state, &request, &bytes).await {
        Ok((answer, cookie, redraw)) => {
            if redraw {
                // What the pages may show changed without the file changing (the reveal).
                let state = state.clone();
                tokio::task::spawn_blocking(move || state.rebuild(false));
            }
            let mut response = json_response(answer.status, &answer.body);
            if let Some(cookie) = cookie.and_then(|c| c.parse().ok()) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => error_response(&e),
    }
}

async fn route(
    state: &State,
    request: &Request,
    bytes: &[u8],
) -> Result<(Answer, Option<String>, bool), ApiError> {
    let (method, path, headers) = (&request.method, &request.path, &request.headers);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 100)
        .map(str::to_owned);

    if segments == ["join"] {
        if *method != Method::POST {
            return Err(method_not_allowed());
        }
        state.may_join(request.client)?;
        let b: JoinBody = body(bytes)?;
        if !same(&b.code, &state.join_code()) {
            state.failed(request.client);
            return Err(ApiError::new(
                403,
                "bad-code",
                "this join code is not valid; ask the facilitator for the current link",
            ));
        }
        let name = if b.anonymous {
            None
        } else {
            optional("name", b.name, MAX_NAME)?
        };
        if name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("facilitator"))
        {
            return Err(ApiError::new(
                422,
                "reserved-name",
                "\"facilitator\" is the name of the one running the meeting; pick another",
            ));
        }
        let answer = state
            .writer
            .send(Caller::Facilitator, None, Command::Join { name })
            .await?;
        let token = answer.body["token"].as_str().unwrap_or_default();
        let cookie = format!(
            "{}={token}; HttpOnly; SameSite=Strict; Path=/",
            state.access.session_cookie()
        );
        return Ok((answer, Some(cookie), false));
    }

    let caller = state.caller(headers, request.client).ok_or_else(|| {
        ApiError::new(
            401,
            "unauthorised",
            "join the meeting first (or send the facilitator key as a bearer token)",
        )
    })?;
    let facilitator_only = || {
        if caller == Caller::Facilitator {
            Ok(())
        } else {
            Err(ApiError::new(
                403,
                "facilitator-only",
                "only the facilitator can do this",
            ))
        }
    };

    if *method == Method::GET {
        return match segments.as_slice() {
            ["state"] => Ok((
                {
                    state.caught_up().await;
                    Answer {
                        status: 200,
                        body: serde_json::from_str(&state.state_json(&caller))
                            .unwrap_or_else(|_| json!({})),
                    }
                },
                None,
                false,
            )),
            ["candidates"] => {
                facilitator_only()?;
                Ok((
                    Answer {
                        status: 200,
                        body: state.candidates().await?,
                    },
                    None,
                    false,
                ))
            }
            ["lint"] => Err(method_not_allowed()),
            _ => Err(no_route()),
        };
    }

    if let Caller::Participant(id) = &caller {
        state.limiter.allow(id)?;
    }

    if segments == ["lint"] {
        if *method != Method::POST {
            return Err(method_not_allowed());
        }
        let b: TextPatch = body(bytes)?;
        let text = text("text", b.text, MAX_TEXT)?;
        return Ok((
            Answer {
                status: 200,
                body: json!({ "warnings": state.nudges(&text) }),
            },
            None,
            false,
        ));
    }

    let command = match (method.clone(), segments.as_slice()) {
        (Method::POST, ["timeline"]) => {
            let b: EntryBody = body(bytes)?;
            Command::AddEntry {
                at: b.at,
                text: text("text", b.text, MAX_TEXT)?,
                kind: b.kind.unwrap_or(Kind::Observation),
                lane: optional("lane", b.lane, MAX_NAME)?,
                source: None,
            }
        }
        (Method::POST, ["factors"]) => {
            let b: FactorBody = body(bytes)?;
            Command::AddFactor {
                text: text("text", b.text, MAX_TEXT)?,
                category: b.category.unwrap_or_default(),
            }
        }
        (m @ (Method::POST | Method::DELETE), ["factors", id, "votes"]) => Command::Vote {
            factor: (*id).to_owned(),
            up: m == Method::POST,
        },
        (Method::POST, ["actions"]) => {
            let b: ActionBody = body(bytes)?;
            if b.factors.len() > 100 {
                return Err(ApiError::new(
                    422,
                    "too-many",
                    "an action can address at most 100 factors",
                ));
            }
            Command::AddAction {
                text: text("text", b.text, MAX_TEXT)?,
                owner: optional("owner", b.owner, MAX_NAME)?,
                due: date(b.due)?.filter(|d| !d.is_empty()),
                priority: b.priority,
                kind: b.kind,
                factors: b.factors,
            }
        }
        (Method::PATCH, ["actions", id]) => {
            let b: ActionPatch = body(bytes)?;
            let ticket = keep_empty("ticket", b.ticket, MAX_TICKET)?;
            if let Some(t) = ticket.as_deref().filter(|t| !t.is_empty())
                && !(t.starts_with("https://") || t.starts_with("http://"))
            {
                return Err(ApiError::new(
                    422,
                    "bad-url",
                    "`ticket` must be an http or https link",
                ));
            }
            Command::UpdateAction {
                id: (*id).to_owned(),
                changes: ActionChanges {
                    text: b.text.map(|t| text("text", t, MAX_TEXT)).transpose()?,
                    owner: keep_empty("owner", b.owner, MAX_NAME)?,
                    due: date(b.due)?,
                    priority: b.priority,
                    status: b.status,
                    kind: b.kind,
                    ticket,
                    done_on: None,
                },
            }
        }
        (Method::PATCH, ["carried", incident, id]) => {
            facilitator_only()?;
            let b: CarriedPatch = body(bytes)?;
            Command::UpdateCarried {
                incident: (*incident).to_owned(),
                id: (*id).to_owned(),
                changes: ActionChanges {
                    owner: keep_empty("owner", b.owner, MAX_NAME)?,
                    due: date(b.due)?,
                    status: b.status,
                    ..ActionChanges::default()
                },
            }
        }
        (Method::PATCH, ["timeline", id]) => {
            let b: EntryPatch = body(bytes)?;
            if b.at.is_none() && b.text.is_none() && b.kind.is_none() && b.lane.is_none() {
                return Err(ApiError::new(
                    422,
                    "nothing-to-change",
                    "send at least one of `at`, `text`, `kind` and `lane`",
                ));
            }
            Command::UpdateEntry {
                id: (*id).to_owned(),
                changes: EntryChanges {
                    at: b.at,
                    text: b.text.map(|t| text("text", t, MAX_TEXT)).transpose()?,
                    kind: b.kind,
                    lane: keep_empty("lane", b.lane, MAX_NAME)?,
                },
            }
        }
        (Method::POST, ["lessons"]) => {
            let b: LessonBody = body(bytes)?;
            Command::AddLesson {
                kind: b.kind,
                text: text("text", b.text, MAX_TEXT)?,
            }
        }
        (Method::PATCH, ["lessons", id]) => {
            let b: TextPatch = body(bytes)?;
            Command::EditLesson {
                id: (*id).to_owned(),
                text: text("text", b.text, MAX_TEXT)?,
            }
        }
        (Method::DELETE, ["lessons", id]) => {
            facilitator_only()?;
            Command::DeleteLesson {
                id: (*id).to_owned(),
            }
        }
        (Method::POST, ["feedback"]) => {
            let b: FeedbackBody = body(bytes)?;
            Command::Feedback {
                rating: b.rating,
                text: optional("text", b.text, MAX_TEXT)?,
            }
        }
        (Method::PATCH, ["factors", id]) => {
            let b: TextPatch = body(bytes)?;
            Command::EditText {
                list: List::Factors,
                id: (*id).to_owned(),
                text: text("text", b.text, MAX_TEXT)?,
            }
        }
        (Method::POST, ["factors", id, "merge"]) => {
            facilitator_only()?;
            let b: MergeBody = body(bytes)?;
            // Merge what the file holds, with everything accepted so far in it.
            state.caught_up().await;
            Command::Merge {
                from: (*id).to_owned(),
                into: b.into,
            }
        }
        (m @ (Method::POST | Method::DELETE), ["links"]) => {
            let b: LinkBody = body(bytes)?;
            Command::Link {
                from: b.from,
                to: b.to,
                remove: m == Method::DELETE,
            }
        }
        (Method::POST, ["phase"]) => {
            facilitator_only()?;
            let b: PhaseBody = body(bytes)?;
            if b.seconds.is_some_and(|s| s > 24 * 3600) {
                return Err(ApiError::new(
                    422,
                    "too-long",
                    "a timer runs at most 24 hours",
                ));
            }
            Command::Phase {
                phase: b.phase,
                seconds: b.seconds,
            }
        }
        (Method::POST, ["votes", "reveal"]) => {
            facilitator_only()?;
            let b: RevealBody = body(bytes)?;
            Command::Reveal {
                revealed: b.revealed,
            }
        }
        (Method::POST, ["promote"]) => {
            facilitator_only()?;
            let b: PromoteBody = body(bytes)?;
            state.promotion(&b.source, b.line).await?
        }
        (Method::POST, ["join-code"]) => {
            facilitator_only()?;
            // Not journaled: a restart starts with the code it is given (or a new one).
            let code = state.new_join_code();
            return Ok((
                Answer {
                    status: 200,
                    body: json!({ "join": format!("/join/{code}") }),
                },
                None,
                false,
            ));
        }
        (Method::DELETE, ["participants", number]) => {
            facilitator_only()?;
            Command::Remove {
                number: (*number).to_owned(),
            }
        }
        (Method::DELETE, [list @ ("timeline" | "factors" | "actions"), id]) => {
            facilitator_only()?;
            Command::Delete {
                list: List::parse(list).unwrap_or(List::Timeline),
                id: (*id).to_owned(),
            }
        }
        (
            _,
            [
                "timeline" | "factors" | "actions" | "links" | "phase" | "promote" | "join"
                | "state" | "candidates" | "join-code" | "lint" | "feedback" | "lessons",
            ]
            | ["votes", "reveal"]
            | ["factors", _, "votes" | "merge"]
            | ["timeline" | "factors" | "actions" | "participants", _]
            | ["carried", _, _]
            | ["lessons", _],
        ) => return Err(method_not_allowed()),
        _ => return Err(no_route()),
    };
    let redraw = matches!(command, Command::Reveal { .. });
    // Every text the meeting accepts goes through the blameless lint, here where every route
    // passes: the text is accepted either way, and the answer says what to reconsider.
    let warnings = command.text().map(|t| state.nudges(t));
    let mut answer = state.writer.send(caller, key, command).await?;
    if let (Some(warnings), Some(body)) = (warnings, answer.body.as_object_mut()) {
        body.insert("warnings".into(), warnings);
    }
    Ok((answer, None, redraw))
}

fn no_route() -> ApiError {
    ApiError::new(404, "no-route", "there is no such API route")
}

fn method_not_allowed() -> ApiError {
    ApiError::new(405, "method", "this route does not take that method")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> Access {
        Access {
            facilitator_key: "k".into(),
            join_code: "c".into(),
            hosts: vec!["debrief.example".into()],
            port: 4000,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn hosts_and_origins() {
        let a = access();
        let ok = |m: Method, h: &[(&'static str, &str)]| a.check(&m, &headers(h)).is_ok();
        assert!(ok(Method::GET, &[("host", "127.0.0.1:4000")]));
        assert!(ok(Method::GET, &[("host", "localhost:4000")]));
        assert!(ok(Method::GET, &[("host", "[::1]:4000")]));
        assert!(ok(Method::GET, &[("host", "debrief.example")]));
        assert!(!ok(Method::GET, &[("host", "evil.example:4000")]));
        assert!(!ok(Method::GET, &[("host", "127.0.0.1:4001")]));
        assert!(!ok(Method::GET, &[]));
        assert!(ok(Method::POST, &[("host", "127.0.0.1:4000")]));
        assert!(ok(
            Method::POST,
            &[
                ("host", "127.0.0.1:4000"),
                ("origin", "http://127.0.0.1:4000")
            ]
        ));
        assert!(!ok(
            Method::POST,
            &[
                ("host", "127.0.0.1:4000"),
                ("origin", "http://evil.example")
            ]
        ));
        assert!(!ok(
            Method::POST,
            &[("host", "127.0.0.1:4000"), ("origin", "null")]
        ));
        assert!(!ok(
            Method::DELETE,
            &[("host", "127.0.0.1:4000"), ("sec-fetch-site", "cross-site")]
        ));
        // Reading from another origin is harmless: the browser does not show it to that page.
        assert!(ok(
            Method::GET,
            &[
                ("host", "127.0.0.1:4000"),
                ("origin", "http://evil.example")
            ]
        ));
    }

    #[test]
    fn cookies_and_secrets() {
        let h = headers(&[("cookie", "a=1; debrief_session=tok; b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, KEY_COOKIE), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn the_limiter_allows_a_burst_then_refuses() {
        let l = Limiter::default();
        let allowed = (0..100).filter(|_| l.allow("p").is_ok()).count();
        assert!((40..=45).contains(&allowed), "{allowed}");
        assert!(l.allow("q").is_ok(), "buckets are per caller");
    }
}
