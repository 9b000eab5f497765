//! `awsauth serve` and the server behind `awsauth exec`: a data source's session served on
//! loopback over the container credentials protocol (what `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! and `AWS_CONTAINER_AUTHORIZATION_TOKEN` point every AWS SDK and the AWS CLI at).
//!
//! Security is the design: the listener binds to loopback only; the token is 256 bits from the
//! OS, fresh for every start, and compared in constant time (SHA-256 of both sides, so even the
//! length is not timed); a wrong or missing token is `401` with an empty body; only `GET` on
//! the one path answers, with no query — nothing a request says can choose the profile or the
//! role, the flags did; request bodies and headers over 8 KiB are refused; at most
//! `--max-connections` connections are served at once (more wait in the accept queue), each for
//! at most a minute; every request is logged (peer, method, path, status), never a header.
//! One cached session serves every client: N clients, one upstream call per refresh.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use awsauth::{Context, CredentialSource, CredentialSourceExt, Credentials, SecretString, timefmt};
use bytes::Bytes;
use http::header::{
    ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue, TRANSFER_ENCODING,
};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::Done;
use crate::args::{ListenArgs, ServeArgs, ServeFormat, SourceArgs};
use crate::error::{CliError, Kind};
use crate::input::Input;

/// The one path that answers.
pub(crate) const CREDENTIALS_PATH: &str = "/v1/credentials";
/// Request heads larger than this are refused (hyper answers 431).
const MAX_HEADER_BYTES: usize = 8 * 1024;
const MAX_HEADERS: usize = 32;
/// A client that has not sent its request head by then is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// No connection holds one of the bounded slots longer than this.
const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
/// Credentials without an expiry (a session token from the environment) are announced as
/// valid for this long, so clients come back and get whatever is current then.
const ANNOUNCED_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The bearer token: 256 random bits from the OS, as 64 hex digits. Only its SHA-256 is kept
/// for comparison.
pub(crate) struct Token {
    value: SecretString,
    digest: [u8; 32],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(** redacted **)")
    }
}

impl Token {
    /// A fresh token.
    pub(crate) fn generate() -> Result<Self, CliError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            CliError::new(
                Kind::ProviderFailed,
                format!("no randomness from the OS for the token: {e}"),
            )
        })?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        bytes.fill(0);
        Ok(Self::from_value(hex))
    }

    fn from_value(value: String) -> Self {
        let digest = Sha256::digest(value.as_bytes()).into();
        Self {
            value: SecretString::from(value),
            digest,
        }
    }

    /// The token, for the client's environment or token file.
    pub(crate) fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// Whether `presented` is the token, in time independent of where they differ (and of
    /// the presented length: both sides are hashed first).
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented).into();
        self.digest.ct_eq(&presented).into()
    }
}

/// `--bind`: an IP literal (or `localhost`) with a port, which must be loopback.
pub(crate) fn parse_bind(value: &str) -> Result<SocketAddr, CliError> {
    let refused = || {
        CliError::usage(format!(
            "refusing to listen on {value:?}: the credentials endpoint binds to a loopback \
             address only (127.0.0.1:PORT or [::1]:PORT)"
        ))
    };
    let addr = match value.strip_prefix("localhost:") {
        Some(port) => SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            port.parse().map_err(|_| refused())?,
        ),
        None => value.parse::<SocketAddr>().map_err(|_| refused())?,
    };
    if !addr.ip().is_loopback() {
        return Err(refused());
    }
    Ok(addr)
}

/// The session to serve, resolved once so a broken configuration fails at start rather than
/// in every client.
pub(crate) async fn prepare(
    args: &SourceArgs,
    cx: &Context,
) -> Result<(Arc<dyn CredentialSource>, Option<String>), CliError> {
    let input = Input::gather(args, cx)?;
    let session = input.session()?;
    let region = crate::resolve::region(&session, &input.settings, cx);
    let creds = session.resolve(cx).await?;
    if creds.session_token().is_none() {
        return Err(CliError::invalid(format!(
            "the credentials from {} are long-term keys, and the container credentials protocol \
             carries temporary credentials only (every SDK requires a Token); add \
             --assume-role-arn, or serve a profile that assumes a role",
            creds.provenance()
        )));
    }
    Ok((session.source(), region))
}

/// A running server. Dropping it stops accepting; [`shutdown`](Self::shutdown) also ends the
/// open connections.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl Running {
    /// `http://<addr>/v1/credentials`.
    pub(crate) fn full_uri(&self) -> String {
        format!("http://{}{CREDENTIALS_PATH}", self.addr)
    }

    pub(crate) fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Shared {
    source: Arc<dyn CredentialSource>,
    cx: Context,
    token: Token,
    port: u16,
}

