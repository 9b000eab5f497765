//! Where the credentials come from: the endpoint (from `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
//! or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, checked against the allow-list) and the
//! `Authorization` token (from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use awsauth_core::{Context, CredentialError, SecretString};
use awsauth_http::{HeaderValue, Uri};

use crate::SOURCE_NAME;

/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: a path on the ECS agent at `http://169.254.170.2`.
pub const RELATIVE_URI_ENV: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`: a full URL (EKS Pod Identity, local credential servers).
pub const FULL_URI_ENV: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`: the `Authorization` header value.
pub const AUTH_TOKEN_ENV: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`: a file holding it (EKS Pod Identity); read on
/// every call, because the token is rotated.
pub const AUTH_TOKEN_FILE_ENV: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// The ECS agent that serves relative URIs.
pub const ECS_ENDPOINT: &str = "http://169.254.170.2";
/// A token file larger than this is refused (real ones are about 1 KiB).
const MAX_TOKEN_FILE_BYTES: u64 = 16 * 1024;

const ECS_HOST: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
const EKS_HOST_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 23);
const EKS_HOST_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23);

/// Where the token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenFrom {
    None,
    Env,
    File(PathBuf),
}

/// The endpoint to ask and how to authenticate, resolved without any network call.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) uri: Uri,
    pub(crate) variable: &'static str,
    pub(crate) provenance: String,
    pub(crate) token: TokenFrom,
}

impl Target {
    /// Reads the environment; `NotConfigured` when neither URI variable is set. The relative
    /// URI wins when both are, as in the AWS SDKs.
    pub(crate) fn resolve(cx: &Context, ecs_base: &str) -> Result<Self, CredentialError> {
        let token = if let Some(path) = cx.env_nonblank(AUTH_TOKEN_FILE_ENV) {
            TokenFrom::File(PathBuf::from(path))
        } else if cx.env_nonblank(AUTH_TOKEN_ENV).is_some() {
            TokenFrom::Env
        } else {
            TokenFrom::None
        };
        if let Some(relative) = cx.env_nonblank(RELATIVE_URI_ENV) {
            if !relative.starts_with('/') {
                return Err(invalid(format!(
                    "{RELATIVE_URI_ENV} must be a path starting with `/` (it is appended to {ECS_ENDPOINT})"
                )));
            }
            let uri: Uri = format!("{}{relative}", ecs_base.trim_end_matches('/'))
                .parse()
                .map_err(|_| invalid(format!("{RELATIVE_URI_ENV} is not a valid URL path")))?;
            return Ok(Self {
                uri,
                variable: RELATIVE_URI_ENV,
                provenance: "container:ecs".to_owned(),
                token,
            });
        }
        let Some(full) = cx.env_nonblank(FULL_URI_ENV) else {
            return Err(CredentialError::not_configured(
                SOURCE_NAME,
                format!("neither {RELATIVE_URI_ENV} nor {FULL_URI_ENV} is set"),
            ));
        };
        let uri = check_full_uri(&full)?;
        Ok(Self {
            provenance: provenance_of(&uri),
            uri,
            variable: FULL_URI_ENV,
            token,
        })
    }

    /// The `Authorization` header value, read now (a token file is re-read on every call).
    pub(crate) fn authorization(
        &self,
        cx: &Context,
    ) -> Result<Option<HeaderValue>, CredentialError> {
        let (token, variable) = match &self.token {
            TokenFrom::None => return Ok(None),
            TokenFrom::Env => (
                SecretString::from(cx.env_var(AUTH_TOKEN_ENV).unwrap_or_default()),
                AUTH_TOKEN_ENV,
            ),
            TokenFrom::File(path) => (read_token_file(cx, path)?, AUTH_TOKEN_FILE_ENV),
        };
        let trimmed = token.expose_secret().trim();
        if trimmed.is_empty() {
            return Err(invalid(format!(
                "{variable} gives an empty authorization token"
            )));
        }
        let mut value = HeaderValue::from_str(trimmed).map_err(|_| {
            invalid(format!(
                "the authorization token from {variable} contains characters not allowed in an HTTP header (a line break or control character)"
            ))
        })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// For `explain`: where the token would come from.
    pub(crate) fn token_description(&self) -> String {
        match &self.token {
            TokenFrom::None => "no Authorization header".to_owned(),
            TokenFrom::Env => format!("the Authorization header from {AUTH_TOKEN_ENV}"),
            TokenFrom::File(path) => format!(
                "the Authorization header read from {AUTH_TOKEN_FILE_ENV} ({})",
                path.display()
            ),
        }
    }
}

fn read_token_file(cx: &Context, path: &Path) -> Result<SecretString, CredentialError> {
    let unreadable = |e: std::io::Error| {
        CredentialError::provider_failed(
            SOURCE_NAME,
            format!(
                "{AUTH_TOKEN_FILE_ENV} points at {}, which cannot be read: {e}",
                path.display()
            ),
        )
        .retryable(e.kind() != std::io::ErrorKind::PermissionDenied)
    };
    // One open handle, checked with fstat and read at most one byte past the cap: a device
    // (`/dev/zero`), a pipe or a growing file is an error, never gigabytes.
    let contents = cx
        .fs()
        .read_limited(path, MAX_TOKEN_FILE_BYTES)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => invalid(format!(
                "{AUTH_TOKEN_FILE_ENV} points at {}, which is larger than {MAX_TOKEN_FILE_BYTES} bytes; it is not a token",
                path.display()
            )),
            std::io::ErrorKind::InvalidInput => invalid(format!(
                "{AUTH_TOKEN_FILE_ENV} points at {}, which is not a regular file (a directory, a device or a pipe); it must be the token file",
                path.display()
            )),
            _ => unreadable(e),
        })?;
    std::str::from_utf8(&contents.bytes)
        .map(SecretString::from)
        .map_err(|_| {
            invalid(format!(
                "{AUTH_TOKEN_FILE_ENV} points at {}, which is not UTF-8 text",
                path.display()
            ))
        })
}

fn invalid(message: String) -> CredentialError {
    CredentialError::invalid_configuration(SOURCE_NAME, message)
}

/// Plain http is allowed only to loopback and the ECS / EKS agent addresses; https anywhere.
pub(crate) fn check_full_uri(text: &str) -> Result<Uri, CredentialError> {
    if text.contains('@') {
        return Err(invalid(format!(
            "{FULL_URI_ENV} must not contain user info (it would be sent as a credential)"
        )));
    }
    let shown: String = text.chars().take(128).collect();
    let uri: Uri = text
        .parse()
        .map_err(|_| invalid(format!("{FULL_URI_ENV} `{shown}` is not a valid URL")))?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| {
        invalid(format!(
            "{FULL_URI_ENV} `{shown}` is not an absolute URL with a host"
        ))
    })?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Ok(uri),
        Some(s) if s.eq_ignore_ascii_case("http") => {
            if plain_http_allowed(host) {
                Ok(uri)
            } else {
                Err(invalid(format!(
                    "{FULL_URI_ENV} uses plain http to host `{host}`, which is refused: plain http is allowed only to a loopback address or to the ECS/EKS agents at 169.254.170.2, 169.254.170.23 and [fd00:ec2::23]; use https for any other host"
                )))
            }
        }
        _ => Err(invalid(format!(
            "{FULL_URI_ENV} `{shown}` must be an http or https URL"
        ))),
    }
}

fn plain_http_allowed(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match parse_ip(host) {
        Some(IpAddr::V4(v4)) => v4.is_loopback() || v4 == ECS_HOST || v4 == EKS_HOST_V4,
        Some(IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6 == EKS_HOST_V6
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn provenance_of(uri: &Uri) -> String {
    let host = uri.host().unwrap_or_default();
    match parse_ip(host) {
        Some(IpAddr::V4(v4)) if v4 == EKS_HOST_V4 => "container:eks-pod-identity".to_owned(),
        Some(IpAddr::V6(v6)) if v6 == EKS_HOST_V6 => "container:eks-pod-identity".to_owned(),
        Some(IpAddr::V4(v4)) if v4 == ECS_HOST => "container:ecs".to_owned(),
        _ => {
            let scheme = uri.scheme_str().unwrap_or("http");
            let authority = uri.authority().map(|a| a.as_str()).unwrap_or(host);
            format!("container:{scheme}://{authority}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list() {
        for ok in [
            "http://127.0.0.1:8080/creds",
            "http://127.1.2.3/",
            "http://localhost/x",
            "http://[::1]:9/x",
            "http://[::ffff:127.0.0.1]/x",
            "http://169.254.170.2/v2/credentials/abc",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "https://creds.example.com/x",
        ] {
            assert!(check_full_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/creds",
            "http://example.com/creds",
            "http://localhost.evil.com/",
            "http://[fd00:ec2::254]/",
            "ftp://127.0.0.1/",
            "/relative/only",
            "http://user:pw@127.0.0.1/",
        ] {
            let err = check_full_uri(bad).unwrap_err();
            assert!(err.to_string().contains(FULL_URI_ENV), "{err}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    /// Hosts and whether plain http may reach them, known by construction (not computed by
    /// the code under test): loopback (any 127/8 address, `::1`, `localhost` in any case,
    /// loopback mapped into IPv6) and the three agent addresses, nothing else.
    fn hosts() -> impl proptest::strategy::Strategy<Value = (String, bool)> {
        use proptest::prelude::*;
        let octet = || 0u8..=255;
        prop_oneof![
            (octet(), octet(), octet()).prop_map(|(a, b, c)| (format!("127.{a}.{b}.{c}"), true)),
            (octet(), octet(), octet())
                .prop_map(|(a, b, c)| (format!("[::ffff:127.{a}.{b}.{c}]"), true)),
            prop::sample::select(vec!["localhost", "LOCALHOST", "LocalHost"])
                .prop_map(|h| (h.to_owned(), true)),
            prop::sample::select(vec![
                "169.254.170.2",
                "169.254.170.23",
                "[fd00:ec2::23]",
                "[FD00:EC2:0:0:0:0:0:23]",
                "[::1]",
                "[0:0:0:0:0:0:0:1]",
            ])
            .prop_map(|h| (h.to_owned(), true)),
            // Near misses: neighbours of the agents, other private and link-local addresses,
            // names that merely start or end like an allowed host.
            (0u8..=255)
                .prop_filter("not an agent", |x| *x != 2 && *x != 23)
                .prop_map(|x| (format!("169.254.170.{x}"), false)),
            (octet(), octet()).prop_map(|(a, b)| (format!("10.{a}.{b}.1"), false)),
            (octet(), octet())
                .prop_map(|(a, b)| (format!("169.254.{a}.{b}"), false))
                .prop_filter("not an agent", |(h, _)| h != "169.254.170.2"
                    && h != "169.254.170.23"),
            (octet(), octet()).prop_map(|(a, b)| (format!("[::ffff:10.{a}.{b}.1]"), false)),
            prop::sample::select(vec![
                "localhost.evil.com",
                "127.0.0.1.nip.io",
                "evil-localhost",
                "[fd00:ec2::24]",
                "[fd00:ec2::254]",
                "169.254.169.254",
                "example.com",
                "0.0.0.0",
                "[::]",
            ])
            .prop_map(|h| (h.to_owned(), false)),
            "[a-z]{1,12}\\.(com|net|internal)".prop_map(|h| (h, false)),
        ]
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_full_uris_give_an_allowed_uri_or_an_error_naming_the_variable(
            text in "\\PC{0,80}",
        ) {
            match check_full_uri(&text) {
                Ok(uri) => {
                    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
                    let host = uri.host().unwrap_or_default();
                    proptest::prop_assert!(!host.is_empty());
                    proptest::prop_assert!(!text.contains('@'));
                    proptest::prop_assert!(
                        scheme == "https" || (scheme == "http" && plain_http_allowed(host)),
                        "{}", text
                    );
                }
                Err(err) => {
                    proptest::prop_assert_eq!(err.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
                    proptest::prop_assert!(err.to_string().contains(FULL_URI_ENV), "{}", err);
                }
            }
        }

        #[test]
        fn plain_http_reaches_exactly_loopback_and_the_agents(
            (host, allowed) in hosts(),
            path in "(/[a-z0-9]{0,8}){0,3}",
        ) {
            let http = format!("http://{host}{path}");
            let https = format!("https://{host}{path}");
            let outcome = check_full_uri(&http);
            proptest::prop_assert_eq!(outcome.is_ok(), allowed, "http://{}{}: {:?}", host, path, outcome);
            // https may go anywhere.
            proptest::prop_assert!(check_full_uri(&https).is_ok(), "{}", https);
        }
    }

    #[test]
    fn provenance_names_the_agent() {
        let p = |u: &str| provenance_of(&u.parse().unwrap());
        assert_eq!(
            p("http://169.254.170.23/v1/credentials"),
            "container:eks-pod-identity"
        );
        assert_eq!(
            p("http://[fd00:ec2::23]/v1/credentials"),
            "container:eks-pod-identity"
        );
        assert_eq!(p("http://169.254.170.2/x"), "container:ecs");
        assert_eq!(p("http://127.0.0.1:9/x?y"), "container:http://127.0.0.1:9");
    }
}
