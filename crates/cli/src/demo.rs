//! `awsauth demo`: every auth type resolved end to end, offline.
//!
//! A fake IMDS, a fake STS and a fake IAM Identity Center (from `awsauth-testkit`) start on
//! loopback inside the process; a temporary directory gets a credentials file, a config file
//! with an SSO profile, the token cache `aws sso login` would leave and a web identity token;
//! then each scenario
//! builds its data source session as a server does — the policy gate, the auth type's source
//! from the standard factory, assume role on top, the credentials cache — and resolves it. Real HTTP, real SigV4 signatures
//! (checked by the fake STS), real files; only AWS is replaced. The process environment is not
//! read: each scenario sees its own variables, so the output is the same on every machine.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awsauth::datasource::{AuthSettings, AuthType, AuthTypeSet, DatasourceSettings, build_session};
use awsauth::sso::cache_file_name;
use awsauth::{Context, CredentialSource, MapEnv, SecretString, timefmt};
use awsauth_testkit::{FakeImds, FakeSso, FakeSts, RoleRule};
use serde_json::{Value, json};

use crate::args::Format;
use crate::error::CliError;
use crate::factory::{KeysFrom, factory};
use crate::output::redact_key_id;

const KEY_ID: &str = "AKIAAWSAUTHDEMO00001";
/// A demo secret: made up, accepted only by the fake STS of this process.
const SECRET: &str = "awsauth-demo-secret-key-not-a-real-one";
const PROFILE_KEY_ID: &str = "AKIAAWSAUTHPROFILE01";
const PROFILE_SECRET: &str = "awsauth-demo-profile-secret-not-real";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/grafana-reader";
const EXTERNAL_ID: &str = "tenant-42";
const WEB_IDENTITY_ROLE: &str = "arn:aws:iam::123456789012:role/eks-grafana";
/// The SSO access token in the demo's token cache: made up, accepted only by the fake portal.
const SSO_TOKEN: &str = "awsauth-demo-sso-token-not-real";
const SSO_CONFIG: &str = "[profile demo]\nregion = us-east-1\n\
[profile sso-demo]\nsso_session = demo\nsso_account_id = 123456789012\nsso_role_name = GrafanaReader\n\
[sso-session demo]\nsso_start_url = https://demo.awsapps.com/start\nsso_region = us-east-1\n";
const PROCESS_KEY_ID: &str = "AKIAAWSAUTHPROCESS01";
const LOGIN_SESSION: &str = "arn:aws:iam::123456789012:user/awsauth-demo";
const LOGIN_KEY_ID: &str = "ASIAAWSAUTHLOGIN0001";

/// One scenario: a data source's settings and the environment it runs in.
struct Scenario {
    label: &'static str,
    settings: DatasourceSettings,
    env: Vec<(&'static str, String)>,
}

/// One row of the table.
struct Row {
    label: &'static str,
    auth_type: AuthType,
    outcome: Result<Resolved, CliError>,
    took: Duration,
}

struct Resolved {
    key_id: String,
    source: String,
    expiry: Option<String>,
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, CliError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("awsauth-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| CliError::invalid(format!("cannot create {}: {e}", path.display())))?;
        Ok(Self(path))
    }

