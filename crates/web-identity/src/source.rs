//! [`WebIdentitySource`]: token file → `AssumeRoleWithWebIdentity`.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, SecretString,
    Status, Step, async_trait,
};
use awsauth_sts::{
    RoleArn, StsClient, WebIdentityInput, default_session_name, validate_duration,
    validate_session_name,
};

/// `AWS_WEB_IDENTITY_TOKEN_FILE`: the path of the token file.
pub const ENV_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// `AWS_ROLE_ARN`: the role to assume.
pub const ENV_ROLE_ARN: &str = "AWS_ROLE_ARN";
/// `AWS_ROLE_SESSION_NAME`: the session name (optional).
pub const ENV_ROLE_SESSION_NAME: &str = "AWS_ROLE_SESSION_NAME";
/// A token file larger than this is refused unread (STS accepts tokens up to 20000 characters).
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// The Grafana page's advice for a token the server cannot read.
const READABILITY_HINT: &str = "Grafana runs as user 472 in its container, and Kubernetes makes the projected service account token readable by root only unless the pod has a securityContext with fsGroup: 472 (with runAsUser: 472 and runAsGroup: 472)";

#[derive(Debug, Clone)]
enum Settings {
    /// Read the three variables on every call.
    Env,
    /// Given by a profile plan or in code.
    Explicit {
        token_file: PathBuf,
        role_arn: String,
        session_name: Option<String>,
    },
}

/// What one call uses, with the names the user knows the fields by.
struct Request {
    token_file: PathBuf,
    role_arn: String,
    session_name: Option<String>,
    token_label: &'static str,
}

/// Credentials for a role from a web identity token file, via `AssumeRoleWithWebIdentity`.
///
/// - [`from_env`](Self::from_env): `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` (both
///   needed), optional `AWS_ROLE_SESSION_NAME`, read on every call. Neither set →
///   [`NotConfigured`](CredentialError::NotConfigured) (a chain moves on); the token file
///   without the role → [`InvalidConfiguration`](CredentialError::InvalidConfiguration); the
///   role without the token file → `NotConfigured` (the role alone means nothing to this
///   source).
/// - [`new`](Self::new): explicit `web_identity_token_file` and `role_arn`, as a profile plan
///   gives them; [`session_name`](Self::session_name) for `role_session_name`.
/// - The token file is read through the context's file system **on every call**: Kubernetes
///   rotates it. A file that cannot be read is an error naming the path, with the Grafana
///   page's advice on `fsGroup: 472`. The token is held in a [`SecretString`] and never appears
///   in a log line, an error or `Debug`.
/// - Session name default: `awsauth-<unix millis>` from the context's clock. Duration: STS's
///   default (one hour) unless [`duration`](Self::duration) is set.
/// - Provenance: `web-identity:<role ARN>`.
#[derive(Debug, Clone)]
pub struct WebIdentitySource {
    name: String,
    settings: Settings,
    session_name_override: Option<String>,
    duration: Option<Duration>,
    client: StsClient,
}

impl WebIdentitySource {
    /// The source configured by `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and
    /// `AWS_ROLE_SESSION_NAME`, read on every call.
    pub fn from_env() -> Self {
        Self::with(Settings::Env)
    }

    /// The source for an explicit token file and role (a profile's
    /// `web_identity_token_file` and `role_arn`).
    pub fn new(token_file: impl Into<PathBuf>, role_arn: impl Into<String>) -> Self {
        Self::with(Settings::Explicit {
            token_file: token_file.into(),
            role_arn: role_arn.into().trim().to_owned(),
            session_name: None,
        })
    }

    fn with(settings: Settings) -> Self {
        Self {
            name: "web-identity".to_owned(),
            settings,
            session_name_override: None,
            duration: None,
            client: StsClient::new(),
        }
    }

    /// The session name (a profile's `role_session_name`; wins over `AWS_ROLE_SESSION_NAME`).
    /// Blank means unset.
    pub fn session_name(mut self, session_name: impl Into<String>) -> Self {
        let value = Some(session_name.into().trim().to_owned()).filter(|s| !s.is_empty());
        match &mut self.settings {
            Settings::Explicit { session_name, .. } => *session_name = value,
            Settings::Env => self.session_name_override = value,
        }
        self
    }

