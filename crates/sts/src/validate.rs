//! Input validation done before any network call, with the limits STS documents, so a typo
//! is reported by name instead of as a round trip's `ValidationError`.

use std::fmt;
use std::time::Duration;

/// The shortest session STS grants.
pub const MIN_DURATION: Duration = Duration::from_secs(900);
/// The longest session STS grants (a role's own maximum may be lower).
pub const MAX_DURATION: Duration = Duration::from_secs(43_200);

/// An input that STS would reject: which field, and why. The message never repeats an external
/// ID or a token; ARNs and session names are not secrets and are quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ValidationError {
    /// The field, as the user knows it (`role ARN`, `AWS_ROLE_ARN`, `external ID`…).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ValidationError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A validated IAM role ARN: `arn:{partition}:iam::{12 digits}:role/{path}{name}`.
///
/// ```
/// use awsauth_sts::RoleArn;
/// let arn = RoleArn::parse("role ARN", "arn:aws-cn:iam::123456789012:role/ops/reader").unwrap();
/// assert_eq!(arn.partition(), "aws-cn");
/// assert_eq!(arn.account_id(), "123456789012");
/// assert_eq!(arn.role_name(), "reader");
/// let err = RoleArn::parse("role ARN", "arn:aws:iam::12345:role/x").unwrap_err();
/// assert!(err.to_string().starts_with("invalid role ARN: "));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoleArn {
    arn: String,
    partition: String,
    account_id: String,
    name_start: usize,
}

impl RoleArn {
    /// Parses and checks an ARN; `field` names it in the error.
    pub fn parse(field: &str, arn: &str) -> Result<Self, ValidationError> {
        let fail = |why: &str| {
            ValidationError::new(
                field,
                format!(
                    "{} {why}; expected arn:<partition>:iam::<12-digit account id>:role/<optional path/><name>",
                    awsauth_core::quoted(arn)
                ),
            )
        };
        if arn.len() < 20 || arn.len() > 2048 {
            return Err(fail("must be 20 to 2048 characters long"));
        }
        let mut parts = arn.splitn(6, ':');
        let (
            Some(prefix),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(fail("does not have six ':'-separated parts"));
        };
        if prefix != "arn" {
            return Err(fail("does not start with \"arn:\""));
        }
        if !is_partition(partition) {
            return Err(fail("has no valid partition (aws, aws-cn, aws-us-gov…)"));
        }
        if service != "iam" {
            return Err(fail("is not an IAM ARN (the service part must be \"iam\")"));
        }
        if !region.is_empty() {
            return Err(fail("has a region, but IAM ARNs have none"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("does not have a 12-digit account id"));
        }
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return Err(fail(
                "is not a role ARN (the resource must start with \"role/\")",
            ));
        };
        let (path, name) = match path_and_name.rsplit_once('/') {
            Some((path, name)) => (path, name),
            None => ("", path_and_name),
        };
        if name.is_empty() || name.chars().count() > 64 {
            return Err(fail("must end with a role name of 1 to 64 characters"));
        }
        if let Some(c) = name.chars().find(|c| !is_name_char(*c)) {
            return Err(fail(&format!(
                "has {c:?} in the role name, where only letters, digits and +=,.@_- are allowed"
            )));
        }
        if path.len() + 2 > 512 {
            return Err(fail("has a path longer than 512 characters"));
        }
        if path.split('/').any(str::is_empty) && !path.is_empty() {
            return Err(fail("has an empty segment in the role path"));
        }
        if let Some(c) = path.chars().find(|c| !('!'..='~').contains(c)) {
            return Err(fail(&format!("has {c:?} in the role path")));
        }
        let name_start = arn.len() - name.len();
        Ok(Self {
            partition: partition.to_owned(),
            account_id: account.to_owned(),
            arn: arn.to_owned(),
            name_start,
        })
    }

    /// The ARN as given.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The partition (`aws`, `aws-cn`, `aws-us-gov`…).
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The account that owns the role.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The role's name (without its path).
    pub fn role_name(&self) -> &str {
        self.arn.get(self.name_start..).unwrap_or_default()
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl fmt::Debug for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoleArn({:?})", self.arn)
    }
}

fn is_partition(partition: &str) -> bool {
    partition == "aws"
        || partition.strip_prefix("aws-").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .split('-')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// `[\w+=,.@-]`, ASCII: what role and session names may contain.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// Checks an external ID: 2 to 1224 characters of `[\w+=,.@:/-]`. The value itself is never
/// quoted in the error.
///
/// ```
/// use awsauth_sts::validate_external_id;
/// assert!(validate_external_id("external ID", "grafana-ext:1/2").is_ok());
/// assert!(validate_external_id("external ID", "x").is_err());
/// ```
pub fn validate_external_id(field: &str, value: &str) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if !(2..=1224).contains(&len) {
        return Err(ValidationError::new(
            field,
            format!("must be 2 to 1224 characters long, but has {len}"),
        ));
    }
    if let Some((i, _)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| !(is_name_char(*c) || matches!(c, ':' | '/')))
    {
        return Err(ValidationError::new(
            field,
            format!(
                "character {} is not allowed; use only letters, digits and +=,.@:/_-",
                i + 1
            ),
        ));
    }
    Ok(())
}

