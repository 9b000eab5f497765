//! `awsauth serve`: the container credentials endpoint and each of its security rules, tested
//! over raw TCP so every byte of a hostile request is ours.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{EXTERNAL_ID, Fakes, KEY_ID, ROLE_ARN, SECRET, awsauth};

/// Temporary credentials in the environment: what the server must hand out, byte for byte.
pub(crate) const TEMP_KEY_ID: &str = "ASIATESTSERVE0000001";
pub(crate) const TEMP_SECRET: &str = "serve-test-secret-key-value";
pub(crate) const TEMP_TOKEN: &str = "serve-test-session-token-value";

pub(crate) const TEMP_ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", TEMP_KEY_ID),
    ("AWS_SECRET_ACCESS_KEY", TEMP_SECRET),
    ("AWS_SESSION_TOKEN", TEMP_TOKEN),
];

/// A running `awsauth serve`, killed when dropped.
pub(crate) struct Served {
    child: Child,
    /// Its stderr, drained by a thread (a full pipe would block the server's request log).
    stderr: Arc<Mutex<String>>,
    pub(crate) full_uri: String,
    pub(crate) token: String,
    pub(crate) addr: String,
}

impl Served {
    pub(crate) fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_awsauth"));
        command
            .arg("serve")
            .args(["--format", "json"])
            .args(args)
            .env_clear()
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let announced: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "serve did not announce itself ({e}): {line:?}\nstderr: {}",
                stderr.lock().unwrap()
            )
        });
        let full_uri = announced["full_uri"].as_str().unwrap().to_owned();
        let token = announced["token"].as_str().unwrap_or_default().to_owned();
        let addr = full_uri
            .trim_start_matches("http://")
            .trim_end_matches("/v1/credentials")
            .to_owned();
        Self {
            child,
            stderr,
            full_uri,
            token,
            addr,
        }
    }

    /// Sends `raw` and returns the whole response (the server closes after it, since every
    /// request here says `Connection: close`).
    pub(crate) fn raw(&self, raw: &[u8]) -> Response {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.write_all(raw).unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        Response::parse(&bytes)
    }

    /// `GET path` with the given Authorization header (if any) and extra header lines.
    pub(crate) fn get(&self, path: &str, authorization: Option<&str>, extra: &str) -> Response {
        let auth = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        self.raw(
            format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\n{auth}{extra}Connection: close\r\n\r\n",
                self.addr
            )
            .as_bytes(),
        )
    }

    /// The stderr so far (the process is stopped first).
    pub(crate) fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        // The drain thread sees the pipe close right after the exit.
        for _ in 0..50 {
            let text = self.stderr.lock().unwrap().clone();
            if text.contains("credentials request") || text.contains("error") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Response {
    fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Self {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
        }
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

#[test]
fn the_token_holder_gets_exactly_the_served_credentials() {
    let served = Served::start(&["--auth-type", "keys"], &TEMP_ENV);
    assert!(served.full_uri.starts_with("http://127.0.0.1:"));
    assert_eq!(served.token.len(), 64);
    let response = served.get("/v1/credentials", Some(&served.token), "");
    assert_eq!(response.status, 200, "{response:?}");
    let body = response.json();
    assert_eq!(body["AccessKeyId"], TEMP_KEY_ID);
    assert_eq!(body["SecretAccessKey"], TEMP_SECRET);
    assert_eq!(body["Token"], TEMP_TOKEN);
    assert!(
        body["Expiration"]
            .as_str()
            .is_some_and(|e| e.ends_with('Z'))
    );
    let stderr = served.stop();
    // Every request is logged, never its token or the credentials.
    assert!(
        stderr.contains("credentials request") && stderr.contains("status=200"),
        "{stderr}"
    );
    for secret in [TEMP_SECRET, TEMP_TOKEN] {
        assert!(!stderr.contains(secret), "{secret} in {stderr}");
    }
}

#[test]
fn a_missing_or_wrong_token_is_401_without_detail() {
    let served = Served::start(&["--auth-type", "keys"], &TEMP_ENV);
    // One character off: the last one changed (to a different one, whatever the token ends with).
    let last = if served.token.ends_with('0') {
        '1'
    } else {
        '0'
    };
    let almost = format!("{}{last}", &served.token[..63]);
    let cases = [
        None,
        Some(""),
        Some("wrong"),
        Some(almost.as_str()),
        Some(&served.token[..63]),
    ];
    for token in cases {
        let response = served.get("/v1/credentials", token, "");
        assert_eq!(response.status, 401, "{token:?}: {response:?}");
        assert!(response.body.is_empty(), "{response:?}");
        assert!(
            !response
                .head
                .to_ascii_lowercase()
                .contains("www-authenticate"),
            "{response:?}"
        );
    }
    let bearer = format!("Bearer {}", served.token);
    assert_eq!(served.get("/v1/credentials", Some(&bearer), "").status, 401);
    // Two Authorization headers, one of them right: refused.
    let twice = served.get(
        "/v1/credentials",
        Some("wrong"),
        &format!("Authorization: {}\r\n", served.token),
    );
    assert_eq!(twice.status, 401);
    let token = served.token.clone();
    let stderr = served.stop();
    assert!(stderr.contains("status=401"), "{stderr}");
    assert!(
        !stderr.contains(&token),
        "the token reached the log: {stderr}"
    );
}

#[test]
fn only_the_one_path_answers_even_with_the_token() {
    let served = Served::start(&["--auth-type", "keys"], &TEMP_ENV);
    let token = served.token.clone();
    for path in [
        "/",
        "/v1",
        "/v1/credentials/",
        "/v1/credentials?profile=admin",
        "/v1/credentials?role_arn=arn:aws:iam::999999999999:role/admin",
        "//v1/credentials",
        "/v1//credentials",
        "/v1/credentials/../credentials",
        "/v1/./credentials",
        "/V1/credentials",
        "/v1/%63redentials",
        "/v1/credentials%00",
        "/latest/meta-data/iam/security-credentials/",
        &format!("http://{}/v1/credentials", served.addr),
    ] {
        let response = served.get(path, Some(&token), "");
        assert_eq!(response.status, 404, "{path}: {response:?}");
        assert!(response.body.is_empty(), "{path}: {response:?}");
    }
}

#[test]
fn methods_bodies_foreign_hosts_and_oversized_headers_are_refused() {
    let served = Served::start(&["--auth-type", "keys"], &TEMP_ENV);
    let t = &served.token;
    let addr = &served.addr;
    for method in ["POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"] {
        let response = served.raw(
            format!(
                "{method} /v1/credentials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {t}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(response.status, 405, "{method}: {response:?}");
        assert!(response.head.contains("allow: GET"), "{response:?}");
    }
    let with_body = served.raw(
        format!(
            "GET /v1/credentials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {t}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
        )
        .as_bytes(),
    );
    assert_eq!(with_body.status, 400, "{with_body:?}");
    let chunked = served.raw(
        format!(
            "GET /v1/credentials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {t}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(chunked.status, 400, "{chunked:?}");
    // A page on a rebound DNS name reaches 127.0.0.1 with its own Host.
    let rebound = served.raw(
        format!(
            "GET /v1/credentials HTTP/1.1\r\nHost: evil.example:80\r\nAuthorization: {t}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(rebound.status, 400, "{rebound:?}");
    let big = format!("X-Padding: {}\r\n", "a".repeat(16 * 1024));
    let oversized = served.get("/v1/credentials", Some(t), &big);
    assert!(
        oversized.status == 431 || oversized.status == 0,
        "an oversized head is refused or the connection closed: {oversized:?}"
    );
    let many: String = (0..64).map(|i| format!("X-H{i}: v\r\n")).collect();
    let too_many = served.get("/v1/credentials", Some(t), &many);
    assert!(
        too_many.status == 431 || too_many.status == 0,
        "{too_many:?}"
    );
    // None of it disturbed the server.
    assert_eq!(served.get("/v1/credentials", Some(t), "").status, 200);
}

/// No request can choose what is served: headers that name another profile or role change
/// nothing; the flags decided at start.
#[test]
fn requests_cannot_choose_the_profile_or_role() {
    let served = Served::start(&["--auth-type", "keys"], &TEMP_ENV);
    let plain = served
        .get("/v1/credentials", Some(&served.token), "")
        .json();
    let steered = served
        .get(
            "/v1/credentials",
            Some(&served.token),
            "X-Amz-Role-Arn: arn:aws:iam::999999999999:role/admin\r\nX-Aws-Profile: admin\r\nAWS_PROFILE: admin\r\n",
        )
        .json();
    assert_eq!(plain, steered);
    assert_eq!(steered["AccessKeyId"], TEMP_KEY_ID);
}

#[test]
fn a_non_loopback_bind_is_refused() {
    for bind in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8080", "example.com:80"] {
        let run = awsauth(&["serve", "--auth-type", "keys", "--bind", bind], &TEMP_ENV);
        run.assert_code(2);
        assert!(run.stderr.contains("loopback"), "{bind}: {}", run.stderr);
    }
}

#[test]
fn long_term_keys_are_refused_at_start_with_the_way_out() {
    let run = awsauth(
        &["serve", "--auth-type", "keys"],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    run.assert_code(5).assert_no(&[SECRET]);
    assert!(run.stderr.contains("--assume-role-arn"), "{}", run.stderr);
    // Nothing configured at all: resolve's code.
    awsauth(&["serve"], &[("HOME", "/nonexistent")]).assert_code(3);
}

#[cfg(unix)]
#[test]
fn the_token_file_is_private_and_announced_instead_of_the_token() {
    use std::os::unix::fs::PermissionsExt;
    let home = crate::Home::new();
    let path = home.path().join("token");
    let served = Served::start(
        &[
            "--auth-type",
            "keys",
            "--token-file",
            path.to_str().unwrap(),
        ],
        &TEMP_ENV,
    );
    assert!(served.token.is_empty(), "the token is not printed");
    let token = std::fs::read_to_string(&path).unwrap();
    assert_eq!(token.len(), 64);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(served.get("/v1/credentials", Some(&token), "").status, 200);
    served.stop();
    assert!(!path.exists(), "removed when the server stops");
}

/// At most `--max-connections` connections are served at once; the next waits until one
/// closes, and is then answered.
#[test]
fn connections_beyond_the_bound_wait_for_a_free_slot() {
    let served = Served::start(
        &["--auth-type", "keys", "--max-connections", "2"],
        &TEMP_ENV,
    );
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(&served.addr).unwrap())
        .collect();
    let mut waiting = TcpStream::connect(&served.addr).unwrap();
    waiting
        .write_all(
            format!(
                "GET /v1/credentials HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
                served.addr, served.token
            )
            .as_bytes(),
        )
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut first = [0u8; 1];
    let early = waiting.read(&mut first);
    assert!(
        early.is_err(),
        "answered while both slots were taken: {early:?}"
    );
    drop(idle);
    waiting
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut bytes = Vec::new();
    waiting.read_to_end(&mut bytes).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}

/// 1,000 clients at once against an assumed-role session: every one gets the same
/// credentials, and STS was asked once.
#[test]
fn a_thousand_concurrent_clients_share_one_upstream_call() {
    let fakes = Fakes::start();
    let sts = fakes.sts.endpoint();
    let served = Served::start(
        &[
            "--auth-type",
            "keys",
            "--assume-role-arn",
            ROLE_ARN,
            "--external-id",
            EXTERNAL_ID,
            "--region",
            "us-east-1",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ],
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let request = format!(
        "GET /v1/credentials HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        served.addr, served.token
    );
    let addr = served.addr.clone();
    let bodies: Vec<String> = runtime.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tasks = Vec::new();
        for _ in 0..1000 {
            let request = request.clone();
            let addr = addr.clone();
            tasks.push(tokio::spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
                let mut bytes = Vec::new();
                stream.read_to_end(&mut bytes).await.unwrap();
                String::from_utf8(bytes).unwrap()
            }));
        }
        let mut out = Vec::new();
        for task in tasks {
            out.push(
                tokio::time::timeout(Duration::from_secs(120), task)
                    .await
                    .expect("hang guard")
                    .unwrap(),
            );
        }
        out
    });
    let first = bodies[0].split_once("\r\n\r\n").unwrap().1.to_owned();
    for body in &bodies {
        assert!(body.starts_with("HTTP/1.1 200"), "{body}");
        assert_eq!(body.split_once("\r\n\r\n").unwrap().1, first);
    }
    let creds: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(fakes.sts.successful("AssumeRole"), 1);
}
