//! Europa's JSON-RPC server: sc-cli's RPC flags (`--rpc-port`, `--rpc-external`,
//! `--rpc-methods`, `--rpc-cors`, size, connection and rate limits) served over
//! jsonrpsee as Substrate serves them, with two things a developer tool needs:
//!
//! - every connection sets `TCP_NODELAY`, so a subscription notification (a transaction
//!   "in block") leaves at once instead of waiting for the client's delayed ACK;
//! - a call over `--rpc-max-request-size` is answered with its own id and an error that
//!   names the limit and the flag (see [`request_limit`]), so a client's promise fails
//!   instead of waiting for a reply that never comes.

pub mod gate;
pub mod origin;
mod oversize;
mod request_limit;

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6},
    time::{Duration, Instant},
};

use jsonrpsee::{
    server::{
        middleware::{http::HostFilterLayer, rpc::RpcServiceBuilder},
        serve_with_graceful_shutdown, stop_channel, ws, PingConfig, RandomStringIdProvider,
        ServerHandle, StopHandle,
    },
    RpcModule,
};
use sc_rpc_server::{
    utils::deny_unsafe, Metrics, MiddlewareLayer, NodeHealthProxyLayer, RpcEndpoint, RpcMetrics,
};
use sc_service::config::RpcConfiguration;
use tower::Service;

use crate::rpc::in_block_reads::{ConnectionKey, InBlockReads, ReadLayer};
use tower_http::cors::{AllowOrigin, CorsLayer};

const MEBIBYTE: u32 = 1024 * 1024;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An address could not be bound.
    #[error("JSON-RPC server could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// Nothing could be bound (every address was optional and failed).
    #[error("JSON-RPC server could not listen on any address")]
    NoAddress,
}

/// A running server; dropping it stops it and its runtime.
pub struct RpcServer {
    handle: ServerHandle,
    runtime: Option<tokio::runtime::Runtime>,
    bound: Vec<SocketAddr>,
    stop_handle: StopHandle,
}

impl RpcServer {
    /// The addresses the server listens on.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.bound
    }

    /// The runtime the server runs on, for what serves beside it.
    pub fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.runtime
            .as_ref()
            .map(|runtime| runtime.handle().clone())
    }

    /// Resolves when the server stops, for what serves beside it to stop with it.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop_handle.clone()
    }
}

/// How long a stopping server waits for its tasks (calls, subscriptions) to end.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

impl Drop for RpcServer {
    fn drop(&mut self) {
        let _ = self.handle.stop();
        // Its tasks hold the client, and with it the database: they end here, not on
        // background threads the process may outlive them on (a `--tmp` directory is
        // removed at exit, and a database closing after that would write into it again).
        // A runtime cannot be shut down from within an async context: on a thread of its
        // own, waited for.
        if let Some(runtime) = self.runtime.take() {
            let stopped =
                std::thread::spawn(move || runtime.shutdown_timeout(SHUTDOWN_TIMEOUT)).join();
            if stopped.is_err() {
                log::warn!(target: "rpc", "the JSON-RPC server's runtime did not stop cleanly");
            }
        }
    }
}

/// The endpoints the flags ask for: `--rpc-external`/`--experimental-rpc-endpoint`
/// as given, otherwise the loopback interfaces on `--rpc-port` (IPv6 optional), moving
/// to a free port if that one is taken, as Substrate does.
pub fn endpoints(config: &RpcConfiguration) -> Vec<RpcEndpoint> {
    if let Some(endpoints) = &config.addr {
        return endpoints.clone();
    }
    let on = |listen_addr: SocketAddr, is_optional: bool| RpcEndpoint {
        listen_addr,
        batch_config: config.batch_config,
        max_connections: config.max_connections,
        max_payload_in_mb: config.max_request_size,
        max_payload_out_mb: config.max_response_size,
        max_subscriptions_per_connection: config.max_subs_per_conn,
        max_buffer_capacity_per_connection: config.message_buffer_capacity,
        rate_limit: config.rate_limit,
        rate_limit_trust_proxy_headers: config.rate_limit_trust_proxy_headers,
        rate_limit_whitelisted_ips: config.rate_limit_whitelisted_ips.clone(),
        cors: config.cors.clone(),
        rpc_methods: config.methods,
        is_optional,
        retry_random_port: true,
    };
    vec![
        on(
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, config.port)),
            false,
        ),
        on(
            SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, config.port, 0, 0)),
            true,
        ),
    ]
}

