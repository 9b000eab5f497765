//! [`SsoSource`]: IAM Identity Center role credentials — a cached token, refreshed when due,
//! exchanged with the portal's `GetRoleCredentials`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use awsauth_core::{
    Context, CredentialError, CredentialSource, Credentials, Explanation, Plan, Status, Step,
    async_trait, timefmt,
};
use awsauth_http::HttpSettings;
use awsauth_http::endpoint::{EndpointSettings, ProfileEndpoint};

use crate::cache::{CACHE_DIR, cache_file};
use crate::token::{self, expires_soon};
use crate::{endpoint, wire};

/// The name a source has unless [`named`](SsoSource::named).
pub const SOURCE_NAME: &str = "sso";

/// IAM Identity Center (formerly AWS SSO) credentials for one account and role: the access
/// token that `aws sso login` left in the token cache (`~/.aws/sso/cache/<sha1>.json`), then
/// the portal's `GetRoleCredentials` for the account and role.
///
/// - **Two forms**, as in the shared config file: [`with_session`](Self::with_session) for a
///   profile with `sso_session = NAME` (its token is cached under the session name, and it is
///   refreshed), [`legacy`](Self::legacy) for `sso_start_url` / `sso_region` in the profile
///   (cached under the start URL; never refreshed, and an expired one is refused without a
///   request, as botocore does).
/// - **Refresh** (session form): within [`REFRESH_WINDOW`](crate::REFRESH_WINDOW) of its
///   expiry the token is refreshed with SSO OIDC `CreateToken` (`grantType = refresh_token`)
///   and written back atomically (mode 0600); a failed refresh while the token is still valid
///   uses it and logs a warning. Single-flight per cache file in the process.
/// - **Errors** say what to do: a missing, expired, unreadable or refused token names the file
///   and ends with the `aws sso login` command that fixes it. Nothing falls through to another
///   source: an SSO profile that was named is configured.
/// - **Endpoints**: `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`,
///   the profile's `services` section and `endpoint_url` ([`profile_endpoints`](Self::profile_endpoints)),
///   FIPS and dual-stack variants; see [`awsauth_http::endpoint`].
/// - **Secrets** (the access and refresh tokens, the client secret, the credentials) never
///   reach `Debug`, an error or a log line.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use awsauth_core::{Context, CredentialSource, MapEnv, MemFs};
/// use awsauth_sso::SsoSource;
/// let source = SsoSource::with_session(
///     "corp", "https://corp.awsapps.com/start", "eu-west-1", "123456789012", "ReadOnly",
/// );
/// // plan() is data: no file, no network.
/// let cx = Context::builder().env(MapEnv::from([("HOME", "/home/u")])).fs(MemFs::new()).build();
/// assert_eq!(
///     source.plan(&cx).unwrap().to_string(),
///     "IAM Identity Center (account 123456789012, role ReadOnly, session corp, start url https://corp.awsapps.com/start, region eu-west-1)"
/// );
/// // Not logged in: the error names the cache file and the command.
/// let err = source.provide(&cx).await.unwrap_err().to_string();
/// assert!(err.contains("/home/u/.aws/sso/cache/"), "{err}");
/// assert!(err.contains("run `aws sso login --sso-session corp`"), "{err}");
/// # });
/// ```
#[derive(Debug)]
pub struct SsoSource {
    name: String,
    profile: Option<String>,
    pub(crate) session: Option<String>,
    pub(crate) start_url: String,
    pub(crate) region: String,
    account_id: String,
    role_name: String,
    registration_scopes: Option<String>,
    cache_dir: Option<PathBuf>,
    portal: EndpointSettings,
    pub(crate) oidc: EndpointSettings,
    http: Option<Box<HttpSettings>>,
    pub(crate) last_refresh_attempt: Mutex<Option<SystemTime>>,
}

