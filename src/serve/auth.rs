//! Who may ask: the facilitator key, participants' tokens and cookies, and the Host and Origin
//! checks every request passes.

use warp::http::{HeaderMap, Method, header};

use super::error::ApiError;
use super::meeting::{Caller, Meeting};

/// The cookie of a participant's session; its name ends with the server's port (see
/// [`Access::session_cookie`]).
pub const SESSION_COOKIE: &str = "debrief_session";
/// The cookie holding the facilitator key; its name ends with the port too.
pub const KEY_COOKIE: &str = "debrief_key";

/// The secrets and names the server checks requests against.
#[derive(Debug, Clone)]
pub struct Access {
    pub facilitator_key: String,
    /// The join code at the start (the facilitator may ask for a new one later).
    pub join_code: String,
    /// Host names a request may be addressed to (besides IP literals and `localhost`), each
    /// with the port it may carry besides the server's own: the port of `--public-url`, where a
    /// proxy in front listens.
    pub hosts: Vec<(String, Option<u16>)>,
    pub port: u16,
    /// Names from a reverse proxy's sign-in, when the facilitator trusts one.
    pub sign_in: Option<SignIn>,
}

/// A reverse proxy that signs people in and passes on who they are in a header.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub header: warp::http::HeaderName,
    /// The addresses the proxy connects from; the header from anywhere else means nothing.
    pub proxies: Vec<std::net::IpAddr>,
}

/// The longest name a sign-in header may carry.
const MAX_SIGNED_IN_NAME: usize = 200;

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
            // A page of this server: its origin names the host the request went to, or the
            // public address (a proxy in front may pass on its own `Host`).
            let foreign = |origin: &str| {
                let rest = origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"));
                rest.is_none_or(|rest| rest != host && !self.is_public(rest))
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
        if name.is_empty() {
            return false;
        }
        let own_port = port.is_none_or(|p| p == self.port);
        let local =
            name.parse::<std::net::IpAddr>().is_ok() || name.eq_ignore_ascii_case("localhost");
        (local && own_port)
            || self.hosts.iter().any(|(h, public_port)| {
                h.eq_ignore_ascii_case(name) && (own_port || port == *public_port)
            })
    }

    /// The name the trusted proxy signed this request in as, if any: the header is believed
    /// only on a connection from one of the proxy's addresses, and only when it holds a
    /// printable name of reasonable length.
    pub fn signed_in(&self, headers: &HeaderMap, peer: Option<std::net::IpAddr>) -> Option<String> {
        let sign_in = self.sign_in.as_ref()?;
        let peer = peer?;
        let peer = match peer {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, std::net::IpAddr::V4),
            v4 => v4,
        };
        if !sign_in.proxies.contains(&peer) {
            return None;
        }
        let mut values = headers.get_all(&sign_in.header).iter();
        let value = values.next()?;
        if values.next().is_some() {
            // Two values: which one the proxy meant is not ours to guess.
            return None;
        }
        let name = String::from_utf8(value.as_bytes().to_vec()).ok()?;
        let name = name.trim();
        (!name.is_empty()
            && name.chars().count() <= MAX_SIGNED_IN_NAME
            && !name.chars().any(char::is_control))
        .then(|| name.to_owned())
    }

    /// Whether `authority` (`host[:port]`) is the public address, as `--public-url` names it.
    fn is_public(&self, authority: &str) -> bool {
        let (name, port) = split_host(authority);
        self.hosts
            .iter()
            .any(|(h, public_port)| h.eq_ignore_ascii_case(name) && port == *public_port)
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
pub(super) fn split_host(host: &str) -> (&str, Option<u16>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> Access {
        Access {
            facilitator_key: "k".into(),
            join_code: "c".into(),
            hosts: vec![("debrief.example".into(), None)],
            port: 4000,
            sign_in: None,
        }
    }

    #[test]
    fn a_public_url_with_a_port_is_answered_on_that_port() {
        let a = Access {
            hosts: vec![("meet.example.com".into(), Some(8443))],
            ..access()
        };
        let ok = |m: Method, h: &[(&'static str, &str)]| a.check(&m, &headers(h)).is_ok();
        for host in [
            "meet.example.com:8443",
            "MEET.example.com:8443",
            "meet.example.com",
            "meet.example.com:4000",
        ] {
            assert!(ok(Method::GET, &[("host", host)]), "{host}");
        }
        assert!(!ok(Method::GET, &[("host", "meet.example.com:8444")]));
        assert!(!ok(Method::GET, &[("host", "127.0.0.1:8443")]));
        // The proxy passes on the name alone; the page's origin carries the public port.
        let origin =
            |host: &str, origin: &str| ok(Method::POST, &[("host", host), ("origin", origin)]);
        assert!(origin("meet.example.com", "https://meet.example.com:8443"));
        assert!(origin(
            "meet.example.com:8443",
            "https://meet.example.com:8443"
        ));
        assert!(!origin("meet.example.com", "https://meet.example.com:9999"));
        assert!(!origin("meet.example.com", "https://evil.example:8443"));
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
    fn a_sign_in_header_counts_only_from_the_proxy() {
        let a = Access {
            sign_in: Some(SignIn {
                header: warp::http::HeaderName::from_static("x-forwarded-user"),
                proxies: vec!["127.0.0.1".parse().unwrap()],
            }),
            ..access()
        };
        let proxy = Some("127.0.0.1".parse().unwrap());
        let mapped = Some("::ffff:127.0.0.1".parse().unwrap());
        let user = |v: &str| headers(&[("x-forwarded-user", v)]);
        assert_eq!(
            a.signed_in(&user(" Dana Ops "), proxy).as_deref(),
            Some("Dana Ops")
        );
        assert_eq!(a.signed_in(&user("dana"), mapped).as_deref(), Some("dana"));
        assert_eq!(
            a.signed_in(&user("dana"), Some("10.0.0.7".parse().unwrap())),
            None
        );
        assert_eq!(a.signed_in(&user("dana"), None), None);
        assert_eq!(a.signed_in(&headers(&[]), proxy), None);
        assert_eq!(a.signed_in(&user("  "), proxy), None);
        assert_eq!(a.signed_in(&user(&"x".repeat(201)), proxy), None);
        let two = headers(&[("x-forwarded-user", "dana"), ("x-forwarded-user", "root")]);
        assert_eq!(a.signed_in(&two, proxy), None);
        assert_eq!(access().signed_in(&user("dana"), proxy), None);
    }

    #[test]
    fn cookies_and_secrets() {
        let h = headers(&[("cookie", "a=1; debrief_session=tok; b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, KEY_COOKIE), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