/// What every endpoint shares.
pub struct ServerConfig {
    pub endpoints: Vec<RpcEndpoint>,
    pub module: RpcModule<()>,
    pub metrics: Option<RpcMetrics>,
    /// Calls logged at debug level are cut to this many characters.
    pub request_logger_limit: u32,
    /// The runtime the server and its method calls run on, apart from the node's.
    pub runtime: tokio::runtime::Runtime,
    /// The Explorer's port, set once it listens: its page is an allowed origin.
    pub explorer_port: std::sync::Arc<std::sync::atomic::AtomicU16>,
    /// Which connections are reading the blocks their watched transactions are in.
    pub in_block_reads: std::sync::Arc<InBlockReads>,
}

/// Binds every endpoint and serves `module` on it; logs sc-rpc's `Running JSON-RPC
/// server: addr=…` line, which ink! e2e and other tools parse for the port.
pub fn start(config: ServerConfig) -> Result<RpcServer, StartError> {
    let ServerConfig {
        endpoints,
        module,
        metrics,
        request_logger_limit,
        runtime,
        explorer_port,
        in_block_reads,
    } = config;
    let rpc_handle = runtime.handle().clone();
    let (stop_handle, handle) = stop_channel();
    // Built first so that an early return shuts the runtime down without blocking.
    let mut server = RpcServer {
        handle,
        runtime: Some(runtime),
        bound: Vec::new(),
        stop_handle: stop_handle.clone(),
    };

    let module = with_rpc_methods(module);
    let metrics = metrics.map(|metrics| metrics.with_known_methods(module.method_names()));
    let methods: jsonrpsee::Methods = module.into();

    let mut bound = Vec::new();
    for endpoint in endpoints {
        let listener = match bind(&endpoint) {
            Ok(listener) => listener,
            Err(error) if endpoint.is_optional => {
                log::debug!(target: "rpc", "optional JSON-RPC address not bound: {error}");
                continue;
            }
            Err(error) => return Err(error),
        };
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: endpoint.listen_addr,
            source,
        })?;
        bound.push(local_addr);

        let origins = origin::OriginPolicy::new(endpoint.cors.as_deref(), explorer_port.clone());
        let http_middleware = tower::ServiceBuilder::new()
            .option_layer(host_filter(endpoint.cors.is_some(), local_addr))
            // `GET /health` and `/health/readiness` answer from `system_health`.
            .layer(NodeHealthProxyLayer)
            .layer(cors(&origins));
        let service_builder = jsonrpsee::server::Server::builder()
            .max_request_body_size(request_limit::transport_limit(endpoint.max_payload_in_mb))
            .max_response_body_size(endpoint.max_payload_out_mb.saturating_mul(MEBIBYTE))
            .max_connections(endpoint.max_connections)
            .max_subscriptions_per_connection(endpoint.max_subscriptions_per_connection)
            .enable_ws_ping(
                PingConfig::new()
                    .ping_interval(Duration::from_secs(30))
                    .inactive_limit(Duration::from_secs(60))
                    .max_failures(3),
            )
            .set_http_middleware(http_middleware)
            .set_message_buffer_capacity(endpoint.max_buffer_capacity_per_connection)
            .set_batch_request_config(endpoint.batch_config)
            .custom_tokio_runtime(rpc_handle.clone())
            .set_id_provider(RandomStringIdProvider::new(16))
            .to_service_builder();
        let deny_unsafe = deny_unsafe(&local_addr, &endpoint.rpc_methods);
        let request_limit = request_limit::RequestLimitLayer::new(endpoint.max_payload_in_mb);
        let oversize_reason = oversize::close_reason(endpoint.max_payload_in_mb);
        let gate = gate::GateLayer::new(matches!(deny_unsafe, sc_rpc_api::DenyUnsafe::Yes));
        let in_block_reads = in_block_reads.clone();

        let methods = methods.clone();
        let metrics = metrics.clone();
        let stop_handle = stop_handle.clone();
        let tokio_handle = rpc_handle.clone();
        rpc_handle.spawn(accept(
            listener,
            stop_handle.clone(),
            move |socket, remote| {
                let endpoint = endpoint.clone();
                let methods = methods.clone();
                let metrics = metrics.clone();
                let stop_handle = stop_handle.clone();
                let service_builder = service_builder.clone();
                let request_limit = request_limit.clone();
                let connection_closed = stop_handle.clone().shutdown();
                let tokio_handle2 = tokio_handle.clone();
                let origins = origins.clone();
                let in_block_reads = in_block_reads.clone();
                let connection = ConnectionKey::next();
                let upgrade_asked = oversize::UpgradeAsked::default();
                let socket =
                    oversize::OversizeClose::new(socket, upgrade_asked.clone(), &oversize_reason);
                let service =
                    tower::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
                        if let Some(refused) = refused_origin(&origins, &request) {
                            return futures::future::Either::Left(futures::future::ready(Ok(
                                refused,
                            )));
                        }
                        request.extensions_mut().insert(deny_unsafe);
                        request.extensions_mut().insert(connection);
                        let is_websocket = ws::is_upgrade_request(&request);
                        if is_websocket {
                            upgrade_asked.set();
                        }
                        let middleware = middleware(
                            &endpoint,
                            remote.ip(),
                            &request,
                            metrics.clone(),
                            if is_websocket { "ws" } else { "http" },
                        );
                        let rpc_middleware = RpcServiceBuilder::new()
                            .rpc_logger(request_logger_limit)
                            .layer(gate)
                            .layer(request_limit.clone())
                            .layer(ReadLayer::new(in_block_reads.clone()))
                            .option_layer(middleware.clone());
                        let mut service = service_builder
                            .clone()
                            .set_rpc_middleware(rpc_middleware)
                            .build(methods.clone(), stop_handle.clone());
                        let tokio_handle = tokio_handle2.clone();
                        let in_block_reads = in_block_reads.clone();
                        futures::future::Either::Right(async move {
                            if is_websocket {
                                let closed = service.on_session_closed();
                                tokio_handle.spawn(async move {
                                    let opened = Instant::now();
                                    if let Some(middleware) = &middleware {
                                        middleware.ws_connect();
                                    }
                                    closed.await;
                                    in_block_reads.connection_closed(connection);
                                    if let Some(middleware) = &middleware {
                                        middleware.ws_disconnect(opened);
                                    }
                                });
                            }
                            service.call(request).await
                        })
                    });
                tokio_handle.spawn(serve_with_graceful_shutdown(
                    socket,
                    service,
                    connection_closed,
                ));
            },
        ));
    }

    if bound.is_empty() {
        return Err(StartError::NoAddress);
    }
    log::info!(
        "Running JSON-RPC server: addr={}",
        listen_addrs_line(&bound)
    );
    server.bound = bound;
    Ok(server)
}