impl SsoSource {
    /// The session form: `sso_session = session` in the profile, `start_url` and `region`
    /// from its `[sso-session]` section.
    pub fn with_session(
        session: impl Into<String>,
        start_url: impl Into<String>,
        region: impl Into<String>,
        account_id: impl Into<String>,
        role_name: impl Into<String>,
    ) -> Self {
        let mut source = Self::legacy(start_url, region, account_id, role_name);
        source.session = Some(session.into());
        source
    }

    /// The legacy form: `sso_start_url` and `sso_region` in the profile itself.
    pub fn legacy(
        start_url: impl Into<String>,
        region: impl Into<String>,
        account_id: impl Into<String>,
        role_name: impl Into<String>,
    ) -> Self {
        Self {
            name: SOURCE_NAME.to_owned(),
            profile: None,
            session: None,
            start_url: start_url.into(),
            region: region.into(),
            account_id: account_id.into(),
            role_name: role_name.into(),
            registration_scopes: None,
            cache_dir: None,
            portal: EndpointSettings::default(),
            oidc: EndpointSettings::default(),
            http: None,
            last_refresh_attempt: Mutex::new(None),
        }
    }

    /// The name in errors and `explain` (default `sso`).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The profile these settings come from: the legacy form's login command names it
    /// (`aws sso login --profile NAME`).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// The session's `sso_registration_scopes`, shown in the plan.
    pub fn registration_scopes(mut self, scopes: impl Into<String>) -> Self {
        self.registration_scopes = Some(scopes.into());
        self
    }

    /// Reads (and writes) tokens in `dir` instead of `~/.aws/sso/cache` (the SDKs have no
    /// setting for it; this is for code).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// An explicit portal endpoint (wins over `AWS_ENDPOINT_URL_SSO` and the rest).
    pub fn portal_endpoint(mut self, url: impl Into<String>) -> Self {
        self.portal.endpoint_url = Some(url.into());
        self
    }

    /// An explicit SSO OIDC endpoint (wins over `AWS_ENDPOINT_URL_SSO_OIDC` and the rest).
    pub fn oidc_endpoint(mut self, url: impl Into<String>) -> Self {
        self.oidc.endpoint_url = Some(url.into());
        self
    }