/// Binds `addr` (loopback only) and serves `source` to holders of `token`.
pub(crate) async fn start(
    addr: SocketAddr,
    source: Arc<dyn CredentialSource>,
    cx: Context,
    token: Token,
    listen: &ListenArgs,
) -> Result<Running, CliError> {
    if !addr.ip().is_loopback() {
        return Err(parse_bind(&addr.to_string()).err().unwrap_or_else(|| {
            CliError::usage("the credentials endpoint binds to a loopback address only")
        }));
    }
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        CliError::new(
            Kind::ProviderFailed,
            format!("cannot listen on {addr}: {e}"),
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new(Kind::ProviderFailed, e.to_string()))?;
    let (stop, stopped) = watch::channel(false);
    let shared = Arc::new(Shared {
        source,
        cx,
        token,
        port: addr.port(),
    });
    let slots = Arc::new(Semaphore::new(listen.max_connections as usize));
    tokio::spawn(accept_loop(listener, shared, slots, stopped));
    tracing::info!(%addr, "serving container credentials");
    Ok(Running { addr, stop })
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        // A slot first: beyond the bound, clients wait in the kernel's accept queue.
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit,
            _ = stopped.changed() => return,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(handle(&shared, peer, request).await) }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .max_header_size(MAX_HEADER_BYTES)
                .max_headers(MAX_HEADERS)
                .max_buf_size(MAX_HEADER_BYTES.max(8192));
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = tokio::time::sleep(MAX_CONNECTION_LIFETIME) => {}
                _ = stopped.changed() => {}
            }
            drop(permit);
        });
    }
}

type Reply = Response<Full<Bytes>>;

fn empty(status: StatusCode) -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// The path to log: the request's own if it is short and printable, else a placeholder.
fn shown_path(request: &Request<Incoming>) -> &str {
    let path = request.uri().path();
    if path.len() <= 64 && path.bytes().all(|b| b.is_ascii_graphic()) {
        path
    } else {
        "(other)"
    }
}

async fn handle(shared: &Shared, peer: SocketAddr, request: Request<Incoming>) -> Reply {
    let started = std::time::Instant::now();
    let response = answer(shared, &request).await;
    tracing::info!(
        %peer,
        method = %request.method(),
        path = shown_path(&request),
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "credentials request"
    );
    response
}

/// Whether the Host header names this loopback listener (a DNS-rebound name does not).
fn host_is_loopback(value: Option<&HeaderValue>, port: u16) -> bool {
    let Some(host) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (name, given_port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inside, "")) => (inside, None),
            Some((inside, after)) => match after.strip_prefix(':') {
                Some(p) => (inside, Some(p)),
                None => return false,
            },
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, p)) => (name, Some(p)),
            None => (host, None),
        },
    };
    if given_port.is_some_and(|p| p.parse::<u16>() != Ok(port)) {
        return false;
    }
    awsauth::is_loopback_host(name)
}