    /// The session length (900 to 43200 seconds); STS's default, one hour, when unset.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// The STS client the call goes through: its endpoint, region, FIPS and HTTP settings
    /// (`StsClient::new()`, everything from the environment, by default). The one place these
    /// are set, so the source does not repeat the client's builder.
    pub fn sts_client(mut self, client: StsClient) -> Self {
        self.client = client;
        self
    }

    /// Renames the source (in errors and `explain`).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// What this call would use, or why there is nothing / something is wrong.
    fn request(&self, cx: &Context) -> Result<Request, CredentialError> {
        let (token_file, role_arn, session_name, labels) = match &self.settings {
            Settings::Env => {
                let token_file = cx.env_nonblank(ENV_WEB_IDENTITY_TOKEN_FILE);
                let role_arn = cx.env_nonblank(ENV_ROLE_ARN);
                let (token_file, role_arn) = match (token_file, role_arn) {
                    (Some(file), Some(role)) => (PathBuf::from(file), role),
                    (None, None) => {
                        return Err(CredentialError::not_configured(
                            &self.name,
                            format!("{ENV_WEB_IDENTITY_TOKEN_FILE} and {ENV_ROLE_ARN} are not set"),
                        ));
                    }
                    (None, Some(_)) => {
                        return Err(CredentialError::not_configured(
                            &self.name,
                            format!(
                                "{ENV_ROLE_ARN} is set but {ENV_WEB_IDENTITY_TOKEN_FILE} is not"
                            ),
                        ));
                    }
                    (Some(_), None) => {
                        return Err(CredentialError::invalid_configuration(
                            &self.name,
                            format!(
                                "{ENV_WEB_IDENTITY_TOKEN_FILE} is set but {ENV_ROLE_ARN} is not; set it to the ARN of the role the service account may assume"
                            ),
                        ));
                    }
                };
                let session_name = self
                    .session_name_override
                    .clone()
                    .map(|s| (s, "session name"))
                    .or_else(|| {
                        cx.env_nonblank(ENV_ROLE_SESSION_NAME)
                            .map(|s| (s, ENV_ROLE_SESSION_NAME))
                    });
                (
                    token_file,
                    role_arn,
                    session_name,
                    (ENV_WEB_IDENTITY_TOKEN_FILE, ENV_ROLE_ARN),
                )
            }
            Settings::Explicit {
                token_file,
                role_arn,
                session_name,
            } => {
                if token_file.as_os_str().is_empty() {
                    return Err(CredentialError::invalid_configuration(
                        &self.name,
                        "web_identity_token_file is empty",
                    ));
                }
                if role_arn.is_empty() {
                    return Err(CredentialError::invalid_configuration(
                        &self.name,
                        format!(
                            "web_identity_token_file is {} but role_arn is not set",
                            token_file.display()
                        ),
                    ));
                }
                (
                    token_file.clone(),
                    role_arn.clone(),
                    session_name.clone().map(|s| (s, "role_session_name")),
                    ("web_identity_token_file", "role_arn"),
                )
            }
        };
        let invalid = |e: awsauth_sts::ValidationError| {
            CredentialError::invalid_configuration(&self.name, e.to_string())
        };
        RoleArn::parse(labels.1, &role_arn).map_err(invalid)?;
        if let Some((name, label)) = &session_name {
            validate_session_name(label, name).map_err(invalid)?;
        }
        if let Some(duration) = self.duration {
            validate_duration("duration", duration).map_err(invalid)?;
        }
        Ok(Request {
            token_file,
            role_arn,
            session_name: session_name.map(|(s, _)| s),
            token_label: labels.0,
        })
    }