    /// Uses (or refuses) FIPS endpoints whatever the environment and profile say.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.portal.use_fips = Some(on);
        self.oidc.use_fips = Some(on);
        self
    }

    /// Uses (or refuses) dual-stack endpoints whatever the environment and profile say.
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.portal.use_dual_stack = Some(on);
        self.oidc.use_dual_stack = Some(on);
        self
    }

    /// Allows plain `http://` endpoints that are not loopback (test rigs only: the bearer
    /// token would travel in clear).
    pub fn allow_insecure_http(mut self, on: bool) -> Self {
        self.portal.allow_insecure_http = on;
        self.oidc.allow_insecure_http = on;
        self
    }

    /// What the selected profile says about the portal's (`sso`) and the OIDC service's
    /// (`sso_oidc`) endpoints.
    pub fn profile_endpoints(mut self, portal: ProfileEndpoint, oidc: ProfileEndpoint) -> Self {
        self.portal.profile = Some(portal);
        self.oidc.profile = Some(oidc);
        self
    }

    /// Time-outs, attempts and the body cap of both calls ([`HttpSettings::sts`] by default:
    /// connect 3.1 s, attempt 10 s, 3 attempts, 1 MiB).
    pub fn http_settings(mut self, settings: HttpSettings) -> Self {
        self.http = Some(Box::new(settings));
        self
    }

    /// The cache file this source reads in `cx`: `<cache dir>/<sha1 of the session name or
    /// start URL>.json`.
    pub fn cache_file(&self, cx: &Context) -> Result<PathBuf, CredentialError> {
        let dir = match &self.cache_dir {
            Some(dir) => dir.clone(),
            None => home(cx)
                .map(|home| Path::new(&home).join(CACHE_DIR))
                .ok_or_else(|| {
                    CredentialError::invalid_configuration(
                        &self.name,
                        "cannot find the SSO token cache (~/.aws/sso/cache): HOME is not set",
                    )
                })?,
        };
        Ok(cache_file(&dir, self.token_key()))
    }

    fn token_key(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.start_url)
    }

    /// `sso-session corp` or `start URL https://…`, for messages.
    pub(crate) fn token_owner(&self) -> String {
        match &self.session {
            Some(session) => format!("sso-session {session}"),
            None => format!("start URL {}", self.start_url),
        }
    }

    /// The command that writes a new token.
    pub(crate) fn login_command(&self) -> String {
        match (&self.session, &self.profile) {
            (Some(session), _) => format!("aws sso login --sso-session {session}"),
            (None, Some(profile)) => format!("aws sso login --profile {profile}"),
            (None, None) => {
                "aws sso login --profile <the profile with this sso_start_url>".to_owned()
            }
        }
    }

    pub(crate) fn http_settings_or_default(&self) -> HttpSettings {
        self.http
            .as_deref()
            .cloned()
            .unwrap_or_else(HttpSettings::sts)
    }

    pub(crate) fn failed(&self, message: String) -> CredentialError {
        CredentialError::provider_failed(&self.name, message)
    }

    fn check(&self) -> Result<(), CredentialError> {
        let blank = [
            ("sso_start_url", &self.start_url),
            ("sso_account_id", &self.account_id),
            ("sso_role_name", &self.role_name),
        ]
        .into_iter()
        .find(|(_, v)| v.trim().is_empty());
        if let Some((key, _)) = blank {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!("{key} is empty"),
            ));
        }
        if self.session.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                "sso_session is empty",
            ));
        }
        if !awsauth_http::endpoint::is_region_name(&self.region) {
            return Err(CredentialError::invalid_configuration(
                &self.name,
                format!(
                    "sso_region {:?} is not a region name (like us-east-1)",
                    self.region.chars().take(64).collect::<String>()
                ),
            ));
        }
        Ok(())
    }

    async fn role_credentials(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.check()?;
        let path = self.cache_file(cx)?;
        let token = self.token(cx, &path).await?;
        let portal = endpoint::portal(cx, &self.portal, &self.region)
            .map_err(|e| CredentialError::invalid_configuration(&self.name, e.to_string()))?;
        let settings = self.http_settings_or_default();
        tracing::debug!(source = %self.name, endpoint = %portal, account_id = %self.account_id, role_name = %self.role_name, "calling GetRoleCredentials");
        let what = format!(
            "GetRoleCredentials at {portal} (account {}, role {})",
            self.account_id, self.role_name
        );
        let role = wire::get_role_credentials(
            cx,
            &portal,
            &settings,
            &token.access_token,
            &self.account_id,
            &self.role_name,
        )
        .await
        .map_err(|e| self.call_failed(&what, e))?;
        let now = cx.now();
        if role.expiration <= now {
            return Err(self
                .failed(format!(
                    "{what} returned credentials that expired at {}, but this machine's clock \
                     says {}: check the system clock (NTP)",
                    timefmt::rfc3339(role.expiration),
                    timefmt::rfc3339(now)
                ))
                .retryable(true));
        }
        tracing::debug!(source = %self.name, access_key_id = %role.access_key_id, expires_at = %timefmt::rfc3339(role.expiration), "IAM Identity Center issued credentials");
        Ok(
            Credentials::builder(role.access_key_id, role.secret_access_key)
                .maybe_session_token(role.session_token)
                .expiry(role.expiration)
                .account_id(self.account_id.clone())
                .provenance(format!("sso:{}/{}", self.account_id, self.role_name))
                .build(),
        )
    }

    fn call_failed(&self, what: &str, err: wire::CallError) -> CredentialError {
        match err {
            wire::CallError::Status { status, .. } if status == 401 || status == 403 => self
                .failed(format!(
                    "the SSO token is no longer valid: {what} answered {err}; run `{}`",
                    self.login_command()
                ))
                .with_code(status_code(&err)),
            wire::CallError::Status { status, .. } => {
                let retryable = status == 429 || status >= 500;
                self.failed(format!("{what} failed: {err}"))
                    .retryable(retryable)
                    .with_code(status_code(&err))
            }
            wire::CallError::Http(http) if http.is_timeout() => CredentialError::timed_out(
                &self.name,
                format!("{what}: {http}"),
                http.elapsed().unwrap_or_default(),
            ),
            wire::CallError::Http(http) => {
                self.failed(format!("{what} failed: {http}"))
                    .retryable(!matches!(
                        http.kind(),
                        awsauth_http::HttpErrorKind::NoClient
                    ))
            }
            other => self.failed(format!("{what} failed: {other}")),
        }
    }
}

