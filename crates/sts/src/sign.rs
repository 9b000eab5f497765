//! SigV4 signing of an [`HttpRequest`] through the `aws-sigv4` crate (the signature itself is
//! never computed here).

use std::time::SystemTime;

use aws_sigv4::http_request::{
    PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SigningSettings, sign,
};
use awsauth_core::Credentials;
use awsauth_http::{HeaderName, HeaderValue, HttpRequest};

/// Why a request could not be signed (never contains a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The request's URI has no host to sign.
    #[error("could not sign the request: the request URI has no host")]
    NoHost,
    /// A header value SigV4 cannot encode.
    #[error("could not sign the request: header {name} has a value that is not visible ASCII")]
    HeaderNotAscii {
        /// The header.
        name: String,
    },
    /// `aws-sigv4` refused the parameters or the request.
    #[error("could not sign the request: {reason}")]
    Signer {
        /// aws-sigv4's reason (it never holds a key).
        reason: String,
    },
    /// `aws-sigv4` produced a header that is not one (a bug there, reported rather than sent).
    #[error("could not sign the request: the signer produced an invalid header {name}")]
    InvalidOutput {
        /// The header.
        name: String,
    },
}

fn signer(e: impl std::fmt::Display) -> SignError {
    SignError::Signer {
        reason: e.to_string(),
    }
}

/// Signs requests with SigV4 for one region, service and instant.
///
/// The headers the signature covers are the request's own (except `authorization`,
/// `user-agent`, `x-amzn-trace-id` and `transfer-encoding`) plus `host`, `x-amz-date` and, for
/// temporary credentials, `x-amz-security-token`, all added by the signer.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use awsauth_core::Credentials;
/// use awsauth_http::{HttpRequest, Method};
/// use awsauth_sts::SigV4Signer;
/// let mut request = HttpRequest::new(Method::POST, "https://sts.eu-west-1.amazonaws.com/".parse().unwrap());
/// let creds = Credentials::builder("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").build();
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
/// SigV4Signer::new("eu-west-1", "sts", at).sign(&mut request, &creds).unwrap();
/// let auth = request.headers["authorization"].to_str().unwrap();
/// assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="));
/// assert_eq!(request.headers["x-amz-date"], "20150830T123600Z");
/// ```
#[derive(Debug, Clone)]
pub struct SigV4Signer<'a> {
    region: &'a str,
    service: &'a str,
    time: SystemTime,
    content_sha256_header: bool,
    session_token_signed: bool,
}

impl<'a> SigV4Signer<'a> {
    /// A signer for `service` in `region` at `time` (take it from the injected clock).
    pub fn new(region: &'a str, service: &'a str, time: SystemTime) -> Self {
        Self {
            region,
            service,
            time,
            content_sha256_header: false,
            session_token_signed: true,
        }
    }

    /// Also send (and sign) `x-amz-content-sha256` (S3 wants it; STS does not). Off by default.
    pub fn content_sha256_header(mut self, on: bool) -> Self {
        self.content_sha256_header = on;
        self
    }

    /// Whether `x-amz-security-token` is covered by the signature (on by default, as STS
    /// expects; a few services want it added after signing).
    pub fn session_token_signed(mut self, on: bool) -> Self {
        self.session_token_signed = on;
        self
    }

    /// Adds `x-amz-date`, `x-amz-security-token` (for temporary credentials), optionally
    /// `x-amz-content-sha256`, and `authorization` to `request`.
    pub fn sign(
        &self,
        request: &mut HttpRequest,
        credentials: &Credentials,
    ) -> Result<(), SignError> {
        if request.uri.host().is_none_or(str::is_empty) {
            return Err(SignError::NoHost);
        }
        let identity = aws_credential_types::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            credentials.session_token().map(str::to_owned),
            None,
            "awsauth",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = if self.content_sha256_header {
            PayloadChecksumKind::XAmzSha256
        } else {
            PayloadChecksumKind::NoHeader
        };
        settings.session_token_mode = if self.session_token_signed {
            SessionTokenMode::Include
        } else {
            SessionTokenMode::Exclude
        };
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.service)
            .time(self.time)
            .settings(settings)
            .build()
            .map_err(signer)?
            .into();
        let mut headers = Vec::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            let value = value.to_str().map_err(|_| SignError::HeaderNotAscii {
                name: name.to_string(),
            })?;
            headers.push((name.as_str(), value));
        }
        let uri = request.uri.to_string();
        let signable = SignableRequest::new(
            request.method.as_str(),
            uri,
            headers.into_iter(),
            SignableBody::Bytes(&request.body),
        )
        .map_err(signer)?;
        // aws-sigv4 traces the canonical request; older releases (1.3.8, which the workspace's
        // rust-version resolves to) print the x-amz-security-token value in it. Its events are
        // silenced for this call.
        let signed = tracing::dispatcher::with_default(&tracing::Dispatch::none(), || {
            sign(signable, &params)
        });
        let (instructions, _signature) = signed.map_err(signer)?.into_parts();
        let (new_headers, _query) = instructions.into_parts();
        for header in new_headers {
            let name = HeaderName::from_bytes(header.name().as_bytes()).map_err(|_| {
                SignError::InvalidOutput {
                    name: header.name().chars().take(64).collect(),
                }
            })?;
            let mut value =
                HeaderValue::from_str(header.value()).map_err(|_| SignError::InvalidOutput {
                    name: name.to_string(),
                })?;
            value.set_sensitive(header.sensitive());
            request.headers.insert(name, value);
        }
        Ok(())
    }
}
