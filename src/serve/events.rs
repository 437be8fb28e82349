//! The event stream (SSE): the meeting's state to each screen as it changes (whole, or as the
//! change from the state the screen has), reloads and errors of the preview, and a ping.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use warp::http::header;

use super::meeting::Caller;
use super::state::{Push, State, StateKey};

/// The least time between two `state` events to one screen.
pub(super) const STATE_INTERVAL: Duration = Duration::from_millis(40);

/// One server-sent event, as chunks of bytes: `event: NAME`, `data: ` and the data (the parts
/// of a state as [`State::state_parts`] gives them, shared with other screens), then the end.
pub(super) fn sse(name: &str, data: impl IntoIterator<Item = bytes::Bytes>) -> Vec<bytes::Bytes> {
    let mut chunks = vec![bytes::Bytes::from(format!("event: {name}\ndata: "))];
    chunks.extend(data);
    chunks.push(bytes::Bytes::from_static(b"\n\n"));
    chunks
}

/// How often an idle event stream gets a comment, so proxies and browsers keep it open.
pub(super) const PING: Duration = Duration::from_secs(15);

/// The event stream of one browser, as a response: a task makes its events and hands them
/// over one at a time (a channel of one event), so a browser that stops reading holds at most
/// the event it is stuck on, whose big part is shared; the connection's stall timeout then
/// drops it, and the page reconnects.
pub(super) fn event_response(
    state: Arc<State>,
    caller: Caller,
    meeting: bool,
) -> warp::reply::Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<bytes::Bytes>>(1);
    tokio::spawn(produce_events(state, caller, meeting, tx));
    // A chunk at a time, from the event at hand.
    let mut pending = std::collections::VecDeque::new();
    let body = futures_util::stream::poll_fn(move |cx| {
        loop {
            if let Some(chunk) = pending.pop_front() {
                return std::task::Poll::Ready(Some(Ok::<_, Infallible>(chunk)));
            }
            match rx.poll_recv(cx) {
                std::task::Poll::Ready(Some(event)) => pending.extend(event),
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
    });
    let mut response = warp::Reply::into_response(warp::reply::stream(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/event-stream"),
    );
    // A reverse proxy passes each event on as it comes (nginx reads this header; others
    // follow `no-cache`/`no-transform`), instead of holding them until its buffer fills.
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache, no-transform"),
    );
    headers.insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    response
}

/// Makes the events of one browser: a `hello` with the render's state and, for meeting pages,
/// the meeting's `state`; then every render and every new meeting revision. A browser that
/// falls behind skips to the newest state; it never sees an old one after a new one. Ends when
/// the browser is gone, the server stops, or the facilitator removed the participant.
pub(super) async fn produce_events(
    state: Arc<State>,
    caller: Caller,
    meeting: bool,
    tx: tokio::sync::mpsc::Sender<Vec<bytes::Bytes>>,
) {
    let mut rx = state.tx.subscribe();
    let mut published = state.published.clone();
    published.mark_changed();
    let hello = {
        let view = state.read();
        serde_json::json!({ "revision": view.revision, "error": view.error }).to_string()
    };
    if tx.send(sse("hello", [hello.into()])).await.is_err() {
        return;
    }
    let mut last: Option<tokio::time::Instant> = None;
    // The state this browser has: the next is sent as a change from it when that is smaller.
    let mut has: Option<StateKey> = None;
    loop {
        let event = tokio::select! {
            push = rx.recv() => match push {
                Ok(Push::Reload(revision)) => sse(
                    "reload",
                    [serde_json::json!({ "revision": revision }).to_string().into()],
                ),
                Ok(Push::Error(revision, message)) => sse(
                    "error",
                    [serde_json::json!({ "revision": revision, "message": message })
                        .to_string()
                        .into()],
                ),
                // A slow browser missed some; the next event carries the latest revision.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Ok(Push::Shutdown) | Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = published.changed(), if meeting => {
                if changed.is_err() {
                    return;
                }
                // While changes stream in, one state per STATE_INTERVAL: the newest.
                if let Some(last) = last {
                    tokio::time::sleep_until(last + STATE_INTERVAL).await;
                }
                published.borrow_and_update();
                last = Some(tokio::time::Instant::now());
                // Someone the facilitator removed is told so, and their stream ends.
                if let Caller::Participant(id) = &caller
                    && state.meeting().participant(id).is_some_and(|p| p.removed)
                {
                    let _ = tx.send(sse("removed", [bytes::Bytes::from_static(br#"{"removed":true}"#)])).await;
                    return;
                }
                let (head, shared, key) = state.state_parts(&caller);
                let change = has.and_then(|from| state.change(from, key));
                has = Some(key);
                match change {
                    Some(change) => sse("change", [head.into(), change]),
                    None => sse("state", [head.into(), shared]),
                }
            },
            () = tokio::time::sleep(PING) => vec![bytes::Bytes::from_static(b":ping\n\n")],
            () = tx.closed() => return,
        };
        if tx.send(event).await.is_err() {
            return;
        }
    }
}
