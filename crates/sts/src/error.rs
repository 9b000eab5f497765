//! [`StsError`]: what went wrong with one STS operation, typed by the STS error code, and its
//! mapping onto [`CredentialError`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use awsauth_core::CredentialError;
use awsauth_http::{HttpError, HttpErrorKind};

/// The STS operations this crate performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `AssumeRole` (signed with the base credentials).
    AssumeRole,
    /// `AssumeRoleWithWebIdentity` (unsigned; the web identity token authenticates).
    AssumeRoleWithWebIdentity,
    /// `GetCallerIdentity` (signed).
    GetCallerIdentity,
}

impl Operation {
    /// The `Action` name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AssumeRole => "AssumeRole",
            Self::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
            Self::GetCallerIdentity => "GetCallerIdentity",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An STS error code from an `ErrorResponse`, with the codes a caller is likely to act on named.
///
/// ```
/// use awsauth_sts::StsErrorCode;
/// assert_eq!(StsErrorCode::from_wire("RegionDisabledException"), StsErrorCode::RegionDisabled);
/// assert!(StsErrorCode::from_wire("Throttling").is_retryable());
/// assert!(!StsErrorCode::from_wire("AccessDenied").is_retryable());
/// assert_eq!(StsErrorCode::from_wire("Whatever").as_str(), "Whatever");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StsErrorCode {
    /// `AccessDenied`: the caller may not assume the role (trust policy, external ID, permissions).
    AccessDenied,
    /// `ExpiredToken`: the base credentials' session token (or the web identity token) expired.
    ExpiredToken,
    /// `InvalidIdentityToken`: the web identity token was rejected.
    InvalidIdentityToken,
    /// `IDPCommunicationError`: STS could not reach the identity provider (retryable).
    IdpCommunicationError,
    /// `IDPRejectedClaim`: the identity provider rejected a claim of the token.
    IdpRejectedClaim,
    /// `RegionDisabledException`: STS is not activated in this region for the account.
    RegionDisabled,
    /// `Throttling`: too many requests (retryable).
    Throttling,
    /// `ValidationError`: a parameter was rejected.
    ValidationError,
    /// `MalformedPolicyDocument`: the session policy is not valid.
    MalformedPolicyDocument,
    /// `PackedPolicyTooLarge`: session policies and tags are too large.
    PackedPolicyTooLarge,
    /// `InvalidClientTokenId`: the access key id is unknown.
    InvalidClientTokenId,
    /// `SignatureDoesNotMatch`: the request was signed with the wrong secret.
    SignatureDoesNotMatch,
    /// Any other code, as sent.
    Other(String),
}

impl StsErrorCode {
    /// Parses a wire code.
    pub fn from_wire(code: &str) -> Self {
        match code {
            "AccessDenied" => Self::AccessDenied,
            "ExpiredToken" | "ExpiredTokenException" => Self::ExpiredToken,
            "InvalidIdentityToken" => Self::InvalidIdentityToken,
            "IDPCommunicationError" => Self::IdpCommunicationError,
            "IDPRejectedClaim" => Self::IdpRejectedClaim,
            "RegionDisabledException" => Self::RegionDisabled,
            "Throttling" => Self::Throttling,
            "ValidationError" => Self::ValidationError,
            "MalformedPolicyDocument" => Self::MalformedPolicyDocument,
            "PackedPolicyTooLarge" => Self::PackedPolicyTooLarge,
            "InvalidClientTokenId" => Self::InvalidClientTokenId,
            "SignatureDoesNotMatch" => Self::SignatureDoesNotMatch,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as STS sends it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessDenied => "AccessDenied",
            Self::ExpiredToken => "ExpiredToken",
            Self::InvalidIdentityToken => "InvalidIdentityToken",
            Self::IdpCommunicationError => "IDPCommunicationError",
            Self::IdpRejectedClaim => "IDPRejectedClaim",
            Self::RegionDisabled => "RegionDisabledException",
            Self::Throttling => "Throttling",
            Self::ValidationError => "ValidationError",
            Self::MalformedPolicyDocument => "MalformedPolicyDocument",
            Self::PackedPolicyTooLarge => "PackedPolicyTooLarge",
            Self::InvalidClientTokenId => "InvalidClientTokenId",
            Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::Other(code) => code,
        }
    }