    /// Writes a file readable by its owner only, as credentials files must be (creating its
    /// directory).
    fn write(&self, name: &str, text: &str) -> Result<PathBuf, CliError> {
        let path = self.0.join(name);
        let cannot =
            |e: std::io::Error| CliError::invalid(format!("cannot write {}: {e}", path.display()));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(cannot)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(cannot)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(cannot)?;
        Ok(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn settings(auth_type: AuthType) -> DatasourceSettings {
    let mut settings = DatasourceSettings::new(auth_type);
    settings.default_region = Some("us-east-1".to_owned());
    settings
}

fn keys(mut settings: DatasourceSettings) -> DatasourceSettings {
    settings.access_key = Some(KEY_ID.to_owned());
    settings.secret_key = Some(SecretString::from(SECRET));
    settings
}

fn scenarios(token_file: &Path) -> Vec<Scenario> {
    let keys_row = keys(settings(AuthType::Keys));
    let mut assume = keys(settings(AuthType::Keys));
    assume.assume_role_arn = Some(ROLE_ARN.to_owned());
    assume.external_id = Some(EXTERNAL_ID.to_owned());
    let mut credentials = settings(AuthType::Credentials);
    credentials.profile = Some("demo".to_owned());
    let mut sso = settings(AuthType::Credentials);
    sso.profile = Some("sso-demo".to_owned());
    let mut process = settings(AuthType::Credentials);
    process.profile = Some("helper".to_owned());
    let mut login = settings(AuthType::Credentials);
    login.profile = Some("signin".to_owned());
    let blank_keys = settings(AuthType::Keys);
    let web = vec![
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            token_file.display().to_string(),
        ),
        ("AWS_ROLE_ARN", WEB_IDENTITY_ROLE.to_owned()),
        ("AWS_ROLE_SESSION_NAME", "awsauth-demo".to_owned()),
    ];
    vec![
        Scenario {
            label: "keys",
            settings: keys_row,
            env: Vec::new(),
        },
        Scenario {
            label: "credentials",
            settings: credentials,
            env: Vec::new(),
        },
        Scenario {
            label: "credentials (sso)",
            settings: sso,
            env: Vec::new(),
        },
        Scenario {
            label: "ec2_iam_role",
            settings: settings(AuthType::Ec2IamRole),
            env: Vec::new(),
        },
        Scenario {
            label: "keys + assume role",
            settings: assume,
            env: Vec::new(),
        },
        Scenario {
            label: "web identity",
            settings: settings(AuthType::Default),
            env: web,
        },
        Scenario {
            label: "default",
            settings: settings(AuthType::Default),
            env: Vec::new(),
        },
        Scenario {
            label: "credential_process",
            settings: process,
            env: Vec::new(),
        },
        Scenario {
            label: "console sign-in",
            settings: login,
            env: Vec::new(),
        },
        Scenario {
            label: "keys, left blank",
            settings: blank_keys,
            env: Vec::new(),
        },
    ]
}

/// `awsauth demo`.
pub(crate) async fn demo(format: Format) -> Result<String, CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::new(
            crate::error::Kind::ProviderFailed,
            format!("cannot start the fake {what} on 127.0.0.1: {e}"),
        )
    };
    let imds = FakeImds::start().await.map_err(|e| fail("IMDS", e))?;
    let sts = FakeSts::start().await.map_err(|e| fail("STS", e))?;
    let sso = FakeSso::start()
        .await
        .map_err(|e| fail("IAM Identity Center", e))?;
    sso.add_access_token(SSO_TOKEN);
    sts.add_key(KEY_ID, SECRET).add_role(
        ROLE_ARN,
        RoleRule {
            external_id: Some(EXTERNAL_ID.to_owned()),
        },
    );