fn status_code(err: &wire::CallError) -> String {
    match err {
        wire::CallError::Status {
            status,
            code,
            oauth_error,
            ..
        } => code
            .clone()
            .or_else(|| oauth_error.clone())
            .unwrap_or_else(|| status.to_string()),
        _ => String::new(),
    }
}

/// The home directory: `HOME`, and on Windows `USERPROFILE` when `HOME` is unset.
fn home(cx: &Context) -> Option<String> {
    cx.env_nonblank("HOME").or_else(|| {
        if cfg!(windows) {
            cx.env_nonblank("USERPROFILE")
        } else {
            None
        }
    })
}

#[async_trait]
impl CredentialSource for SsoSource {
    async fn provide(&self, cx: &Context) -> Result<Credentials, CredentialError> {
        self.role_credentials(cx).await
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The `sso` step with every setting; reads nothing.
    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        Ok(Plan::new(Step::sso(
            self.session.as_deref(),
            &self.start_url,
            &self.region,
            &self.account_id,
            &self.role_name,
            self.registration_scopes.as_deref(),
        )))
    }

    /// The account and role, and the state of the cached token (read from its file; no
    /// network, no refresh).
    fn explain(&self, cx: &Context) -> Vec<Explanation> {
        let line = |status, reason: String| vec![Explanation::new(&self.name, status, reason)];
        if let Err(err) = self.check() {
            return line(Status::Invalid, err.message());
        }
        let path = match self.cache_file(cx) {
            Ok(path) => path,
            Err(err) => return line(Status::Invalid, err.message()),
        };
        let who = format!(
            "IAM Identity Center account {} role {} ({})",
            self.account_id,
            self.role_name,
            self.token_owner()
        );
        let token = match token::read(cx, &path) {
            Ok(token) => token,
            Err(problem) => {
                return line(
                    Status::Invalid,
                    format!(
                        "{who}: {}; run `{}`",
                        problem.describe(&path, &self.token_owner()),
                        self.login_command()
                    ),
                );
            }
        };
        let now = cx.now();
        let expires = timefmt::rfc3339(token.expires_at);
        let shown = path.display();
        if !expires_soon(&token, now) {
            return line(
                Status::Configured,
                format!("{who}: token in {shown} valid until {expires}"),
            );
        }
        let refreshable = self.session.is_some() && token.refresh_inputs(now).is_ok();
        match (token.expires_at <= now, refreshable) {
            (_, true) => line(
                Status::Configured,
                format!(
                    "{who}: token in {shown} expires at {expires}; it will be refreshed through \
                     SSO OIDC first"
                ),
            ),
            (true, false) => line(
                Status::Invalid,
                format!(
                    "{who}: token in {shown} expired at {expires} and cannot be refreshed; run \
                     `{}`",
                    self.login_command()
                ),
            ),
            (false, false) => line(
                Status::Configured,
                format!("{who}: token in {shown} expires at {expires} (it cannot be refreshed)"),
            ),
        }
    }
}
