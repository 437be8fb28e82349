//! Access-log lines as templates: the method, the shape of the route and the class of the
//! status (`GET /api/checkout/<*> 5xx`), so GET and POST, 200s and 503s, and each route are
//! told apart, while ids in the path are not.
//!
//! This runs for every entry of an access log, so it works on bytes: every cut is at an ASCII
//! byte, and the template is text whenever the line is.

/// The request methods an access log writes.
const METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"PATCH",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PROPFIND",
];
/// Path segments kept at most; deeper paths end in one `<*>`.
const MAX_SEGMENTS: usize = 8;
/// A segment longer than this is an id or a slug.
const MAX_SEGMENT: usize = 32;

/// The words of a line, split at ASCII whitespace.
fn words(message: &[u8]) -> impl Iterator<Item = &[u8]> {
    message
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
}

fn trim_start_of<'a>(mut t: &'a [u8], marks: &[u8]) -> &'a [u8] {
    while let [first, rest @ ..] = t
        && marks.contains(first)
    {
        t = rest;
    }
    t
}

fn trim_end_of<'a>(mut t: &'a [u8], marks: &[u8]) -> &'a [u8] {
    while let [rest @ .., last] = t
        && marks.contains(last)
    {
        t = rest;
    }
    t
}

/// Writes the template of an access-log message into `out`: `METHOD /route/<*> 2xx`, or
/// without the status class when the line has none. `false` when the message holds no request
/// (a method followed by a path or URL); `out` is then left empty.
pub fn shape(message: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut tokens = words(message);
    let Some(method) = tokens
        .by_ref()
        .take(8)
        .map(|t| trim_start_of(t, b"\""))
        .find(|t| METHODS.contains(t))
    else {
        return false;
    };
    let Some(target) = tokens.next().map(|t| trim_end_of(t, b"\"")) else {
        return false;
    };
    let Some(path) = path_of(target) else {
        return false;
    };
    out.extend_from_slice(method);
    out.push(b' ');
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
        after_protocol = trim_start_of(token, b"(\"").starts_with(b"HTTP/");
    }
    if let Some(status) = status {
        out.push(b' ');
        out.push(b'0' + (status / 100) as u8);
        out.extend_from_slice(b"xx");
    }
    true
}

/// A status code, as an access log writes it: three digits from 100 to 599, perhaps in quotes
/// or brackets.
fn status_of(token: &[u8]) -> Option<u16> {
    const MARKS: &[u8] = b"\"()[],;";
    let t = trim_end_of(trim_start_of(token, MARKS), MARKS);
    let [a, b, c] = *t else { return None };
    if !(a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit()) {
        return None;
    }
    let status = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
    (100..600).contains(&status).then_some(status)
}

/// The path of a request target: `/a/b`, the path of `https://host/a/b`, or of `host/a/b` (as
/// Zeek writes it); without its query.
fn path_of(target: &[u8]) -> Option<&[u8]> {
    let slash = |t: &[u8]| memchr::memchr(b'/', t);
    // A target is short: a search that sets itself up per call (memmem) cost more than the
    // rest of the line's shape (measured).
    let scheme = memchr::memchr_iter(b':', target).find(|&i| target[i + 1..].starts_with(b"//"));
    let target = match scheme {
        Some(i) => {
            let rest = &target[i + 3..];
            slash(rest).map_or(&b"/"[..], |j| &rest[j..])
        }
        None if target.first() == Some(&b'/') => target,
        None => &target[slash(target)?..],
    };
    let end = target
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(target.len());
    Some(&target[..end])
}

/// The route's shape: each segment as it is, or `<*>` for one that varies (a digit, a long
/// id, a slug of many words).
fn route(path: &[u8], out: &mut Vec<u8>) {
    if path == b"/" || path.is_empty() {
        out.push(b'/');
        return;
    }
    for (i, segment) in path.split(|&b| b == b'/').skip(1).enumerate() {
        out.push(b'/');
        if i == MAX_SEGMENTS {
            out.extend_from_slice(b"<*>");
            break;
        }
        let varies = segment.len() > MAX_SEGMENT
            || segment.iter().any(|&b| b.is_ascii_digit() || b == b'%')
            || segment.iter().filter(|&&b| b == b'-' || b == b'_').count() >= 3;
        if varies {
            out.extend_from_slice(b"<*>");
        } else {
            out.extend_from_slice(segment);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(message: &str) -> Option<String> {
        let mut out = Vec::new();
        shape(message.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
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