/// How long a new connection may take to send its first bytes before it is closed: a
/// socket that never sends a request must not hold a connection slot.
pub const FIRST_BYTES_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the accept loop pauses when accepting fails (e.g. out of file descriptors),
/// instead of retrying at once in a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts connections on `listener` until the server stops, with `TCP_NODELAY` set,
/// and hands each to `serve` once it has sent something (within
/// [`FIRST_BYTES_TIMEOUT`]).
pub async fn accept(
    listener: std::net::TcpListener,
    stop_handle: StopHandle,
    serve: impl Fn(tokio::net::TcpStream, SocketAddr) + Send + Sync + 'static,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(error) => {
            log::error!(target: "rpc", "JSON-RPC server cannot listen: {error}");
            return;
        }
    };
    let serve = std::sync::Arc::new(serve);
    loop {
        let (socket, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log::debug!(target: "rpc", "failed to accept a connection: {error}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = stop_handle.clone().shutdown() => return,
        };
        if let Err(error) = socket.set_nodelay(true) {
            log::debug!(target: "rpc", "TCP_NODELAY not set for {remote}: {error}");
        }
        let serve = serve.clone();
        tokio::spawn(async move {
            let mut first = [0u8; 1];
            match tokio::time::timeout(FIRST_BYTES_TIMEOUT, socket.peek(&mut first)).await {
                Ok(Ok(read)) if read > 0 => serve(socket, remote),
                _ => log::debug!(target: "rpc", "{remote} sent nothing: closed"),
            }
        });
    }
}