/// Checks a role session name: 2 to 64 characters of `[\w+=,.@-]`.
///
/// ```
/// use awsauth_sts::validate_session_name;
/// assert!(validate_session_name("session name", "grafana@host-1").is_ok());
/// assert!(validate_session_name("session name", "has space").is_err());
/// ```
pub fn validate_session_name(field: &str, value: &str) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if !(2..=64).contains(&len) {
        return Err(ValidationError::new(
            field,
            format!(
                "{} must be 2 to 64 characters long, but has {len}",
                awsauth_core::quoted(value)
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| !is_name_char(*c)) {
        return Err(ValidationError::new(
            field,
            format!(
                "{} contains {c:?}; use only letters, digits and +=,.@_-",
                awsauth_core::quoted(value)
            ),
        ));
    }
    Ok(())
}

/// Checks a session duration: 900 to 43200 seconds, whole seconds.
///
/// ```
/// use std::time::Duration;
/// use awsauth_sts::validate_duration;
/// assert!(validate_duration("duration", Duration::from_secs(3600)).is_ok());
/// assert!(validate_duration("duration", Duration::from_secs(899)).is_err());
/// ```
pub fn validate_duration(field: &str, value: Duration) -> Result<(), ValidationError> {
    if value.subsec_nanos() != 0 {
        return Err(ValidationError::new(
            field,
            format!("{value:?} is not a whole number of seconds"),
        ));
    }
    if value < MIN_DURATION || value > MAX_DURATION {
        return Err(ValidationError::new(
            field,
            format!(
                "{} seconds is outside the {} to {} seconds STS allows (15 minutes to 12 hours)",
                value.as_secs(),
                MIN_DURATION.as_secs(),
                MAX_DURATION.as_secs()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(s: &str) -> Result<RoleArn, ValidationError> {
        RoleArn::parse("role ARN", s)
    }

    #[test]
    fn role_arns_accepted() {
        for ok in [
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::123456789012:role/a/b/c/name_with+=,.@-",
            "arn:aws-cn:iam::123456789012:role/cn",
            "arn:aws-us-gov:iam::123456789012:role/gov",
            "arn:aws-iso-b:iam::123456789012:role/iso",
        ] {
            let parsed = arn(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(parsed.as_str(), ok);
            assert_eq!(parsed.account_id(), "123456789012");
        }
        assert_eq!(
            arn("arn:aws:iam::123456789012:role/a/b/reader")
                .unwrap()
                .role_name(),
            "reader"
        );
    }

    #[test]
    fn role_arns_rejected_with_the_field_named() {
        let name64 = "n".repeat(64);
        let name65 = "n".repeat(65);
        assert!(arn(&format!("arn:aws:iam::123456789012:role/{name64}")).is_ok());
        for bad in [
            "",
            "arn:aws:iam::123456789012",
            "not-an-arn:aws:iam::123456789012:role/x",
            "arn:aws:sts::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::1234567890123:role/x",
            "arn:aws:iam::12345678901a:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a//x",
            "arn:aws:iam::123456789012:role/has space",
            "arn:AWS:iam::123456789012:role/x",
            "arn::iam::123456789012:role/x",
            &format!("arn:aws:iam::123456789012:role/{name65}"),
            &format!("arn:aws:iam::123456789012:role/{}/x", "p".repeat(600)),
        ] {
            let err = arn(bad).expect_err(bad);
            assert_eq!(err.field, "role ARN");
            assert!(err.to_string().starts_with("invalid role ARN: "), "{err}");
        }
    }

    #[test]
    fn external_id_limits() {
        let f = "external ID";
        assert!(validate_external_id(f, "ab").is_ok());
        assert!(validate_external_id(f, &"a".repeat(1224)).is_ok());
        assert!(validate_external_id(f, "a").is_err());
        assert!(validate_external_id(f, "").is_err());
        assert!(validate_external_id(f, &"a".repeat(1225)).is_err());
        assert!(validate_external_id(f, "Az09_+=,.@:/-").is_ok());
        for bad in ["has space", "semi;colon", "new\nline", "ünï"] {
            let err = validate_external_id(f, bad).expect_err(bad);
            assert!(
                !err.to_string().contains(bad),
                "the value is not echoed: {err}"
            );
            assert!(err.to_string().starts_with("invalid external ID"), "{err}");
        }
    }

    #[test]
    fn session_name_limits() {
        let f = "session name";
        assert!(validate_session_name(f, "ab").is_ok());
        assert!(validate_session_name(f, &"a".repeat(64)).is_ok());
        assert!(validate_session_name(f, "a").is_err());
        assert!(validate_session_name(f, &"a".repeat(65)).is_err());
        assert!(validate_session_name(f, "Az09_+=,.@-").is_ok());
        for bad in ["with:colon", "with/slash", "has space", "tab\t"] {
            let err = validate_session_name(f, bad).expect_err(bad);
            assert!(err.to_string().starts_with("invalid session name"), "{err}");
        }
    }

    #[test]
    fn duration_limits() {
        let f = "duration";
        assert!(validate_duration(f, Duration::from_secs(900)).is_ok());
        assert!(validate_duration(f, Duration::from_secs(43_200)).is_ok());
        assert!(validate_duration(f, Duration::from_secs(899)).is_err());
        assert!(validate_duration(f, Duration::from_secs(43_201)).is_err());
        assert!(validate_duration(f, Duration::from_millis(900_500)).is_err());
        let err = validate_duration(f, Duration::from_secs(60)).unwrap_err();
        assert!(err.to_string().contains("60 seconds"), "{err}");
    }
}