async fn answer(shared: &Shared, request: &Request<Incoming>) -> Reply {
    let uri = request.uri();
    // Exactly the one path: no query, no absolute form, no variant of it.
    let exact = uri.scheme().is_none()
        && uri.authority().is_none()
        && uri.path_and_query().map(|p| p.as_str()) == Some(CREDENTIALS_PATH);
    if !exact {
        return empty(StatusCode::NOT_FOUND);
    }
    if request.method() != Method::GET {
        let mut response = empty(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    let headers = request.headers();
    let has_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if has_body || !host_is_loopback(headers.get(HOST), shared.port) {
        return empty(StatusCode::BAD_REQUEST);
    }
    let mut presented = headers.get_all(AUTHORIZATION).iter();
    let authorized = match (presented.next(), presented.next()) {
        (Some(value), None) => shared.token.matches(value.as_bytes()),
        _ => false,
    };
    if !authorized {
        return empty(StatusCode::UNAUTHORIZED);
    }
    match shared.source.resolve(&shared.cx).await {
        Ok(creds) => credentials_response(&creds, &shared.cx),
        Err(err) => {
            tracing::warn!(error = %err, "cannot serve credentials");
            // The client holds the token: it may know why (the message never holds a secret).
            let body = json!({"Code": "CredentialsUnavailable", "Message": err.to_string()});
            json_response(StatusCode::BAD_GATEWAY, &body)
        }
    }
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The container credentials document: `AccessKeyId`, `SecretAccessKey`, `Token`,
/// `Expiration`, and `AccountId` when known.
fn credentials_response(creds: &Credentials, cx: &Context) -> Reply {
    let Some(token) = creds.session_token() else {
        let body = json!({"Code": "CredentialsUnavailable",
            "Message": "long-term keys cannot be served over the container credentials protocol"});
        return json_response(StatusCode::BAD_GATEWAY, &body);
    };
    let expiry = creds
        .expiry()
        .unwrap_or_else(|| timefmt::add(cx.now(), ANNOUNCED_LIFETIME));
    let mut body = json!({
        "AccessKeyId": creds.access_key_id(),
        "SecretAccessKey": creds.secret_access_key(),
        "Token": token,
        "Expiration": timefmt::rfc3339(expiry),
    });
    if let Some(account) = creds.account_id() {
        body["AccountId"] = json!(account);
    }
    json_response(StatusCode::OK, &body)
}

/// POSIX single quotes.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// `awsauth serve`: prints how to reach the server, then serves until SIGINT / SIGTERM.
pub(crate) async fn serve_command(args: &ServeArgs, cx: &Context) -> Result<Done, CliError> {
    let addr = parse_bind(&args.bind)?;
    let (source, _region) = prepare(&args.source, cx).await?;
    let token = Token::generate()?;
    if let Some(path) = &args.token_file {
        cx.fs()
            .write_atomic(path, token.expose().as_bytes(), 0o600)
            .map_err(|e| {
                CliError::invalid(format!(
                    "cannot write the token file {}: {e}",
                    path.display()
                ))
            })?;
    }
    let token_line = match &args.token_file {
        Some(path) => (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            path.display().to_string(),
        ),
        None => (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            token.expose().to_owned(),
        ),
    };
    let running = start(addr, source, cx.clone(), token, &args.listen).await?;
    let stop = StopSignals::listen();
    let full_uri = running.full_uri();
    let announcement = match args.format {
        ServeFormat::Env => format!(
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}\nexport {}={}\n",
            quote(&full_uri),
            token_line.0,
            quote(&token_line.1)
        ),
        ServeFormat::Json => {
            let mut value = json!({"full_uri": full_uri});
            let key = if args.token_file.is_some() {
                "token_file"
            } else {
                "token"
            };
            value[key] = json!(token_line.1);
            format!("{value}\n")
        }
    };
    crate::print(&announcement);
    drop(token_line);
    stop.recv().await;
    running.shutdown();
    if let Some(path) = &args.token_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(Done::from(String::new()))
}

/// The signals that stop `serve`, listened for from its creation on: registered before the
/// announcement is printed, so a client that reads it and sends SIGTERM at once is heard.
struct StopSignals {
    #[cfg(unix)]
    streams: Vec<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = [
                SignalKind::interrupt(),
                SignalKind::terminate(),
                SignalKind::hangup(),
            ]
            .into_iter()
            .filter_map(|k| signal(k).ok())
            .collect();
            Self { streams }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves at the first of the signals (Ctrl-C where there are no Unix signals).
    async fn recv(mut self) {
        #[cfg(unix)]
        {
            if self.streams.is_empty() {
                std::future::pending::<()>().await;
            }
            std::future::poll_fn(|cx| {
                for stream in &mut self.streams {
                    if stream.poll_recv(cx).is_ready() {
                        return std::task::Poll::Ready(());
                    }
                }
                std::task::Poll::Pending
            })
            .await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert_eq!(
            parse_bind("127.0.0.1:0").unwrap(),
            "127.0.0.1:0".parse().unwrap()
        );
        assert!(parse_bind("[::1]:9911").is_ok());
        assert!(parse_bind("localhost:9911").is_ok());
        assert!(
            parse_bind("127.8.9.10:80").is_ok(),
            "all of 127/8 is loopback"
        );
        for refused in [
            "0.0.0.0:9911",
            "[::]:9911",
            "192.168.1.10:9911",
            "169.254.170.2:80",
            "example.com:80",
            "127.0.0.1",
            "",
        ] {
            let err = parse_bind(refused).unwrap_err();
            assert_eq!(err.kind, Kind::Usage, "{refused}");
            assert!(err.message.contains("loopback"), "{err}");
        }
    }

    /// The comparison hashes both sides and compares the digests with `subtle`'s
    /// constant-time equality: no early exit at the first differing byte, and no length
    /// check to time.
    #[test]
    fn the_token_is_compared_by_constant_time_digest_equality() {
        let token = Token::from_value("a".repeat(64));
        assert!(token.matches("a".repeat(64).as_bytes()));
        for wrong in [
            "b".repeat(64),
            "a".repeat(63),
            "a".repeat(65),
            format!("{}b", "a".repeat(63)),
            String::new(),
            format!("Bearer {}", "a".repeat(64)),
        ] {
            assert!(!token.matches(wrong.as_bytes()), "{wrong}");
        }
        assert_eq!(format!("{token:?}"), "Token(** redacted **)");
    }

    #[test]
    fn tokens_are_fresh_256_bit_hex() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn the_host_header_must_name_loopback() {
        let ok = |h: &str| host_is_loopback(Some(&HeaderValue::from_str(h).unwrap()), 8080);
        assert!(ok("127.0.0.1:8080"));
        assert!(ok("localhost:8080"));
        assert!(ok("127.0.0.1"));
        assert!(ok("[::1]:8080"));
        assert!(!ok("127.0.0.1:9090"));
        assert!(!ok("evil.example:8080"));
        assert!(!ok("169.254.170.2"));
        assert!(!host_is_loopback(None, 8080));
    }
}