/// Binds a non-blocking listener, handed to the server's runtime once it runs there.
fn bind(endpoint: &RpcEndpoint) -> Result<std::net::TcpListener, StartError> {
    let addr = endpoint.listen_addr;
    listen(addr, endpoint.retry_random_port).map_err(|source| StartError::Bind { addr, source })
}

/// A non-blocking listener on `addr`, or with `retry_random_port` on a free port of the
/// same interface when `addr`'s is taken; for [`accept`], on a tokio runtime.
pub fn listen(addr: SocketAddr, retry_random_port: bool) -> std::io::Result<std::net::TcpListener> {
    let listener = match std::net::TcpListener::bind(addr) {
        Ok(listener) => Ok(listener),
        Err(_) if retry_random_port => {
            let mut any_port = addr;
            any_port.set_port(0);
            std::net::TcpListener::bind(any_port)
        }
        Err(error) => Err(error),
    };
    listener.and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
}

/// Rate limiting and metrics for one request, as sc-rpc-server applies them: a
/// whitelisted client (by its address, or by the proxy's headers when trusted) is not
/// rate limited.
fn middleware<B>(
    endpoint: &RpcEndpoint,
    peer: IpAddr,
    request: &http::Request<B>,
    metrics: Option<RpcMetrics>,
    transport: &'static str,
) -> Option<MiddlewareLayer> {
    let client = endpoint
        .rate_limit_trust_proxy_headers
        .then(|| proxied_client(request))
        .flatten()
        .unwrap_or(peer);
    let rate_limit = endpoint.rate_limit.filter(|_| {
        !endpoint
            .rate_limit_whitelisted_ips
            .iter()
            .any(|network| network.contains(client))
    });
    match (metrics, rate_limit) {
        (None, None) => None,
        (metrics, rate_limit) => {
            let mut layer = MiddlewareLayer::new();
            if let Some(metrics) = metrics {
                layer = layer.with_metrics(Metrics::new(metrics, transport));
            }
            if let Some(rate_limit) = rate_limit {
                layer = layer.with_rate_limit_per_minute(rate_limit);
            }
            Some(layer)
        }
    }
}

/// The client's address as a proxy reports it: `Forwarded`, then `X-Forwarded-For`,
/// then `X-Real-IP`.
fn proxied_client<B>(request: &http::Request<B>) -> Option<IpAddr> {
    use forwarded_header_value::ForwardedHeaderValue;
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    header("forwarded")
        .and_then(|value| ForwardedHeaderValue::from_forwarded(value).ok())
        .and_then(|value| value.remotest_forwarded_for_ip())
        .or_else(|| {
            header("x-forwarded-for")
                .and_then(|value| ForwardedHeaderValue::from_x_forwarded_for(value).ok())
                .and_then(|value| value.remotest_forwarded_for_ip())
        })
        .or_else(|| header("x-real-ip").and_then(|value| value.parse().ok()))
}

