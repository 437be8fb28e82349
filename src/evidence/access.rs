//! Access-log lines as templates: the method, the shape of the route and the class of the
//! status (`GET /api/checkout/<*> 5xx`), so GET and POST, 200s and 503s, and each route are
//! told apart, while ids in the path are not.

/// The request methods an access log writes.
const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PROPFIND",
];
/// Path segments kept at most; deeper paths end in one `<*>`.
const MAX_SEGMENTS: usize = 8;
/// A segment longer than this is an id or a slug.
const MAX_SEGMENT: usize = 32;

/// Writes the template of an access-log message into `out`: `METHOD /route/<*> 2xx`, or
/// without the status class when the line has none. `false` when the message holds no request
/// (a method followed by a path or URL); `out` is then left empty.
pub fn shape(message: &str, out: &mut String) -> bool {
    out.clear();
    let mut tokens = message.split_ascii_whitespace();
    let Some(method) = tokens
        .by_ref()
        .take(8)
        .map(|t| t.trim_start_matches('"'))
        .find(|t| METHODS.contains(t))
    else {
        return false;
    };
    let Some(target) = tokens.next().map(|t| t.trim_end_matches('"')) else {
        return false;
    };
    let Some(path) = path_of(target) else {
        return false;
    };
    out.push_str(method);
    out.push(' ');
    route(path, out);
    // The status follows the request (`GET /a 200`) or the protocol (`"GET /a HTTP/1.1" 200`,
    // uwsgi's `(HTTP/1.1 502)`); a number elsewhere is a size or a duration.
    let mut status = None;
    let mut after_protocol = false;
    for (i, token) in tokens.take(16).enumerate() {
        if i == 0 || after_protocol {
            status = status_of(token);
            if status.is_some() {
                break;
            }
        }
        after_protocol = token.trim_start_matches(['(', '"']).starts_with("HTTP/");
    }
    if let Some(status) = status {
        out.push(' ');
        out.push(char::from(b'0' + (status / 100) as u8));
        out.push_str("xx");
    }
    true
}

/// A status code, as an access log writes it: three digits from 100 to 599, perhaps in quotes
/// or brackets.
fn status_of(token: &str) -> Option<u16> {
    let t = token.trim_matches(|c: char| matches!(c, '"' | '(' | ')' | '[' | ']' | ',' | ';'));
    let status: u16 = (t.len() == 3).then(|| t.parse().ok()).flatten()?;
    (100..600).contains(&status).then_some(status)
}

/// The path of a request target: `/a/b`, the path of `https://host/a/b`, or of `host/a/b` (as
/// Zeek writes it); without its query.
fn path_of(target: &str) -> Option<&str> {
    let target = match target.find("://") {
        Some(i) => {
            let rest = &target[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None if target.starts_with('/') => target,
        None => &target[target.find('/')?..],
    };
    let end = target.find(['?', '#']).unwrap_or(target.len());
    Some(&target[..end])
}

/// The route's shape: each segment as it is, or `<*>` for one that varies (a digit, a long
/// id, a slug of many words).
fn route(path: &str, out: &mut String) {
    if path == "/" || path.is_empty() {
        out.push('/');
        return;
    }
    for (i, segment) in path.split('/').skip(1).enumerate() {
        out.push('/');
        if i == MAX_SEGMENTS {
            out.push_str("<*>");
            break;
        }
        let varies = segment.bytes().any(|b| b.is_ascii_digit())
            || segment.len() > MAX_SEGMENT
            || segment.matches(['-', '_']).count() >= 3
            || segment.contains('%');
        if varies {
            out.push_str("<*>");
        } else {
            out.push_str(segment);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(message: &str) -> Option<String> {
        let mut out = String::new();
        shape(message, &mut out).then_some(out)
    }

    #[test]
    fn each_access_format_reads_as_method_route_and_class() {
        // CLF and combined, with a request time after.
        assert_eq!(
            of(r#""POST /api/checkout/81723?retry=1 HTTP/1.1" 503 187 "-" "curl/8.5" rt=5.004"#)
                .as_deref(),
            Some("POST /api/checkout/<*> 5xx")
        );
        // W3C and IIS: `method uri?query status`.
        assert_eq!(
            of("GET /api/cart?id=9f2 200").as_deref(),
            Some("GET /api/cart 2xx")
        );
        // uwsgi.
        assert_eq!(
            of("POST /api/checkout => generated 21 bytes in 30012 msecs (HTTP/1.1 502)").as_deref(),
            Some("POST /api/checkout 5xx")
        );
        // Zeek's http log: host and path.
        assert_eq!(
            of("http: GET shop.example/static/app.4f9a.js 304").as_deref(),
            Some("GET /static/<*> 3xx")
        );
        assert_eq!(
            of("GET https://shop.example/ 200").as_deref(),
            Some("GET / 2xx")
        );
        assert_eq!(
            of("DELETE /users/2f1c9a8e-1111-4c3b-9d2e-33a1b2c3d4e5/sessions 204").as_deref(),
            Some("DELETE /users/<*>/sessions 2xx")
        );
    }

    #[test]
    fn messages_without_a_request_have_no_access_shape() {
        assert_eq!(of("upstream timed out while reading response header"), None);
        assert_eq!(of("GET"), None);
        assert_eq!(of("GET request failed"), None);
    }
}