    let dir = TempDir::new()?;
    let credentials_file = dir.write(
        "credentials",
        &format!(
            "[demo]\naws_access_key_id = {PROFILE_KEY_ID}\naws_secret_access_key = {PROFILE_SECRET}\n"
        ),
    )?;
    // A credential_process that prints keys (printf is a shell builtin: no PATH needed), and a
    // console sign-in session whose cached credentials are fresh (no sign-in call).
    let config_file = dir.write(
        "config",
        &format!(
            "{SSO_CONFIG}\
             [profile helper]\ncredential_process = printf '{{\"Version\":1,\"AccessKeyId\":\"{PROCESS_KEY_ID}\",\"SecretAccessKey\":\"awsauth-demo-process-secret\"}}'\n\
             [profile signin]\nlogin_session = {LOGIN_SESSION}\nregion = us-east-1\n"
        ),
    )?;
    // What `aws sso login --sso-session demo` leaves behind.
    let sso_expires = timefmt::rfc3339(std::time::SystemTime::now() + Duration::from_secs(3600));
    dir.write(
        &format!(".aws/sso/cache/{}", cache_file_name("demo")),
        &format!(r#"{{"accessToken":"{SSO_TOKEN}","expiresAt":"{sso_expires}"}}"#),
    )?;
    let cache_dir = dir.path().join("login-cache");
    std::fs::create_dir_all(&cache_dir)
        .map_err(|e| CliError::invalid(format!("cannot create {}: {e}", cache_dir.display())))?;
    dir.write(
        &format!("login-cache/{}", awsauth::login::cache_file_name(LOGIN_SESSION)),
        &json!({
            "accessToken": {"accessKeyId": LOGIN_KEY_ID, "secretAccessKey": "awsauth-demo-login-secret",
                "sessionToken": "awsauth-demo-login-session", "accountId": "123456789012",
                "expiresAt": "2124-01-01T00:00:00Z"},
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "awsauth-demo-login-refresh",
            "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nunused while the credentials are fresh\n-----END EC PRIVATE KEY-----\n",
        })
        .to_string(),
    )?;
    let token_file = dir.write(
        "web-identity-token",
        "eyJhbGciOiJSUzI1NiJ9.awsauth-demo-token.not-signed",
    )?;

    // What every scenario sees: the fakes, the files, a region, and nothing from this machine.
    let base_env = [
        ("HOME", dir.path().display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials_file.display().to_string(),
        ),
        ("AWS_CONFIG_FILE", config_file.display().to_string()),
        ("AWS_LOGIN_CACHE_DIRECTORY", cache_dir.display().to_string()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint()),
        ("AWS_ENDPOINT_URL_STS", sts.endpoint()),
        ("AWS_ENDPOINT_URL_SSO", sso.endpoint()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    // A session per scenario (each runs in its own environment, which a session cache does not
    // key on), built as the server would: the gate, then the standard factory.
    let policy = AuthSettings::new()
        .allow(AuthTypeSet::all().iter())
        .assume_role_enabled(true)
        .full_error_detail(true);
    let factory = factory(KeysFrom::Settings);

    let mut rows = Vec::new();
    for scenario in scenarios(&token_file) {
        let env: MapEnv = base_env
            .iter()
            .cloned()
            .chain(scenario.env)
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let cx = Context::system().with_env(env);
        let started = Instant::now();
        // Errors keep their own text here: the hints `resolve` adds are about flags.
        let outcome = match build_session(&scenario.settings, &policy, &*factory) {
            Err(e) => Err(CliError::new(CliError::from(e.clone()).kind, e.to_string())),
            Ok(session) => session
                .provide(&cx)
                .await
                .map(|creds| Resolved {
                    key_id: redact_key_id(creds.access_key_id()),
                    source: creds.provenance().to_string(),
                    expiry: creds.expiry().map(timefmt::rfc3339),
                })
                .map_err(|e| CliError::new(CliError::from(e.clone()).kind, e.to_string())),
        };
        rows.push(Row {
            label: scenario.label,
            auth_type: scenario.settings.auth_type,
            outcome,
            took: started.elapsed(),
        });
    }
    Ok(match format {
        Format::Json => {
            let mut text = to_json(&rows).to_string();
            text.push('\n');
            text
        }
        Format::Text => to_text(&rows, &imds.endpoint(), &sts.endpoint(), &sso.endpoint()),
    })
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn to_json(rows: &[Row]) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut value = json!({
                "scenario": row.label,
                "auth_type": row.auth_type.as_str(),
                "took_ms": (row.took.as_secs_f64() * 10_000.0).round() / 10.0,
            });
            match &row.outcome {
                Ok(r) => {
                    value["source"] = json!(r.source);
                    value["access_key_id"] = json!(r.key_id);
                    value["expiration"] = json!(r.expiry);
                }
                Err(e) => value["error"] = json!({"kind": e.kind.as_str(), "message": e.message}),
            }
            value
        })
        .collect();
    json!({"scenarios": rows})
}

fn to_text(rows: &[Row], imds: &str, sts: &str, sso: &str) -> String {
    let header = [
        "scenario",
        "auth type",
        "source chain",
        "key id",
        "expires",
        "took",
    ]
    .map(str::to_owned);
    let mut table = vec![header];
    let mut failures = Vec::new();
    for row in rows {
        let (source, key, expiry) = match &row.outcome {
            Ok(r) => (
                r.source.clone(),
                r.key_id.clone(),
                r.expiry.clone().unwrap_or_else(|| "never".to_owned()),
            ),
            Err(e) => {
                failures.push(format!("{}: {}: {}", row.label, e.kind.as_str(), e.message));
                (
                    format!("✗ {}", e.kind.as_str()),
                    "-".to_owned(),
                    "-".to_owned(),
                )
            }
        };
        table.push([
            row.label.to_owned(),
            row.auth_type.as_str().to_owned(),
            source,
            key,
            expiry,
            millis(row.took),
        ]);
    }
    let mut widths = [0usize; 6];
    for line in &table {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = format!(
        "awsauth demo: fake IMDS at {imds}, fake STS at {sts}, fake IAM Identity Center at {sso} \
         (loopback, this process only)\n\n"
    );
    for line in &table {
        let mut text = String::new();
        for (i, (cell, w)) in line.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if i == 5 {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
                text.push_str("  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    if !failures.is_empty() {
        out.push_str("\nwhy the ✗ rows failed (on purpose — no fallback for these auth types):\n");
        for failure in failures {
            out.push_str(&format!("  {failure}\n"));
        }
    }
    out.push_str(
        "\nSecret keys and tokens are never printed; key ids are shortened. Try \
         `awsauth explain --auth-type default` to see how the default chain decides.\n",
    );
    out
}