/// On a loopback interface, unless any origin is allowed (`--rpc-cors all`), only the
/// loopback names of the listening address are an allowed `Host`: a page whose own name
/// resolves to 127.0.0.1 (DNS rebinding) is refused. An external interface is reached
/// by whatever name the network gives it.
fn host_filter(origins_listed: bool, addr: SocketAddr) -> Option<HostFilterLayer> {
    if !origins_listed || !addr.ip().is_loopback() {
        return None;
    }
    HostFilterLayer::new(loopback_hosts(addr.port())).ok()
}

/// The `Host` values naming this machine's loopback interfaces on `port`.
pub fn loopback_hosts(port: u16) -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .map(|host| format!("{host}:{port}"))
        .collect()
}

/// CORS for the origins `origins` allows (browsers read HTTP answers only then).
fn cors(origins: &origin::OriginPolicy) -> CorsLayer {
    let origins = origins.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, request| {
            let host = request
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok());
            origin
                .to_str()
                .is_ok_and(|origin| origins.allows(origin, host))
        }))
        .allow_methods([http::Method::POST, http::Method::GET])
        .allow_headers(tower_http::cors::Any)
}

/// HTTP 403 with the reason, for a request (HTTP or a WebSocket upgrade) from a web
/// page whose origin is not allowed.
fn refused_origin<B>(
    origins: &origin::OriginPolicy,
    request: &http::Request<B>,
) -> Option<jsonrpsee::server::HttpResponse> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap_or("<not text>"))
    };
    let origin = header(http::header::ORIGIN)?;
    if origins.allows(origin, header(http::header::HOST)) {
        return None;
    }
    log::debug!(target: "rpc", "refused a request from origin {origin:?}");
    http::Response::builder()
        .status(http::StatusCode::FORBIDDEN)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(jsonrpsee::server::HttpBody::from(
            origin::OriginPolicy::refusal(origin),
        ))
        .ok()
}

/// Adds `rpc_methods`, which lists every method (itself included).
fn with_rpc_methods(mut module: RpcModule<()>) -> RpcModule<()> {
    let mut names: Vec<&str> = module.method_names().collect();
    names.push("rpc_methods");
    names.sort_unstable();
    let listing = serde_json::json!({ "methods": names });
    // Only fails if a module already registered `rpc_methods`, which none does.
    if let Err(error) = module.register_method("rpc_methods", move |_, _, _| listing.clone()) {
        log::warn!(target: "rpc", "rpc_methods not registered: {error}");
    }
    module
}

/// sc-rpc-server's format, kept because tools parse it: addresses joined by commas, and
/// a single address followed by one.
fn listen_addrs_line(addrs: &[SocketAddr]) -> String {
    let mut line = addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    if addrs.len() == 1 {
        line.push(',');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listen_line_keeps_substrates_format() {
        let v4: SocketAddr = "127.0.0.1:9944".parse().unwrap();
        let v6: SocketAddr = "[::1]:9944".parse().unwrap();
        assert_eq!(listen_addrs_line(&[v4]), "127.0.0.1:9944,");
        assert_eq!(listen_addrs_line(&[v4, v6]), "127.0.0.1:9944,[::1]:9944");
    }

    #[test]
    fn a_proxy_reports_the_client() {
        let request = |name: &str, value: &str| {
            http::Request::builder()
                .header(name, value)
                .body(())
                .unwrap()
        };
        let client: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(
            proxied_client(&request("forwarded", "for=10.1.2.3")),
            Some(client)
        );
        assert_eq!(
            proxied_client(&request("x-forwarded-for", "10.1.2.3, 10.0.0.1")),
            Some(client)
        );
        assert_eq!(
            proxied_client(&request("x-real-ip", "10.1.2.3")),
            Some(client)
        );
        assert_eq!(proxied_client(&request("x-real-ip", "nonsense")), None);
    }
}
