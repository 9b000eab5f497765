//! Printing resolved credentials in each format, and which formats may carry secrets.
//!
//! The rule: `text` and `json` redact the secret key and the session token unless
//! `--show-secrets`; `env` prints nothing but secrets and so needs `--show-secrets`; `process`
//! exists to hand the secret to an SDK's `credential_process` and always carries it, but refuses
//! a terminal without `--show-secrets` (an SDK reads it through a pipe).

use awsauth::{Credentials, REDACTED, timefmt};
use serde_json::{Value, json};

use crate::args::Format;
use crate::error::CliError;

/// Checks, before anything is resolved, that `format` may be printed with these flags.
pub(crate) fn check_secret_rule(
    format: Format,
    show_secrets: bool,
    stdout_is_terminal: bool,
) -> Result<(), CliError> {
    match format {
        Format::Env if !show_secrets => Err(CliError::usage(
            "--format env prints the secret key and session token; add --show-secrets \
             (for example: eval \"$(awsauth resolve --format env --show-secrets)\")",
        )),
        Format::Process if stdout_is_terminal && !show_secrets => Err(CliError::usage(
            "--format process prints the secret key for an SDK's credential_process, and stdout \
             is a terminal; add --show-secrets to print it here",
        )),
        _ => Ok(()),
    }
}

/// What `resolve` prints besides the credentials themselves.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    pub(crate) region: Option<String>,
}

/// The credentials in `format`. `show_secrets` only matters for `text` and `json`.
pub(crate) fn render(
    creds: &Credentials,
    extra: &Extra,
    format: Format,
    show_secrets: bool,
) -> String {
    match format {
        Format::Json => {
            let mut text = to_json(creds, extra, show_secrets).to_string();
            text.push('\n');
            text
        }
        Format::Text => to_text(creds, extra, show_secrets),
        Format::Env => to_env(creds, extra),
        Format::Process => {
            let mut text = to_process(creds).to_string();
            text.push('\n');
            text
        }
    }
}

fn secret(value: &str, show: bool) -> &str {
    if show { value } else { REDACTED }
}

/// `{access_key_id, secret_access_key, session_token, expiration, account_id, source, region}`.
pub(crate) fn to_json(creds: &Credentials, extra: &Extra, show_secrets: bool) -> Value {
    json!({
        "access_key_id": creds.access_key_id(),
        "secret_access_key": secret(creds.secret_access_key(), show_secrets),
        "session_token": creds.session_token().map(|t| secret(t, show_secrets)),
        "expiration": creds.expiry().map(timefmt::rfc3339),
        "account_id": creds.account_id(),
        "source": creds.provenance().to_string(),
        "region": extra.region,
    })
}

fn to_text(creds: &Credentials, extra: &Extra, show_secrets: bool) -> String {
    let none = "-";
    let rows = [
        ("access key id", creds.access_key_id().to_owned()),
        (
            "secret key",
            secret(creds.secret_access_key(), show_secrets).to_owned(),
        ),
        (
            "session token",
            creds
                .session_token()
                .map_or(none, |t| secret(t, show_secrets))
                .to_owned(),
        ),
        (
            "expiration",
            creds
                .expiry()
                .map_or_else(|| "never (long-term keys)".to_owned(), timefmt::rfc3339),
        ),
        ("account", creds.account_id().unwrap_or(none).to_owned()),
        ("source", creds.provenance().to_string()),
        ("region", extra.region.as_deref().unwrap_or(none).to_owned()),
    ];
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<14} {value}\n"));
    }
    out
}

/// POSIX shell single quotes: safe for any value.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

fn to_env(creds: &Credentials, extra: &Extra) -> String {
    let mut out = format!(
        "export AWS_ACCESS_KEY_ID={}\nexport AWS_SECRET_ACCESS_KEY={}\n",
        shell_quote(creds.access_key_id()),
        shell_quote(creds.secret_access_key())
    );
    match creds.session_token() {
        Some(token) => out.push_str(&format!(
            "export AWS_SESSION_TOKEN={}\n",
            shell_quote(token)
        )),
        // A token left over from earlier credentials would break these keys.
        None => out.push_str("unset AWS_SESSION_TOKEN\n"),
    }
    match creds.expiry() {
        Some(expiry) => out.push_str(&format!(
            "export AWS_CREDENTIAL_EXPIRATION={}\n",
            shell_quote(&timefmt::rfc3339(expiry))
        )),
        None => out.push_str("unset AWS_CREDENTIAL_EXPIRATION\n"),
    }
    if let Some(region) = &extra.region {
        out.push_str(&format!("export AWS_REGION={}\n", shell_quote(region)));
    }
    out
}

