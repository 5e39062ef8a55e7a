//! The Explorer: a web page the node serves (`--ui-port`, default 9955) to watch the chain
//! and read its contract executions. The page is static files embedded in the binary
//! (`node/explorer/`, plain ES modules: nothing to build); it talks to the node's own
//! JSON-RPC server over WebSocket, whose port it reads from `/config.json`.
//!
//! Served on the loopback interfaces unless `--ui-external`: `--rpc-external` alone never
//! exposes it. On loopback only requests naming a loopback `Host` are answered, so a web
//! page elsewhere cannot reach it through DNS rebinding.

use std::{
    convert::Infallible,
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
};

use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use jsonrpsee::server::{serve_with_graceful_shutdown, HttpBody, StopHandle};

use crate::rpc_server;

/// Where and whether the Explorer is served.
#[derive(Clone, Copy, Debug)]
pub struct ExplorerConfig {
    /// The port asked for; a free one is taken when it is in use.
    pub port: u16,
    /// Every interface rather than the loopback ones.
    pub external: bool,
}

/// A file of the page, as the binary carries it.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $content_type:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            content_type: $content_type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/explorer/", $path)),
        }),*]
    };
}

/// Every file under `node/explorer/` (a test keeps the list whole).
const ASSETS: &[Asset] = assets!(
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "js/app.js" => "text/javascript; charset=utf-8",
    "js/rpc.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/chain.js" => "text/javascript; charset=utf-8",
    "js/extrinsic.js" => "text/javascript; charset=utf-8",
    "js/trace.js" => "text/javascript; charset=utf-8",
    "js/contracts.js" => "text/javascript; charset=utf-8",
    "js/profile.js" => "text/javascript; charset=utf-8",
    "js/virtual-list.js" => "text/javascript; charset=utf-8",
    "js/coverage.js" => "text/javascript; charset=utf-8",
    "js/lines.js" => "text/javascript; charset=utf-8",
    "js/debug.js" => "text/javascript; charset=utf-8",
    "js/source.js" => "text/javascript; charset=utf-8",
);

/// Connections served at once (a page opens a handful); more are closed at once.
const MAX_CONNECTIONS: usize = 64;
/// How long one connection is served: idle kept-alive connections cannot keep their
/// slots (and connections that never send a request never get one: `rpc_server::accept`).
const CONNECTION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Scripts and styles come from the page's own origin only; it connects to the RPC
/// server's WebSocket, on another port.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self' ws: wss:; \
     img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Why the Explorer did not start.
#[derive(Debug, thiserror::Error)]
#[error("the Explorer could not listen on {addr}: {source}")]
pub struct BindError {
    addr: SocketAddr,
    source: std::io::Error,
}

