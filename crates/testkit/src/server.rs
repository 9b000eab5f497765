//! The shared server harness: a hyper HTTP/1 server on an ephemeral loopback port that hands
//! each request, body read, to a handler, and applies queued faults first.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::body::FakeBody;
use crate::fault::{Fault, FaultQueue};

/// A request as the handlers see it: head and the whole body.
pub(crate) struct FakeRequest {
    pub(crate) head: http::request::Parts,
    pub(crate) body: Bytes,
}

/// What a handler answers.
pub(crate) type FakeResponse = Response<FakeBody>;

/// The running server: its address and the switch that stops it.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts a server; `handle` answers every request that no fault intercepts.
pub(crate) async fn start<H, F>(faults: Arc<FaultQueue>, handle: H) -> std::io::Result<Running>
where
    H: Fn(FakeRequest) -> F + Send + Sync + 'static,
    F: Future<Output = FakeResponse> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped.changed() => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let handle = Arc::clone(&handle);
            let faults = Arc::clone(&faults);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let handle = Arc::clone(&handle);
                    let faults = Arc::clone(&faults);
                    async move {
                        Ok::<_, std::convert::Infallible>(serve(request, &faults, &*handle).await)
                    }
                });
                // The fakes write their own Date header (their clock may be offset).
                let connection = hyper::server::conn::http1::Builder::new()
                    .auto_date_header(false)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = connection => {}
                    _ = stopped.changed() => {}
                }
            });
        }
    });
    Ok(Running { addr, stop })
}

async fn serve<H, F>(request: Request<Incoming>, faults: &FaultQueue, handle: &H) -> FakeResponse
where
    H: Fn(FakeRequest) -> F,
    F: Future<Output = FakeResponse>,
{
    let (head, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let request = FakeRequest { head, body };
    let mut response = answer(request, faults, handle).await;
    match faults.date_header() {
        Some(date) => {
            response.headers_mut().insert(http::header::DATE, date);
        }
        None => {
            response.headers_mut().remove(http::header::DATE);
        }
    }
    response
}

/// The fakes' clock: the system clock `ahead`.
pub(crate) fn fake_now(ahead: std::time::Duration) -> std::time::SystemTime {
    std::time::SystemTime::now() + ahead
}

async fn answer<H, F>(request: FakeRequest, faults: &FaultQueue, handle: &H) -> FakeResponse
where
    H: Fn(FakeRequest) -> F,
    F: Future<Output = FakeResponse>,
{
    match faults.next() {
        None => handle(request).await,
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            handle(request).await
        }
        Some(Fault::BlackHole) => std::future::pending().await,
        Some(Fault::Status(status)) => status_only(status),
        Some(Fault::StsError { code, status }) => {
            xml_error(status, &code, "injected by awsauth-testkit")
        }
        Some(Fault::JsonError { code, status }) => {
            json_error(status, &code, None, "injected by awsauth-testkit")
        }
        Some(Fault::ResetMidBody) => {
            let mut response = Response::new(FakeBody::PartThenError(Some(Bytes::from_static(
                b"{\"Code\":",
            ))));
            response.headers_mut().insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from_static("512"),
            );
            response
        }
        Some(Fault::Truncated) => {
            // Declares more than it sends; hyper ends the connection when the body ends early.
            let mut response = Response::new(FakeBody::PartThenError(Some(Bytes::from_static(
                b"<AssumeRoleResponse><Assu",
            ))));
            response.headers_mut().insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from_static("4096"),
            );
            response
        }
        Some(Fault::Oversized(len)) => Response::new(FakeBody::full(vec![b'x'; len])),
        Some(Fault::Malformed) => Response::new(FakeBody::full("<<<{{{ not json, not xml")),
    }
}

/// A response with only a status.
pub(crate) fn status_only(status: u16) -> FakeResponse {
    let mut response = Response::new(FakeBody::empty());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// A response with a status and a body.
pub(crate) fn with_body(
    status: u16,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> FakeResponse {
    let mut response = Response::new(FakeBody::full(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

/// An STS query-protocol error document.
pub(crate) fn xml_error(status: u16, code: &str, message: &str) -> FakeResponse {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(code),
        xml_escape(message),
        request_id()
    );
    with_body(status, "text/xml", body)
}

/// A rest-json error: `x-amzn-ErrorType: <code>`, and a body with `message` (and the OAuth
/// `error` / `error_description` pair when `oauth` is given, as SSO OIDC answers).
pub(crate) fn json_error(
    status: u16,
    code: &str,
    oauth: Option<&str>,
    message: &str,
) -> FakeResponse {
    let body = match oauth {
        Some(error) => serde_json::json!({
            "error": error,
            "error_description": message,
            "message": message,
        }),
        None => serde_json::json!({ "message": message }),
    };
    let mut response = with_body(status, "application/json", body.to_string());
    if let Ok(value) = http::HeaderValue::from_str(code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// Escapes text for an XML element.
pub(crate) fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A random request id.
pub(crate) fn request_id() -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u16(..0xfff),
        fastrand::u16(..0xfff),
        fastrand::u64(..0xffff_ffff_ffff)
    )
}