/// `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}`.
pub(crate) fn to_process(creds: &Credentials) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("Version".into(), json!(1));
    object.insert("AccessKeyId".into(), json!(creds.access_key_id()));
    object.insert("SecretAccessKey".into(), json!(creds.secret_access_key()));
    if let Some(token) = creds.session_token() {
        object.insert("SessionToken".into(), json!(token));
    }
    if let Some(expiry) = creds.expiry() {
        object.insert("Expiration".into(), json!(timefmt::rfc3339(expiry)));
    }
    Value::Object(object)
}

/// `AKIA…0001`: enough to recognise a key, not enough to use it anywhere.
pub(crate) fn redact_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars.iter().take(4).collect();
    let tail: String = chars.iter().skip(chars.len() - 4).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn temporary() -> Credentials {
        Credentials::builder("ASIAEXAMPLE000000001", "the-secret")
            .session_token("the-token")
            .expiry(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .account_id("123456789012")
            .provenance("keys")
            .build()
    }

    #[test]
    fn json_redacts_unless_asked() {
        let extra = Extra {
            region: Some("eu-west-1".into()),
        };
        let value = to_json(&temporary(), &extra, false);
        assert_eq!(
            value,
            json!({"access_key_id":"ASIAEXAMPLE000000001","secret_access_key":REDACTED,
                   "session_token":REDACTED,"expiration":"2023-11-14T22:13:20Z",
                   "account_id":"123456789012","source":"keys","region":"eu-west-1"})
        );
        let shown = to_json(&temporary(), &extra, true);
        assert_eq!(shown["secret_access_key"], "the-secret");
        assert_eq!(shown["session_token"], "the-token");
        let text = render(&temporary(), &extra, Format::Text, false);
        assert!(
            !text.contains("the-secret") && !text.contains("the-token"),
            "{text}"
        );
    }

    #[test]
    fn process_output_is_what_sdks_read() {
        assert_eq!(
            to_process(&temporary()),
            json!({"Version":1,"AccessKeyId":"ASIAEXAMPLE000000001","SecretAccessKey":"the-secret",
                   "SessionToken":"the-token","Expiration":"2023-11-14T22:13:20Z"})
        );
        let static_keys = Credentials::builder("AKIDEXAMPLE", "s").build();
        assert_eq!(
            to_process(&static_keys),
            json!({"Version":1,"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"s"})
        );
    }

    #[test]
    fn env_lines_are_quoted_and_clear_a_stale_token() {
        let creds = Credentials::builder("AKIDEXAMPLE", "it's").build();
        let text = to_env(&creds, &Extra::default());
        assert_eq!(
            text,
            "export AWS_ACCESS_KEY_ID='AKIDEXAMPLE'\nexport AWS_SECRET_ACCESS_KEY='it'\\''s'\n\
             unset AWS_SESSION_TOKEN\nunset AWS_CREDENTIAL_EXPIRATION\n"
        );
    }

    #[test]
    fn the_secret_rule() {
        assert_eq!(
            check_secret_rule(Format::Env, false, false)
                .unwrap_err()
                .kind,
            crate::error::Kind::Usage
        );
        assert!(check_secret_rule(Format::Env, true, true).is_ok());
        assert!(check_secret_rule(Format::Process, false, false).is_ok());
        assert!(check_secret_rule(Format::Process, false, true).is_err());
        assert!(check_secret_rule(Format::Process, true, true).is_ok());
        assert!(check_secret_rule(Format::Json, false, true).is_ok());
    }

    #[test]
    fn key_ids_are_shortened() {
        assert_eq!(redact_key_id("AKIAIOSFODNN70000001"), "AKIA…0001");
        assert_eq!(redact_key_id("short"), "*****");
    }
}