    /// Whether the same request may succeed later: throttling and identity-provider
    /// communication failures. Never access or validation errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Throttling | Self::IdpCommunicationError => true,
            Self::Other(code) => matches!(
                code.as_str(),
                "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "TooManyRequestsException"
                    | "RequestThrottled"
                    | "RequestTimeout"
                    | "RequestTimeoutException"
                    | "ServiceUnavailable"
                    | "InternalFailure"
                    | "InternalError"
            ),
            _ => false,
        }
    }

    /// A short piece of advice for the codes where there is an obvious next step.
    fn hint(&self, operation: Operation) -> Option<&'static str> {
        Some(match (self, operation) {
            (Self::AccessDenied, Operation::AssumeRole) => {
                "check the role's trust policy (principal and any sts:ExternalId condition), the external ID, and that the base identity may call sts:AssumeRole"
            }
            (Self::AccessDenied, Operation::AssumeRoleWithWebIdentity) => {
                "check the role's trust policy for this identity provider, audience and subject"
            }
            (Self::ExpiredToken, Operation::AssumeRoleWithWebIdentity) => {
                "the web identity token has expired; Kubernetes rotates the projected token, so check that the token file is being refreshed"
            }
            (Self::ExpiredToken, _) => {
                "the base credentials' session token has expired; refresh them"
            }
            (Self::InvalidIdentityToken, _) => {
                "check that the token file holds the current service account token and that the role trusts its issuer"
            }
            (Self::RegionDisabled, _) => {
                "activate STS for this region in the account's IAM settings, or use another region"
            }
            (Self::InvalidClientTokenId, _) => "the base access key id is not valid",
            (Self::SignatureDoesNotMatch, _) => {
                "the base secret access key does not match its access key id"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for StsErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of failure an [`StsError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StsErrorKind {
    /// An input failed validation; nothing was sent.
    InvalidInput {
        /// The field, as the user knows it (`role ARN`, `AWS_ROLE_ARN`…).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The endpoint (or the region it is derived from) is not usable; nothing was sent.
    InvalidEndpoint {
        /// What is wrong.
        message: String,
    },
    /// STS answered with an `ErrorResponse`.
    Service {
        /// The HTTP status.
        status: u16,
        /// The error code.
        code: StsErrorCode,
        /// STS's message (trimmed and bounded; secrets the client knows of are removed).
        message: String,
        /// The request id, for AWS support.
        request_id: Option<String>,
    },
    /// A non-success status without a readable `ErrorResponse`.
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
    },
    /// The HTTP exchange failed (connection, time-out, oversized body).
    Http(HttpError),
    /// A success status, but the body is not the expected XML.
    MalformedResponse {
        /// What is missing or wrong (never the body itself).
        detail: String,
    },
    /// STS issued credentials whose expiry is already past by this machine's clock: the
    /// clock is most likely wrong (web identity requests are not signed, so nothing else
    /// catches a clock that runs hours ahead).
    ExpiredOnArrival {
        /// The credentials' expiry (RFC 3339).
        expiration: String,
        /// The time here when they arrived (RFC 3339).
        now: String,
    },
}

/// An STS failure: the operation, the endpoint, the role (where there is one) and what went wrong.
///
/// Its `Display` names all of these and never a secret. [`into_credential_error`] maps it onto
/// the [`CredentialError`] kinds, keeping the STS code (`err.code()`) and this error as the
/// cause, so a caller can downcast to reach the typed [`StsErrorCode`].
///
/// [`into_credential_error`]: StsError::into_credential_error
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    operation: Operation,
    endpoint: Option<String>,
    role_arn: Option<String>,
    kind: StsErrorKind,
}

impl std::error::Error for StsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            StsErrorKind::Http(err) => Some(err),
            _ => None,
        }
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "STS {}", self.0.operation)?;
        if let Some(arn) = &self.0.role_arn {
            write!(f, " for {arn}")?;
        }
        if let Some(endpoint) = &self.0.endpoint {
            write!(f, " at {endpoint}")?;
        }
        match &self.0.kind {
            StsErrorKind::InvalidInput { field, message } => {
                write!(f, ": invalid {field}: {message}")
            }
            StsErrorKind::InvalidEndpoint { message } => write!(f, ": {message}"),
            StsErrorKind::Service {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, " failed with {code} (HTTP {status})")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(hint) = code.hint(self.0.operation) {
                    write!(f, " — {hint}")?;
                }
                if let Some(id) = request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
            StsErrorKind::UnexpectedStatus { status } => {
                write!(f, " failed with HTTP {status} and no STS error in the body")
            }
            StsErrorKind::Http(err) => write!(f, ": {err}"),
            StsErrorKind::MalformedResponse { detail } => {
                write!(f, ": unexpected response: {detail}")
            }
            StsErrorKind::ExpiredOnArrival { expiration, now } => write!(
                f,
                ": the credentials issued expired at {expiration}, and it is {now} here; is the system clock right?"
            ),
        }
    }
}

impl StsError {
    pub(crate) fn new(operation: Operation, kind: StsErrorKind) -> Self {
        Self(Box::new(Inner {
            operation,
            endpoint: None,
            role_arn: None,
            kind,
        }))
    }

    pub(crate) fn invalid_input(
        operation: Operation,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(
            operation,
            StsErrorKind::InvalidInput {
                field: field.into(),
                message: message.into(),
            },
        )
    }

    pub(crate) fn at(mut self, endpoint: impl Into<String>) -> Self {
        self.0.endpoint = Some(endpoint.into());
        self
    }

    pub(crate) fn for_role(mut self, role_arn: Option<&str>) -> Self {
        self.0.role_arn = role_arn.map(str::to_owned);
        self
    }

    /// The STS error inside a [`CredentialError`] made by
    /// [`into_credential_error`](Self::into_credential_error), found through its cause chain.
    ///
    /// (The core error keeps its cause as an `Arc<dyn Error>`, which a plain `downcast_ref` on
    /// `source()` does not see through; this does.)
    pub fn find_in(err: &CredentialError) -> Option<&StsError> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = current {
            if let Some(sts) = e.downcast_ref::<StsError>() {
                return Some(sts);
            }
            if let Some(shared) = e.downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()
                && let Some(sts) = shared.downcast_ref::<StsError>()
            {
                return Some(sts);
            }
            current = e.source();
        }
        None
    }

    /// The operation.
    pub fn operation(&self) -> Operation {
        self.0.operation
    }

    /// The endpoint the request went (or would have gone) to, without query string.
    pub fn endpoint(&self) -> Option<&str> {
        self.0.endpoint.as_deref()
    }

    /// The role ARN, for the role-assuming operations.
    pub fn role_arn(&self) -> Option<&str> {
        self.0.role_arn.as_deref()
    }

    /// What went wrong.
    pub fn kind(&self) -> &StsErrorKind {
        &self.0.kind
    }

    /// The STS error code, when STS sent one.
    pub fn code(&self) -> Option<&StsErrorCode> {
        match &self.0.kind {
            StsErrorKind::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when nothing was sent because the configuration is wrong.
    pub fn is_configuration_error(&self) -> bool {
        matches!(
            self.0.kind,
            StsErrorKind::InvalidInput { .. } | StsErrorKind::InvalidEndpoint { .. }
        )
    }

    /// Whether the same request may succeed later: throttling, `IDPCommunicationError`, 5xx,
    /// 429, connection failures and time-outs. Never access-denied or validation errors.
    pub fn is_retryable(&self) -> bool {
        match &self.0.kind {
            StsErrorKind::Service { status, code, .. } => code.is_retryable() || *status >= 500,
            StsErrorKind::UnexpectedStatus { status } => *status >= 500 || *status == 429,
            StsErrorKind::Http(err) => matches!(
                err.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Io
                    | HttpErrorKind::AttemptTimeout
                    | HttpErrorKind::TotalTimeout
            ),
            // The clock may be corrected (NTP) before the next try.
            StsErrorKind::ExpiredOnArrival { .. } => true,
            StsErrorKind::InvalidInput { .. }
            | StsErrorKind::InvalidEndpoint { .. }
            | StsErrorKind::MalformedResponse { .. } => false,
        }
    }

    /// Maps onto the source error kinds: bad input or endpoint → `InvalidConfiguration`;
    /// time-outs → `TimedOut`; everything else → `ProviderFailed` with the STS code, whether it
    /// is retryable, and this error as the cause.
    pub fn into_credential_error(self, source_name: &str) -> CredentialError {
        let message = self.to_string();
        if self.is_configuration_error() {
            return CredentialError::invalid_configuration(source_name, message);
        }
        if let StsErrorKind::Http(err) = &self.0.kind
            && err.is_timeout()
        {
            let after = err.elapsed().unwrap_or(Duration::ZERO);
            return CredentialError::timed_out(source_name, message, after);
        }
        let retryable = self.is_retryable();
        let code = self.code().map(|c| c.as_str().to_owned());
        let mut err = CredentialError::provider_failed(source_name, message).retryable(retryable);
        if let Some(code) = code {
            err = err.with_code(code);
        }
        err.with_cause(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_name_operation_role_endpoint_code_and_hint() {
        let err = StsError::new(
            Operation::AssumeRole,
            StsErrorKind::Service {
                status: 403,
                code: StsErrorCode::AccessDenied,
                message: "not authorized".into(),
                request_id: Some("req-1".into()),
            },
        )
        .at("https://sts.eu-west-1.amazonaws.com/")
        .for_role(Some("arn:aws:iam::123456789012:role/r"));
        let text = err.to_string();
        assert!(
            text.starts_with("STS AssumeRole for arn:aws:iam::123456789012:role/r at https://sts.eu-west-1.amazonaws.com/ failed with AccessDenied (HTTP 403): not authorized — check the role's trust policy"),
            "{text}"
        );
        assert!(text.ends_with("[request id req-1]"), "{text}");
        let cred = err.into_credential_error("assume-role");
        assert_eq!(cred.code(), Some("AccessDenied"));
        assert!(!cred.is_retryable());
        let cause = StsError::find_in(&cred).expect("the typed STS error is the cause");
        assert_eq!(cause.code(), Some(&StsErrorCode::AccessDenied));
    }

    #[test]
    fn retryable_codes_and_statuses() {
        let service = |status, code: &str| {
            StsError::new(
                Operation::AssumeRole,
                StsErrorKind::Service {
                    status,
                    code: StsErrorCode::from_wire(code),
                    message: String::new(),
                    request_id: None,
                },
            )
        };
        assert!(service(400, "Throttling").is_retryable());
        assert!(service(400, "IDPCommunicationError").is_retryable());
        assert!(service(500, "InternalFailure").is_retryable());
        assert!(service(503, "Anything").is_retryable());
        for code in [
            "AccessDenied",
            "ValidationError",
            "ExpiredToken",
            "InvalidIdentityToken",
            "IDPRejectedClaim",
            "RegionDisabledException",
        ] {
            assert!(!service(403, code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn invalid_input_is_a_configuration_error() {
        let err = StsError::invalid_input(Operation::AssumeRole, "role ARN", "bad")
            .into_credential_error("assume-role");
        assert_eq!(err.kind(), awsauth_core::ErrorKind::InvalidConfiguration);
        assert!(err.to_string().contains("invalid role ARN: bad"), "{err}");
    }

    #[test]
    fn timeouts_map_to_timed_out() {
        let http = HttpError::new(HttpErrorKind::TotalTimeout, "https://sts/", "slow");
        let err = StsError::new(Operation::GetCallerIdentity, StsErrorKind::Http(http))
            .into_credential_error("whoami");
        assert_eq!(err.kind(), awsauth_core::ErrorKind::TimedOut);
    }
}
