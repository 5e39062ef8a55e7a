//! Which web pages may use the RPC server. Browsers apply CORS to HTTP but not to
//! WebSockets: any page may open `ws://127.0.0.1:9944` and call every method, unsafe
//! ones included. So a request that carries an `Origin` (every request a browser sends
//! for a page) is served only when that origin is allowed: by default loopback origins,
//! the Explorer's own and polkadot.js apps; `--rpc-cors` says otherwise (`all`: any).
//! Clients that are not browsers send no `Origin` and are not affected.

use std::sync::{
    atomic::{AtomicU16, Ordering},
    Arc,
};

/// The origins allowed when `--rpc-cors` is not given, on every chain (`--dev` too):
/// pages on this machine, and polkadot.js apps.
pub const DEFAULT_ORIGINS: &[&str] = &[
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
    "https://polkadot.js.org",
];

/// The origins an endpoint serves.
#[derive(Clone, Debug)]
pub struct OriginPolicy {
    /// `None`: any origin (`--rpc-cors all`).
    listed: Option<Arc<[String]>>,
    /// The Explorer's port once it listens (0 before, or without the Explorer).
    explorer_port: Arc<AtomicU16>,
}

impl OriginPolicy {
    /// The policy of `--rpc-cors` (`None`: all), with the Explorer's port when known.
    pub fn new(cors: Option<&[String]>, explorer_port: Arc<AtomicU16>) -> Self {
        OriginPolicy {
            listed: cors.map(Into::into),
            explorer_port,
        }
    }

    /// Whether a request from a page at `origin`, sent to `host` (its `Host` header),
    /// is served.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let Some(listed) = &self.listed else {
            return true;
        };
        listed.iter().any(|pattern| matches(pattern, origin)) || self.is_explorer(origin, host)
    }

    /// The Explorer's page, on whatever address the browser reached this server by:
    /// `http://<the Host it asked for>:<the Explorer's port>`.
    fn is_explorer(&self, origin: &str, host: Option<&str>) -> bool {
        let port = self.explorer_port.load(Ordering::Relaxed);
        let Some(host) = host.map(host_name) else {
            return false;
        };
        port != 0 && origin == format!("http://{host}:{port}")
    }

    /// The one-line reason a request from `origin` is refused.
    pub fn refusal(origin: &str) -> String {
        format!(
            "origin {origin:?} is not allowed: europa serves web pages on this machine, its \
             Explorer and https://polkadot.js.org; start it with `--rpc-cors <origins>` to \
             allow others (`--rpc-cors all` allows any page, unsafe)\n"
        )
    }
}

/// `host:port` (or `[v6]:port`) without the port.
fn host_name(host: &str) -> &str {
    match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => &host[..colon],
        _ => host,
    }
}

/// Whether `origin` matches `pattern`: equal, or with a pattern ending in `:*` the same
/// scheme and host on any port (or none).
fn matches(pattern: &str, origin: &str) -> bool {
    let Some(prefix) = pattern.strip_suffix(":*") else {
        return pattern == origin;
    };
    match origin.strip_prefix(prefix) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix(':')
            .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_policy(explorer_port: u16) -> OriginPolicy {
        let listed: Vec<String> = DEFAULT_ORIGINS.iter().map(|o| o.to_string()).collect();
        OriginPolicy::new(Some(&listed), Arc::new(AtomicU16::new(explorer_port)))
    }

    #[test]
    fn loopback_pages_and_polkadot_js_are_allowed_by_default() {
        let policy = default_policy(0);
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1:9955",
            "http://[::1]:8080",
            "https://localhost",
            "https://polkadot.js.org",
        ] {
            assert!(policy.allows(origin, Some("127.0.0.1:9944")), "{origin}");
        }
        for origin in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:80",
            "http://localhost:80x",
            "https://polkadot.js.org.evil.example",
            "null",
        ] {
            assert!(!policy.allows(origin, Some("127.0.0.1:9944")), "{origin}");
        }
    }

    #[test]
    fn the_explorer_is_allowed_where_the_browser_reached_it() {
        let policy = default_policy(9955);
        assert!(policy.allows("http://192.168.1.5:9955", Some("192.168.1.5:9944")));
        assert!(!policy.allows("http://evil.example:9955", Some("192.168.1.5:9944")));
        assert!(!policy.allows("http://192.168.1.5:9956", Some("192.168.1.5:9944")));
        assert!(policy.allows("http://[fe80::1]:9955", Some("[fe80::1]:9944")));
    }

    #[test]
    fn all_allows_any_page() {
        let policy = OriginPolicy::new(None, Arc::default());
        assert!(policy.allows("https://evil.example", None));
    }
}