    /// Reads the token; every failure names the file and the setting that named it.
    fn read_token(&self, cx: &Context, plan: &Request) -> Result<SecretString, CredentialError> {
        let path = &plan.token_file;
        let where_ = format!(
            "the web identity token file {} (from {})",
            path.display(),
            plan.token_label
        );
        // One open handle, checked with fstat and read at most one byte past the cap: a
        // device (`/dev/zero`), a pipe or a growing file is an error, never gigabytes.
        let contents = cx
            .fs()
            .read_limited(path, MAX_TOKEN_FILE_BYTES)
            .map_err(|e| match e.kind() {
                io::ErrorKind::FileTooLarge => CredentialError::invalid_configuration(
                    &self.name,
                    format!(
                        "{where_} has more than the {MAX_TOKEN_FILE_BYTES} bytes a token can have; is it the right file?"
                    ),
                ),
                io::ErrorKind::InvalidInput => CredentialError::invalid_configuration(
                    &self.name,
                    format!("{where_} is not a regular file (a directory, a device or a pipe); it must be the token file"),
                ),
                _ => self.unreadable(&where_, &e),
            })?;
        let bytes = contents.bytes;
        let text = match std::str::from_utf8(&bytes) {
            Ok(text) => SecretString::from(text.trim()),
            Err(_) => {
                return Err(CredentialError::invalid_configuration(
                    &self.name,
                    format!("{where_} is not UTF-8 text"),
                ));
            }
        };
        drop(bytes);
        if text.is_blank() {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!("{where_} is empty"),
            ));
        }
        // A JWT is base64url text and dots; a control character means the wrong file or a
        // corrupted one, and STS would only answer with a less helpful error.
        if let Some(at) = text.expose_secret().find(char::is_control) {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!(
                    "{where_} holds a control character at byte {at}; a web identity token is one line of base64url text"
                ),
            ));
        }
        Ok(text)
    }

    fn unreadable(&self, where_: &str, err: &io::Error) -> CredentialError {
        let message = match err.kind() {
            io::ErrorKind::PermissionDenied => {
                format!("cannot read {where_}: permission denied. {READABILITY_HINT}")
            }
            io::ErrorKind::NotFound => format!(
                "cannot read {where_}: no such file. Check that the projected service account token volume is mounted at that path; if it is, note that {READABILITY_HINT}"
            ),
            _ => format!("cannot read {where_}: {err}. {READABILITY_HINT}"),
        };
        match err.kind() {
            io::ErrorKind::PermissionDenied | io::ErrorKind::NotFound => {
                CredentialError::invalid_configuration(&self.name, message)
            }
            _ => CredentialError::provider_failed(&self.name, message).retryable(true),
        }
    }

    fn session_name_for(&self, cx: &Context, plan: &Request) -> String {
        plan.session_name
            .clone()
            .unwrap_or_else(|| default_session_name(cx))
    }
}

/// The path, shown (for `explain`).
fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[async_trait]
impl CredentialSource for WebIdentitySource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        let plan = self.request(cx)?;
        let token = self.read_token(cx, &plan)?;
        let mut input = WebIdentityInput::new(
            plan.role_arn.clone(),
            self.session_name_for(cx, &plan),
            token,
        );
        if let Some(duration) = self.duration {
            input = input.duration(duration);
        }
        tracing::debug!(source = %self.name, role_arn = %plan.role_arn, token_file = %shown(&plan.token_file), "exchanging the web identity token");
        self.client
            .assume_role_with_web_identity(cx, &input)
            .await
            .map(|assumed| assumed.credentials)
            .map_err(|e| e.into_credential_error(&self.name))
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The exchange that would run; the token file is read (and dropped) to find out whether it
    /// can be, as `provide` would.
    fn plan(&self, cx: &Context) -> Result<Plan, CredentialError> {
        let request = self.request(cx)?;
        self.read_token(cx, &request)?;
        Ok(Plan::new(Step::WebIdentity {
            role_arn: request.role_arn.clone(),
            token_file: shown(&request.token_file),
            role_session_name: request.session_name.clone(),
        }))
    }

    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = match self.request(cx) {
            Err(err) if err.is_not_configured() => {
                Explanation::new(&self.name, Status::NotConfigured, err.message())
            }
            Err(err) => Explanation::new(&self.name, Status::Invalid, err.message()),
            Ok(plan) => match (self.read_token(cx, &plan), self.client.resolve_endpoint(cx)) {
                (Err(err), _) => Explanation::new(&self.name, Status::Invalid, err.message()),
                (Ok(_), Err(err)) => {
                    Explanation::new(&self.name, Status::Invalid, format!("STS endpoint: {err}"))
                }
                (Ok(_token), Ok(endpoint)) => Explanation::new(
                    &self.name,
                    Status::Configured,
                    format!(
                        "token file {} (from {}) is readable; assumes {} via STS at {endpoint} ({})",
                        shown(&plan.token_file),
                        plan.token_label,
                        plan.role_arn,
                        endpoint.origin().describe()
                    ),
                ),
            },
        };
        vec![line]
    }
}
