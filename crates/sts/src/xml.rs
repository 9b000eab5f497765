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
#[error("{0}")]
pub struct XmlError(String);

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
    let text = std::str::from_utf8(body).map_err(|e| {
        XmlError(format!(
            "the body is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut found: Found = vec![None; wanted.len()];
    // (index into `wanted`, depth of the element, text so far)
    let mut collecting: Option<(usize, usize, Zeroizing<String>)> = None;
    let mut saw_element = false;
    let ill_formed = |reader: &Reader<&[u8]>| {
        XmlError(format!(
            "the body is not well-formed XML (near byte {})",
            reader.buffer_position()
        ))
    };
    loop {
        let event = reader.read_event().map_err(|_| ill_formed(&reader))?;
        match event {
            Event::Start(_) | Event::Empty(_) if stack.len() >= MAX_DEPTH => {
                return Err(XmlError(format!(
                    "the XML nests deeper than {MAX_DEPTH} elements"
                )));
            }
            Event::Start(start) => {
                saw_element = true;
                stack.push(start.local_name().into_inner().to_owned());
                if collecting.is_none()
                    && let Some(i) = matching(&stack, wanted, &found)
                {
                    collecting = Some((i, stack.len(), Zeroizing::new(String::new())));
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
                    text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some((_, depth, text)) = &mut collecting
                    && *depth == stack.len()
                {
                    text.push_str(&c.xml10_content());
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
                            None => {
                                return Err(XmlError(
                                    "the XML uses an entity that is not one of XML's five predefined ones"
                                        .to_owned(),
                                ));
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError(
            "the XML ends before its elements are closed".to_owned(),
        ));
    }
    if !saw_element {
        return Err(XmlError("the body has no XML element".to_owned()));
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

fn take(found: &mut Found, i: usize) -> Option<Zeroizing<String>> {
    found
        .get_mut(i)
        .and_then(Option::take)
        .map(|mut s| {
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                *s = trimmed.to_owned();
            }
            s
        })
        .filter(|s| !s.is_empty())
}

fn plain(found: &mut Found, i: usize) -> Option<String> {
    take(found, i).map(|mut s| std::mem::take(&mut *s))
}

fn secret(found: &mut Found, i: usize) -> Option<SecretString> {
    take(found, i).map(|mut s| SecretString::new(std::mem::take(&mut *s)))
}

/// The account id inside an ARN (`arn:aws:sts::123456789012:assumed-role/…`), if it is 12 digits.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

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
    let missing = |what: &str| {
        XmlError(format!(
            "the {operation} response has no {what} (expected {operation}Result/{what})"
        ))
    };
    let access_key_id = plain(&mut found, KEY).ok_or_else(|| missing("Credentials/AccessKeyId"))?;
    let secret_access_key =
        secret(&mut found, SECRET).ok_or_else(|| missing("Credentials/SecretAccessKey"))?;
    let session_token =
        secret(&mut found, TOKEN).ok_or_else(|| missing("Credentials/SessionToken"))?;
    let expiration_text =
        plain(&mut found, EXPIRATION).ok_or_else(|| missing("Credentials/Expiration"))?;
    let expiration = timefmt::parse_rfc3339(&expiration_text).map_err(|e| {
        XmlError(format!(
            "the {operation} response's Credentials/Expiration is {e}"
        ))
    })?;
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
    let missing = |what: &str| {
        XmlError(format!(
            "the GetCallerIdentity response has no GetCallerIdentityResult/{what}"
        ))
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
