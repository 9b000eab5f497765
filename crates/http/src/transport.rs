//! [`Transport`] (one attempt) and the hyper + rustls implementation.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use awsauth_core::async_trait;
use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tower_service::Service;

use crate::message::endpoint_of;
use crate::{HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpSettings, ProxyConfig};

/// Sends one attempt of a request and reads the whole response body, refusing bodies larger
/// than `settings.max_body_bytes`. Time-outs and retries are the [`HttpClient`](crate::HttpClient)'s
/// job; a transport only has to honour the connect time-out.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// One attempt.
    async fn send(
        &self,
        request: HttpRequest,
        settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError>;
}

type HyperClient = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// The default transport: hyper 1 over TCP, rustls (ring) with the Mozilla roots plus the
/// platform's, HTTP/1.1, pooled connections.
///
/// One client (one connection pool) per (connect time-out, proxy) pair **per thread** is built
/// on first use and reused. A pooled connection is driven by a task of the runtime that opened
/// it, so a pool shared by two runtimes can hand one of them a connection that is dead (that
/// runtime was dropped) or never driven (that runtime is idle) — a test per runtime, or a
/// current-thread runtime used now and then beside the server's. A thread serves one runtime
/// at a time (a worker thread belongs to its runtime for life), so per-thread pools never mix
/// runtimes.
pub struct HyperTransport {
    proxy: Option<ProxyConfig>,
    tls: Arc<rustls::ClientConfig>,
    /// Names this transport's clients in each thread's cache; they are dropped from a cache
    /// once the transport is gone.
    owner: Arc<()>,
    /// Idle connections kept per host in each pool.
    idle_per_host: usize,
}

/// One thread's clients, of every [`HyperTransport`].
struct CachedClient {
    owner: Weak<()>,
    connect_timeout: Duration,
    proxied: bool,
    client: HyperClient,
}

thread_local! {
    static CLIENTS: RefCell<Vec<CachedClient>> = const { RefCell::new(Vec::new()) };
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A transport that uses `proxy` for requests that allow one.
    pub fn new(proxy: Option<ProxyConfig>) -> Self {
        Self {
            proxy,
            tls: Arc::new(tls_config()),
            owner: Arc::new(()),
            idle_per_host: Self::DEFAULT_IDLE_PER_HOST,
        }
    }

    /// Idle connections a pool keeps per host unless told otherwise.
    pub const DEFAULT_IDLE_PER_HOST: usize = 8;

    /// How many idle connections each pool keeps per host ([`Self::DEFAULT_IDLE_PER_HOST`] by
    /// default); 0 closes every connection after its request. Credential calls are minutes
    /// apart, so a server holding many endpoints may trade the reuse for memory; a memory
    /// measurement uses 0 so pools filling and draining do not blur it.
    ///
    /// ```
    /// let transport = awsauth_http::HyperTransport::new(None).idle_connections_per_host(0);
    /// # let _ = transport;
    /// ```
    pub fn idle_connections_per_host(mut self, connections: usize) -> Self {
        self.idle_per_host = connections;
        self
    }

    /// This thread's client for these settings (see the type's documentation).
    fn client(&self, connect_timeout: Duration, proxied: bool) -> HyperClient {
        let mine = Arc::as_ptr(&self.owner);
        let cached = CLIENTS.try_with(|clients| {
            let mut clients = clients.borrow_mut();
            clients.retain(|c| c.owner.strong_count() > 0);
            if let Some(c) = clients.iter().find(|c| {
                std::ptr::eq(c.owner.as_ptr(), mine)
                    && c.connect_timeout == connect_timeout
                    && c.proxied == proxied
            }) {
                return c.client.clone();
            }
            let client = self.build_client(connect_timeout, proxied);
            clients.push(CachedClient {
                owner: Arc::downgrade(&self.owner),
                connect_timeout,
                proxied,
                client: client.clone(),
            });
            client
        });
        // The thread is being torn down: a client of its own, unpooled in effect.
        cached.unwrap_or_else(|_| self.build_client(connect_timeout, proxied))
    }

    fn build_client(&self, connect_timeout: Duration, proxied: bool) -> HyperClient {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        // The way to the proxy itself: TLS for an `https://` proxy URL (its password, in the
        // CONNECT request, never crosses the network in clear), plain TCP for `http://`.
        let to_proxy = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*self.tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http.clone());
        let connector = ProxyConnector {
            http,
            to_proxy,
            proxy: if proxied { self.proxy.clone() } else { None },
        };
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*self.tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(self.idle_per_host)
            .build(https)
    }
}

