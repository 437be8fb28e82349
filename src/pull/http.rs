//! The one way `pull` asks a server: a GET with the user's headers, a timeout, TLS checked
//! against the system's root certificates, and errors that say what went wrong in words.

use std::time::Duration;

use anyhow::{Context, bail};
use ureq::tls::{RootCerts, TlsConfig};

/// The largest answer read: as large as a metrics file debrief reads.
const MAX_ANSWER: u64 = crate::evidence::metrics::MAX_BYTES;

pub struct Client {
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
}

/// An answer: its status and its body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Client {
    /// `headers` as people write them for curl: `Name: value`.
    pub fn new(headers: &[String], timeout: Duration) -> anyhow::Result<Client> {
        let headers = headers
            .iter()
            .map(|h| {
                let (name, value) = h
                    .split_once(':')
                    .with_context(|| format!("--header `{h}` is not `Name: value`"))?;
                let name = name.trim();
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
                    bail!("--header `{h}` has no valid header name before the `:`");
                }
                Ok((name.to_owned(), value.trim().to_owned()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("debrief/", env!("CARGO_PKG_VERSION")))
            .tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::PlatformVerifier)
                    .build(),
            )
            .build();
        Ok(Client {
            agent: config.into(),
            headers,
        })
    }

    /// GETs `path` (with its query) below `base`; `what` names the server in errors
    /// ("Prometheus"), which show `base` without credentials and never the query.
    pub fn get(&self, base: &str, path: &str, what: &str) -> anyhow::Result<Answer> {
        let url = endpoint(base, path)?;
        let url = url.as_str();
        let base = without_credentials(base.trim().trim_end_matches('/'));
        let mut request = self.agent.get(url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let mut response = request.call().map_err(|e| unreachable(e, what, &base))?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            bail!(
                "{what} at {base} answered HTTP {status}: it wants credentials{}; pass them with --header, e.g. --header \"Authorization: Bearer $TOKEN\"",
                if self.headers.is_empty() {
                    ""
                } else {
                    " other than those sent"
                }
            );
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| unreachable(e, what, &base))?;
        Ok(Answer { status, body })
    }
}

/// What a failed request means, for someone at a terminal.
fn unreachable(e: ureq::Error, what: &str, shown: &str) -> anyhow::Error {
    match e {
        ureq::Error::Timeout(_) => {
            anyhow::anyhow!(
                "{what} at {shown} did not answer in time; raise --timeout, or ask a narrower query"
            )
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            anyhow::anyhow!(
                "could not reach {what} at {shown}: the connection was refused (is it running, and on that port?)"
            )
        }
        ureq::Error::HostNotFound => {
            anyhow::anyhow!("could not reach {what} at {shown}: the host name does not resolve")
        }
        ureq::Error::BodyExceedsLimit(limit) => anyhow::anyhow!(
            "{what} at {shown} answered with more than {} MB; ask a narrower query or a coarser --step",
            limit / 1024 / 1024
        ),
        other if other.to_string().contains("invalid peer certificate") => anyhow::anyhow!(
            "could not reach {what} at {shown}: its TLS certificate is not one this system trusts ({other}); add its certificate authority to the system's roots, or name a file of them in SSL_CERT_FILE"
        ),
        other => anyhow::anyhow!("could not reach {what} at {shown}: {other}"),
    }
}

/// A URL as it may be printed: without a password in it.
pub fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// `base` (which may carry a path prefix, e.g. behind a proxy) joined with an API `path`.
pub fn endpoint(base: &str, path: &str) -> anyhow::Result<String> {
    let base = base.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        bail!("`{base}` is not an http:// or https:// address");
    }
    Ok(format!("{base}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_printed_without_passwords_and_joined_with_prefixes() {
        assert_eq!(
            without_credentials("https://u:secret@prom.example:9090/api"),
            "https://prom.example:9090/api"
        );
        assert_eq!(
            without_credentials("http://prom:9090/a@b"),
            "http://prom:9090/a@b"
        );
        assert_eq!(
            endpoint("http://host/prometheus/", "/api/v1/query_range").unwrap(),
            "http://host/prometheus/api/v1/query_range"
        );
        assert!(endpoint("prom:9090", "/x").is_err());
        assert!(Client::new(&["no colon".into()], Duration::from_secs(1)).is_err());
        assert!(Client::new(&["Authorization: Bearer x".into()], Duration::from_secs(1)).is_ok());
    }
}
