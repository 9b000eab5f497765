//! Reading STS's XML answers with quick-xml: credentials, the caller identity and
//! `ErrorResponse`s.
//!
//! The reader is a small streaming scan that keeps only the text of the elements asked for,
//! matched by the tail of their path (`Credentials/SecretAccessKey`), so namespaces, element
//! order, whitespace and extra elements do not matter. Secret values go straight into zeroized
//! buffers. Nothing here panics on any input; errors describe the problem without quoting the
//! body.

use std::time::SystemTime;

use awsauth_core::{SecretString, timefmt};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use zeroize::Zeroizing;

use crate::Operation;

/// Deeper nesting than any STS answer has; a deeper document is refused.
const MAX_DEPTH: usize = 32;

/// Why a body could not be read (describes the problem, never quotes the body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The body is not UTF-8.
    #[error("the body is not UTF-8 (at byte {at})")]
    NotUtf8 {
        /// The first byte that is not.
        at: usize,
    },
    /// The body is not well-formed XML.
    #[error("the body is not well-formed XML (near byte {near})")]
    IllFormed {
        /// About where.
        near: u64,
    },
    /// Deeper nesting than any STS answer has.
    #[error("the XML nests deeper than {max} elements")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// An entity other than XML's five predefined ones.
    #[error("the XML uses an entity that is not one of XML's five predefined ones")]
    UnknownEntity,
    /// The body ends inside an element.
    #[error("the XML ends before its elements are closed")]
    Unclosed,
    /// No element at all.
    #[error("the body has no XML element")]
    NoElement,
    /// A required element is missing (or blank).
    #[error("the {operation} response has no {path} (expected {operation}Result/{path})")]
    Missing {
        /// The call answered.
        operation: Operation,
        /// The element's path below the result (`Credentials/AccessKeyId`).
        path: &'static str,
    },
    /// `Credentials/Expiration` is not a timestamp.
    #[error("the {operation} response's Credentials/Expiration is {error}")]
    BadExpiration {
        /// The call answered.
        operation: Operation,
        /// What is wrong with it.
        error: timefmt::InvalidTimestamp,
    },
}

/// Temporary credentials from `AssumeRole` or `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone)]
pub struct CredentialsResult {
    /// `Credentials/AccessKeyId`.
    pub access_key_id: String,
    /// `Credentials/SecretAccessKey`.
    pub secret_access_key: SecretString,
    /// `Credentials/SessionToken`.
    pub session_token: SecretString,
    /// `Credentials/Expiration`.
    pub expiration: SystemTime,
    /// `AssumedRoleUser/Arn` (`arn:aws:sts::123456789012:assumed-role/name/session`).
    pub assumed_role_arn: Option<String>,
    /// `AssumedRoleUser/AssumedRoleId`.
    pub assumed_role_id: Option<String>,
    /// The account id, taken from the assumed-role ARN.
    pub account_id: Option<String>,
}

/// The answer to `GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The caller's unique id.
    pub user_id: String,
}

/// An `ErrorResponse`'s `Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// `Error/Code`.
    pub code: String,
    /// `Error/Message` (may be empty).
    pub message: String,
    /// `Error/Type` (`Sender` or `Receiver`), if present.
    pub error_type: Option<String>,
    /// `RequestId`, if present.
    pub request_id: Option<String>,
}

type Found = Vec<Option<Zeroizing<String>>>;