fn tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        // Not input-dependent: ring supports rustls' default protocol versions in every release.
        .expect("the ring provider supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

#[async_trait]
impl Transport for HyperTransport {
    async fn send(
        &self,
        request: HttpRequest,
        settings: &HttpSettings,
    ) -> Result<HttpResponse, HttpError> {
        let endpoint = request.endpoint();
        let proxied = request.allow_proxy && self.proxy.is_some();
        let client = self.client(settings.connect_timeout, proxied);
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(request.uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = request.headers;
        }
        let hyper_request = builder
            .body(Full::new(request.body))
            .map_err(|e| HttpError::new(HttpErrorKind::InvalidRequest, &endpoint, e.to_string()))?;
        let response = client.request(hyper_request).await.map_err(|e| {
            let kind = if e.is_connect() {
                HttpErrorKind::Connect
            } else {
                HttpErrorKind::Io
            };
            HttpError::new(kind, &endpoint, describe_chain(&e))
        })?;
        let (parts, body) = response.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > settings.max_body_bytes as u64) {
            return Err(too_large(&endpoint, settings));
        }
        let body = Limited::new(body, settings.max_body_bytes)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    too_large(&endpoint, settings)
                } else {
                    HttpError::new(
                        HttpErrorKind::Io,
                        &endpoint,
                        format!("reading the body: {}", describe_chain(&*e)),
                    )
                }
            })?
            .to_bytes();
        Ok(HttpResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

fn too_large(endpoint: &str, settings: &HttpSettings) -> HttpError {
    HttpError::new(
        HttpErrorKind::BodyTooLarge,
        endpoint,
        format!(
            "the response body exceeds {} bytes",
            settings.max_body_bytes
        ),
    )
}

/// The error and its causes, joined: hyper's top-level messages ("client error (Connect)") say
/// little without them.
fn describe_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = inner.source();
    }
    text
}

/// Connects directly, or through an HTTP CONNECT tunnel when the proxy policy says so — over
/// TLS to the proxy when its URL is `https://`.
#[derive(Clone)]
struct ProxyConnector {
    http: HttpConnector,
    to_proxy: HttpsConnector<HttpConnector>,
    proxy: Option<ProxyConfig>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Stream = MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;
type ConnectFuture = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

impl Service<Uri> for ProxyConnector {
    type Response = Stream;
    type Error = BoxError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let via = self.proxy.as_ref().and_then(|p| p.proxy_for(&destination));
        let mut http = self.http.clone();
        let to_proxy = self.to_proxy.clone();
        Box::pin(async move {
            match via {
                None => http
                    .call(destination)
                    .await
                    .map(MaybeHttpsStream::Http)
                    .map_err(Into::into),
                Some((proxy, auth)) => {
                    tracing::debug!(destination = %endpoint_of(&destination), proxy = %endpoint_of(&proxy), tls = proxy.scheme_str() == Some("https"), "connecting through proxy");
                    let mut tunnel = Tunnel::new(proxy, to_proxy);
                    if let Some(auth) = auth {
                        tunnel = tunnel.with_auth(auth);
                    }
                    tunnel.call(destination).await.map_err(Into::into)
                }
            }
        })
    }
}

impl fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConnector")
            .field("proxy", &self.proxy)
            .finish()
    }
}
