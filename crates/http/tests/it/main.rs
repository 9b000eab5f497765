//! The HTTP plumbing against real loopback servers.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use awsauth_core::{Context, SystemClock};
use awsauth_http::{
    HttpClient, HttpErrorKind, HttpRequest, HttpSettings, Method, Retry, default_classifier,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Real time (servers really are slow), no env: tests never depend on the caller's proxy vars.
fn cx() -> Context {
    Context::builder()
        .clock(Arc::new(SystemClock))
        .http(HttpClient::hyper())
        .build()
}

fn fast() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_millis(500),
        attempt_timeout: Duration::from_millis(300),
        total_timeout: Duration::from_secs(5),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_body_bytes: 1024,
    }
}

fn get(uri: &str) -> HttpRequest {
    HttpRequest::new(Method::GET, uri.parse().unwrap())
}

#[tokio::test]
async fn reads_status_headers_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/hello"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-a", "1")
                .set_body_string("hi"),
        )
        .mount(&server)
        .await;
    let client = HttpClient::hyper();
    let response = client
        .send(
            &cx(),
            get(&format!("{}/hello", server.uri())),
            &fast(),
            default_classifier,
        )
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.header_str("x-a"), Some("1"));
    assert_eq!(response.text(), Some("hi"));
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let response = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &fast(), default_classifier)
        .await
        .unwrap();
    assert_eq!(response.text(), Some("ok"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_outcome_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let response = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &fast(), default_classifier)
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 503);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_caller_decides_what_is_final() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let response = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &fast(), |_: &_| Retry::No)
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 500);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_slow_server_is_cut_by_the_attempt_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .mount(&server)
        .await;
    let settings = HttpSettings {
        max_attempts: 2,
        ..fast()
    };
    let started = Instant::now();
    let err = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &settings, default_classifier)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::AttemptTimeout, "{err}");
    assert!(err.to_string().contains(&server.uri()), "{err}");
    // Hang guard, not a timing goal: 120 s of server delay must not be waited out (the two
    // attempts take about a second; the bound is generous for a loaded 2-core machine).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_total_timeout_bounds_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let settings = HttpSettings {
        attempt_timeout: Duration::from_secs(20),
        total_timeout: Duration::from_millis(200),
        ..fast()
    };
    let err = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &settings, default_classifier)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::TotalTimeout, "{err}");
}

#[tokio::test]
async fn refused_connections_are_unreachable() {
    // Bind then drop: the port is (very likely) closed now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let settings = HttpSettings {
        max_attempts: 1,
        ..fast()
    };
    let err = HttpClient::hyper()
        .send(
            &cx(),
            get(&format!("http://127.0.0.1:{port}/x?secret=1")),
            &settings,
            default_classifier,
        )
        .await
        .unwrap_err();
    assert!(err.is_unreachable(), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("http://127.0.0.1:{port}/x"))
            && !err.to_string().contains("secret=1"),
        "{err}"
    );
}

#[tokio::test]
async fn declared_oversized_bodies_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(1025)))
        .mount(&server)
        .await;
    let err = HttpClient::hyper()
        .send(&cx(), get(&server.uri()), &fast(), default_classifier)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge, "{err}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "an oversized body is not retried"
    );
}

/// A server that streams a chunked body forever: the cap must stop reading, not wait for the end.
#[tokio::test]
async fn endless_chunked_bodies_stop_at_the_cap() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            .await;
        loop {
            if socket.write_all(b"100\r\n").await.is_err() {
                break;
            }
            if socket.write_all(&[b'a'; 256]).await.is_err() {
                break;
            }
            if socket.write_all(b"\r\n").await.is_err() {
                break;
            }
        }
    });
    let settings = HttpSettings {
        attempt_timeout: Duration::from_secs(20),
        ..fast()
    };
    let err = HttpClient::hyper()
        .send(
            &cx(),
            get(&format!("http://{addr}/")),
            &settings,
            default_classifier,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::BodyTooLarge, "{err}");
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_an_io_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
                .await;
            drop(socket);
        }
    });
    let settings = HttpSettings {
        max_attempts: 2,
        ..fast()
    };
    let err = HttpClient::hyper()
        .send(
            &cx(),
            get(&format!("http://{addr}/")),
            &settings,
            default_classifier,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Io, "{err}");
}