/// Serves the page on `runtime` until `stop` says the RPC server stopped; the page talks
/// to `rpc_port`. Returns the address it listens on first.
pub fn start(
    config: ExplorerConfig,
    rpc_port: u16,
    runtime: &tokio::runtime::Handle,
    stop: StopHandle,
) -> Result<SocketAddr, BindError> {
    let (v4, v6) = match config.external {
        true => (Ipv4Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED),
        false => (Ipv4Addr::LOCALHOST, Ipv6Addr::LOCALHOST),
    };
    let asked = SocketAddr::from((v4, config.port));
    let first = rpc_server::listen(asked, true)
        .and_then(|listener| listener.local_addr().map(|addr| (listener, addr)));
    let (first, addr) = first.map_err(|source| BindError {
        addr: asked,
        source,
    })?;
    let mut listeners = vec![first];
    // IPv6 on the same port where the machine has it (and only that port: the `Host`
    // check knows one).
    match rpc_server::listen(SocketAddr::from((v6, addr.port())), false) {
        Ok(listener) => listeners.push(listener),
        Err(error) => log::debug!(target: "europa", "Explorer not on IPv6: {error}"),
    }
    let site = Site {
        config: format!("{{\"rpcPort\":{rpc_port}}}"),
        hosts: (!config.external).then(|| rpc_server::loopback_hosts(addr.port())),
    };
    let connections = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    for listener in listeners {
        let connections = connections.clone();
        let site = site.clone();
        let stop = stop.clone();
        let handle = runtime.clone();
        runtime.spawn(async move {
            rpc_server::accept(listener, stop.clone(), move |socket, remote| {
                // Past the limit a connection is closed at once: the page needs a few.
                let Ok(permit) = connections.clone().try_acquire_owned() else {
                    log::debug!(target: "europa", "Explorer busy: {remote} turned away");
                    return;
                };
                let site = site.clone();
                let service = tower::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let response = site.answer(&request);
                    async move { Ok::<_, Infallible>(response) }
                });
                let served = serve_with_graceful_shutdown(socket, service, stop.clone().shutdown());
                handle.spawn(async move {
                    // A page's assets load in far less; a kept-alive connection left
                    // idle gives its slot back, and the browser opens another.
                    let _ = tokio::time::timeout(CONNECTION_LIFETIME, served).await;
                    drop(permit);
                });
            })
            .await
        });
    }
    let shown = match config.external {
        true => SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port())),
        false => addr,
    };
    log::info!(target: "europa", "Europa Explorer: http://{shown}/");
    Ok(addr)
}

/// What every connection answers from.
#[derive(Clone)]
struct Site {
    /// `/config.json`: what the page needs to know of the node.
    config: String,
    /// The `Host` headers answered; `None`: any.
    hosts: Option<Vec<String>>,
}

impl Site {
    fn answer<B>(&self, request: &Request<B>) -> Response<HttpBody> {
        if let Some(hosts) = &self.hosts {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok());
            if !host.is_some_and(|host| hosts.iter().any(|known| known == host)) {
                return plain(
                    StatusCode::FORBIDDEN,
                    "unknown Host: open the Explorer at a loopback address",
                );
            }
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "the Explorer only serves GET",
            );
        }
        let path = match request.uri().path().trim_start_matches('/') {
            "" => "index.html",
            path => path,
        };
        let (content_type, body): (&'static str, HttpBody) = match path {
            "config.json" => ("application/json", self.config.clone().into()),
            path => match ASSETS.iter().find(|asset| asset.path == path) {
                Some(asset) => (asset.content_type, asset.bytes.to_vec().into()),
                None => return plain(StatusCode::NOT_FOUND, "no such file"),
            },
        };
        let body = match request.method() == Method::HEAD {
            true => HttpBody::empty(),
            false => body,
        };
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        // The page changes with the binary: never served from a stale cache.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<HttpBody> {
    let mut response = Response::new(HttpBody::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_page_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("explorer");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                match path.is_dir() {
                    true => dirs.push(path),
                    false => files.push(
                        path.strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    ),
                }
            }
        }
        files.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|asset| asset.path.to_owned()).collect();
        served.sort();
        assert_eq!(files, served, "node/explorer/ and ASSETS differ");
    }

    #[test]
    fn a_foreign_host_is_refused_on_loopback() {
        let site = Site {
            config: "{}".into(),
            hosts: Some(rpc_server::loopback_hosts(9955)),
        };
        let get = |host: &str, path: &str| {
            let request = Request::get(path)
                .header(header::HOST, host)
                .body(())
                .unwrap();
            site.answer(&request).status()
        };
        assert_eq!(get("127.0.0.1:9955", "/"), StatusCode::OK);
        assert_eq!(get("localhost:9955", "/js/app.js"), StatusCode::OK);
        assert_eq!(get("evil.example:9955", "/"), StatusCode::FORBIDDEN);
        assert_eq!(
            get("127.0.0.1:9955", "/../Cargo.toml"),
            StatusCode::NOT_FOUND
        );
        let post = Request::post("/")
            .header(header::HOST, "127.0.0.1:9955")
            .body(())
            .unwrap();
        assert_eq!(site.answer(&post).status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
