//! The meeting's HTTP API (docs/serve.md, "HTTP API"): authentication, the checks every request
//! passes, and one handler per route. Every error is JSON: `{"error": {"code", "message"}}`.

use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use warp::http::{HeaderMap, Method, Response, StatusCode, header};

use super::State;
use super::auth::same;
use super::error::ApiError;
use super::input::{date, keep_empty, optional, text, ticket};
use super::limits::{MAX_NAME, MAX_TEXT};
use super::meeting::{Answer, Caller, Command};
use crate::model::{ActionKind, ActionStatus, Category, Kind, LessonKind, Phase, Priority};
use crate::store::{ActionChanges, EntryChanges, List};

/// One request to the API, as the router hands it over.
pub struct Request {
    pub method: Method,
    /// The path below `/api/`.
    pub path: String,
    pub headers: HeaderMap,
    pub client: Option<super::listen::Client>,
    /// The query string, without its `?` (empty when there is none).
    pub query: String,
}

/// The value of `key` in a query string, percent-decoding left aside (the API's values are
/// plain numbers).
fn query_value<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
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
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(e.retry_after.unwrap_or(1)),
        );
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
    ticket: Option<String>,
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
    /// Promote the notable moment that starts at this line (its words), not the log entry.
    #[serde(default)]
    moment: bool,
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
    // Pages percent-encode what they put in a path (an incident folder named
    // `2026-11-02 café outage`): compare the decoded text.
    let decoded: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| {
                    ApiError::new(
                        400,
                        "bad-path",
                        "the path is not UTF-8 once percent-decoded",
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 100)
        .map(str::to_owned);

    let signed_in = || {
        state
            .access
            .signed_in(headers, request.client.map(|c| c.0.ip()))
    };
    if segments == ["sign-in"] {
        // Who the team's sign-in says this is, for the join form; nothing else.
        if *method != Method::GET {
            return Err(method_not_allowed());
        }
        let answer = Answer {
            status: 200,
            body: serde_json::json!({ "name": signed_in() }),
        };
        return Ok((answer, None, false));
    }
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
        // Behind a sign-in, the name is the one the proxy vouches for, whatever was typed.
        let verified = signed_in().filter(|_| !b.anonymous);
        let name = if b.anonymous {
            None
        } else if verified.is_some() {
            verified.clone()
        } else {
            optional("name", b.name, MAX_NAME)?
        };
        if name
            .as_deref()
            .is_some_and(|n| crate::model::names::same(n, "facilitator"))
        {
            return Err(ApiError::new(
                422,
                "reserved-name",
                "\"facilitator\" is the name of the one running the meeting; pick another",
            ));
        }
        let answer = state
            .writer
            .send(
                Caller::Facilitator,
                None,
                Command::Join {
                    name,
                    verified: verified.is_some(),
                },
            )
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
                let margin = match query_value(&request.query, "margin") {
                    None => super::evidence::CANDIDATE_MARGIN,
                    Some(m) => m
                        .parse::<u32>()
                        .ok()
                        .filter(|m| *m <= 7 * 24 * 60)
                        .ok_or_else(|| {
                            ApiError::new(
                                400,
                                "bad-margin",
                                "margin must be a whole number of minutes from 0 to 10080",
                            )
                        })?,
                };
                Ok((
                    Answer {
                        status: 200,
                        body: state.candidates(margin).await?,
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
        (Method::PATCH, ["details"]) => {
            facilitator_only()?;
            super::details::command(body(bytes)?)?
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
                ticket: ticket(b.ticket)?.filter(|t| !t.is_empty()),
            }
        }
        (Method::PATCH, ["actions", id]) => {
            let b: ActionPatch = body(bytes)?;
            let ticket = ticket(b.ticket)?;
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
            state.promotion(&b.source, b.line, b.moment).await?
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