/// A listener whose accept queue is full drops new SYNs (Linux), so connecting hangs like it
/// does towards 169.254.169.254 off EC2. That must end as a connect failure ("nothing
/// there"), not an attempt time-out, even when both time-outs are equal.
#[tokio::test]
async fn a_connect_that_hangs_is_unreachable_not_an_attempt_timeout() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let _listener = socket.listen(1).unwrap();
    // Fill the accept queue; nobody ever accepts.
    let mut held = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            held.push(stream);
        }
    }
    let settings = HttpSettings {
        connect_timeout: Duration::from_millis(300),
        attempt_timeout: Duration::from_millis(300),
        max_attempts: 1,
        ..fast()
    };
    let err = HttpClient::new(awsauth_http::HyperTransport::new(None))
        .send(
            &cx(),
            get(&format!("http://{addr}/")),
            &settings,
            default_classifier,
        )
        .await
        .unwrap_err();
    assert!(err.is_unreachable(), "{err}");
}

/// A pooled connection is driven by a task of the runtime that opened it. When that runtime is
/// alive but idle (not being driven), another runtime on another thread must open its own
/// connection rather than send its request down one nobody drives.
#[test]
fn a_connection_pooled_by_an_idle_runtime_is_not_handed_to_another() {
    let current_thread = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let idle = current_thread();
    let server = idle.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&server)
            .await;
        server
    });
    let url = format!("{}/x", server.uri());
    let client = HttpClient::new(awsauth_http::HyperTransport::new(None));
    let first = idle
        .block_on(client.send_once(&cx(), get(&url), &fast()))
        .unwrap();
    assert_eq!(first.status.as_u16(), 200);
    // `idle` keeps its pooled connection and is not driven from here on.
    let second = std::thread::spawn({
        let (client, url) = (client.clone(), url.clone());
        move || current_thread().block_on(client.send_once(&cx(), get(&url), &fast()))
    })
    .join()
    .unwrap();
    let second = second.expect("the second runtime got a connection it can drive");
    assert_eq!(second.status.as_u16(), 200);
    drop(server);
    drop(idle);
}

/// A loopback "proxy" that records the first bytes of each connection and hangs up.
async fn recording_proxy() -> (u16, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                // Up to the end of a CONNECT request's headers, or whatever a TLS client
                // sends first (its ClientHello, which has no such end).
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 4096 {
                    match tokio::time::timeout(Duration::from_millis(300), socket.read(&mut buf))
                        .await
                    {
                        Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
                        _ => break,
                    }
                }
                let _ = tx.send(seen);
            });
        }
    });
    (port, rx)
}

fn proxied(uri: &str) -> HttpRequest {
    get(uri).allow_proxy(true)
}

#[tokio::test]
async fn an_https_proxy_is_spoken_to_over_tls_so_its_password_never_travels_in_clear() {
    let (port, mut seen) = recording_proxy().await;
    let proxy = awsauth_http::ProxyConfig::new(
        Some(format!("https://user:hunter2@127.0.0.1:{port}")),
        None,
        None,
        String::new(),
    );
    let client = HttpClient::new(awsauth_http::HyperTransport::new(Some(proxy)));
    let settings = HttpSettings {
        max_attempts: 1,
        ..fast()
    };
    let _ = client
        .send(
            &cx(),
            proxied("https://sts.us-east-1.amazonaws.com/"),
            &settings,
            default_classifier,
        )
        .await;
    let first = seen.recv().await.unwrap();
    // "user:hunter2" in Basic authentication.
    let basic = "dXNlcjpodW50ZXIy";
    let text = String::from_utf8_lossy(&first);
    assert!(
        !text.contains(basic) && !text.contains("hunter2") && !text.starts_with("CONNECT"),
        "the proxy saw in clear: {text:?}"
    );
    // A TLS record of type handshake (the ClientHello).
    assert_eq!(first.first(), Some(&0x16), "{text:?}");
}

#[tokio::test]
async fn shared_clients_are_keyed_by_the_proxy_password_too() {
    let (port, mut seen) = recording_proxy().await;
    let settings = HttpSettings {
        max_attempts: 1,
        ..fast()
    };
    for password in ["first-password", "second-password"] {
        let cx = Context::builder()
            .clock(Arc::new(SystemClock))
            .env(awsauth_core::MapEnv::from([(
                "HTTPS_PROXY",
                format!("http://user:{password}@127.0.0.1:{port}").as_str(),
            )]))
            .system_http()
            .build();
        let _ = HttpClient::send_in(
            &cx,
            proxied("https://sts.us-east-1.amazonaws.com/"),
            &settings,
            default_classifier,
        )
        .await;
        let connect = String::from_utf8_lossy(&seen.recv().await.unwrap()).into_owned();
        let expected = base64_of(&format!("user:{password}"));
        assert!(
            connect.contains(&expected),
            "the CONNECT for {password} carried another proxy's credentials: {connect:?}"
        );
    }
}

/// `Basic` credentials as a proxy sees them (base64 of `user:password`).
fn base64_of(user_password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = user_password.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