/// Collects the text of the first element whose path ends with each of `wanted`.
fn scan(body: &[u8], wanted: &[&[&str]]) -> Result<Found, XmlError> {
    let text = std::str::from_utf8(body).map_err(|e| XmlError::NotUtf8 {
        at: e.valid_up_to(),
    })?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut found: Found = vec![None; wanted.len()];
    // (index into `wanted`, depth of the element, text so far)
    let mut collecting: Option<(usize, usize, Zeroizing<String>)> = None;
    let mut saw_element = false;
    let ill_formed = |reader: &Reader<&[u8]>| XmlError::IllFormed {
        near: reader.buffer_position(),
    };
    loop {
        let event = reader.read_event().map_err(|_| ill_formed(&reader))?;
        match event {
            Event::Start(_) | Event::Empty(_) if stack.len() >= MAX_DEPTH => {
                return Err(XmlError::TooDeep { max: MAX_DEPTH });
            }
            Event::Start(start) => {
                saw_element = true;
                stack.push(start.local_name().into_inner().to_owned());
                if collecting.is_none()
                    && let Some(i) = matching(&stack, wanted, &found)
                {
                    collecting = Some((i, stack.len(), buffer(text.len())));
                }
            }
            Event::Empty(start) => {
                saw_element = true;
                stack.push(start.local_name().into_inner().to_owned());
                if collecting.is_none()
                    && let Some(i) = matching(&stack, wanted, &found)
                    && let Some(slot) = found.get_mut(i)
                {
                    *slot = Some(Zeroizing::new(String::new()));
                }
                stack.pop();
            }
            Event::End(_) => {
                if let Some((i, depth, _)) = &collecting
                    && *depth == stack.len()
                {
                    let i = *i;
                    if let Some((_, _, text)) = collecting.take()
                        && let Some(slot) = found.get_mut(i)
                    {
                        *slot = Some(text);
                    }
                }
                stack.pop();
            }
            Event::Text(t) => {
                if let Some((_, depth, text)) = &mut collecting
                    && *depth == stack.len()
                {
                    push_wiped(text, t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some((_, depth, text)) = &mut collecting
                    && *depth == stack.len()
                {
                    push_wiped(text, c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, depth, text)) = &mut collecting
                    && *depth == stack.len()
                {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => None,
                        Err(_) => return Err(ill_formed(&reader)),
                    };
                    match resolved {
                        Some(c) => text.push(c),
                        None => match resolve_predefined_entity(&r.xml10_content()) {
                            Some(s) => text.push_str(s),
                            None => return Err(XmlError::UnknownEntity),
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Unclosed);
    }
    if !saw_element {
        return Err(XmlError::NoElement);
    }
    Ok(found)
}

fn matching(stack: &[String], wanted: &[&[&str]], found: &Found) -> Option<usize> {
    wanted.iter().enumerate().find_map(|(i, tail)| {
        let unfilled = found.get(i).is_some_and(Option::is_none);
        let ends_with = stack.len() >= tail.len()
            && stack
                .iter()
                .rev()
                .zip(tail.iter().rev())
                .all(|(have, want)| have == want);
        (unfilled && ends_with).then_some(i)
    })
}

/// A buffer for an element's text that never has to grow: the text is never longer than the
/// body it comes from, and a buffer that grows leaves its old allocation — a secret, maybe —
/// unwiped.
fn buffer(body_len: usize) -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(body_len))
}

/// Appends a piece of text; a piece quick-xml had to copy (to normalise line ends) is wiped.
fn push_wiped(text: &mut String, piece: std::borrow::Cow<'_, str>) {
    text.push_str(&piece);
    if let std::borrow::Cow::Owned(copy) = piece {
        drop(Zeroizing::new(copy));
    }
}

/// The collected text, trimmed in place (a trimmed copy would leave the untrimmed secret in
/// a freed allocation), or `None` when blank.
fn take(found: &mut Found, i: usize) -> Option<Zeroizing<String>> {
    let mut s = found.get_mut(i).and_then(Option::take)?;
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
    (!s.is_empty()).then_some(s)
}

// Both copy the text into an allocation of its own size (the collecting buffer is as large
// as the body) and let the buffer be wiped.
fn plain(found: &mut Found, i: usize) -> Option<String> {
    take(found, i).map(|s| s.as_str().to_owned())
}

fn secret(found: &mut Found, i: usize) -> Option<SecretString> {
    take(found, i).map(|s| SecretString::new(s.as_str().to_owned()))
}

/// The account id inside an ARN, if it is 12 digits (core's one rule, re-exported here).
pub use awsauth_core::account_of_arn;

/// Reads an `AssumeRoleResponse` or `AssumeRoleWithWebIdentityResponse`.
///
/// ```
/// use awsauth_sts::{xml, Operation};
/// let body = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
///   <AssumeRoleResult>
///     <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
///     <Credentials>
///       <AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
///       <SessionToken>token</SessionToken><Expiration>2024-01-01T01:00:00.123456Z</Expiration>
///     </Credentials>
///   </AssumeRoleResult>
/// </AssumeRoleResponse>"#;
/// let parsed = xml::parse_credentials(Operation::AssumeRole, body).unwrap();
/// assert_eq!(parsed.access_key_id, "ASIAEXAMPLE");
/// assert_eq!(parsed.account_id.as_deref(), Some("123456789012"));
/// assert!(xml::parse_credentials(Operation::AssumeRole, b"<x/>").is_err());
/// ```
pub fn parse_credentials(operation: Operation, body: &[u8]) -> Result<CredentialsResult, XmlError> {
    const KEY: usize = 0;
    const SECRET: usize = 1;
    const TOKEN: usize = 2;
    const EXPIRATION: usize = 3;
    const ARN: usize = 4;
    const ROLE_ID: usize = 5;
    let mut found = scan(
        body,
        &[
            &["Credentials", "AccessKeyId"],
            &["Credentials", "SecretAccessKey"],
            &["Credentials", "SessionToken"],
            &["Credentials", "Expiration"],
            &["AssumedRoleUser", "Arn"],
            &["AssumedRoleUser", "AssumedRoleId"],
        ],
    )?;
    let missing = |path: &'static str| XmlError::Missing { operation, path };
    let access_key_id = plain(&mut found, KEY).ok_or_else(|| missing("Credentials/AccessKeyId"))?;
    let secret_access_key =
        secret(&mut found, SECRET).ok_or_else(|| missing("Credentials/SecretAccessKey"))?;
    let session_token =
        secret(&mut found, TOKEN).ok_or_else(|| missing("Credentials/SessionToken"))?;
    let expiration_text =
        plain(&mut found, EXPIRATION).ok_or_else(|| missing("Credentials/Expiration"))?;
    let expiration = timefmt::parse_rfc3339(&expiration_text)
        .map_err(|error| XmlError::BadExpiration { operation, error })?;
    let assumed_role_arn = plain(&mut found, ARN);
    let account_id = assumed_role_arn
        .as_deref()
        .and_then(account_of_arn)
        .map(str::to_owned);
    Ok(CredentialsResult {
        access_key_id,
        secret_access_key,
        session_token,
        expiration,
        account_id,
        assumed_role_arn,
        assumed_role_id: plain(&mut found, ROLE_ID),
    })
}

/// Reads a `GetCallerIdentityResponse`.
pub fn parse_caller_identity(body: &[u8]) -> Result<CallerIdentity, XmlError> {
    let mut found = scan(
        body,
        &[
            &["GetCallerIdentityResult", "Account"],
            &["GetCallerIdentityResult", "Arn"],
            &["GetCallerIdentityResult", "UserId"],
        ],
    )?;
    let missing = |path: &'static str| XmlError::Missing {
        operation: Operation::GetCallerIdentity,
        path,
    };
    let arn = plain(&mut found, 1).ok_or_else(|| missing("Arn"))?;
    let account = match plain(&mut found, 0) {
        Some(account) => account,
        None => account_of_arn(&arn)
            .map(str::to_owned)
            .ok_or_else(|| missing("Account"))?,
    };
    Ok(CallerIdentity {
        account,
        arn,
        user_id: plain(&mut found, 2).unwrap_or_default(),
    })
}

/// Reads an error answer (`ErrorResponse/Error/{Type,Code,Message}`, also the
/// `Response/Errors/Error` form); `None` when the body has no `Error/Code`.
///
/// ```
/// let body = br#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>
///   <Message>not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#;
/// let e = awsauth_sts::xml::parse_error(body).unwrap();
/// assert_eq!((e.code.as_str(), e.message.as_str()), ("AccessDenied", "not authorized"));
/// assert_eq!(e.request_id.as_deref(), Some("r-1"));
/// assert!(awsauth_sts::xml::parse_error(b"<html>503</html>").is_none());
/// ```
pub fn parse_error(body: &[u8]) -> Option<ErrorBody> {
    let mut found = scan(
        body,
        &[
            &["Error", "Code"],
            &["Error", "Message"],
            &["Error", "Type"],
            &["RequestId"],
        ],
    )
    .ok()?;
    Some(ErrorBody {
        code: plain(&mut found, 0)?,
        message: plain(&mut found, 1).unwrap_or_default(),
        error_type: plain(&mut found, 2),
        request_id: plain(&mut found, 3),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_cdata_and_whitespace_are_handled() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code> ValidationError </Code>
    <Message>1 validation error: &apos;roleArn&apos; &lt;x&gt; &#65;&#x42; <![CDATA[<raw>]]></Message>
  </Error>
  <RequestId>abc</RequestId>
</ErrorResponse>"#;
        let e = parse_error(body).unwrap();
        assert_eq!(e.code, "ValidationError");
        assert_eq!(e.message, "1 validation error: 'roleArn' <x> AB <raw>");
        assert_eq!(e.error_type.as_deref(), Some("Sender"));
    }

    #[test]
    fn unknown_entities_and_deep_nesting_are_refused() {
        assert!(
            scan(
                b"<!DOCTYPE x [<!ENTITY e \"boom\">]><a><b>&e;</b></a>",
                &[&["a", "b"]]
            )
            .is_err()
        );
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(scan(deep.as_bytes(), &[&["a"]]).is_err());
        assert!(scan(b"<a><b>x</b>", &[&["b"]]).is_err(), "truncated");
        assert!(scan(b"", &[&["b"]]).is_err());
        assert!(scan(b"<a></b>", &[&["a"]]).is_err());
        assert!(scan(&[0xff, 0xfe], &[&["a"]]).is_err());
    }

    #[test]
    fn errors_do_not_quote_the_body() {
        let body = b"<a><SecretAccessKey>wJalrXUtnFEMI</SecretAccessKey><b></a>";
        let err = parse_credentials(Operation::AssumeRole, body).unwrap_err();
        assert!(!err.to_string().contains("wJalr"), "{err}");
    }
}
