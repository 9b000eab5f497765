//! Printing resolved credentials in each format, and which formats may carry secrets.
//!
//! The rule: `text` and `json` redact the secret key and the session token unless
//! `--show-secrets`; the shell formats (`env`, `env-no-export`, `powershell`, `windows-cmd`:
//! the AWS CLI's `export-credentials` shapes) print nothing but secrets and so need
//! `--show-secrets`; `process`
//! exists to hand the secret to an SDK's `credential_process` and always carries it, but refuses
//! a terminal without `--show-secrets` (an SDK reads it through a pipe).

use awsauth::{Credentials, REDACTED, timefmt};
use serde_json::{Value, json};

use crate::args::ResolveFormat;
use crate::error::CliError;

/// Checks, before anything is resolved, that `format` may be printed with these flags.
pub(crate) fn check_secret_rule(
    format: ResolveFormat,
    show_secrets: bool,
    stdout_is_terminal: bool,
) -> Result<(), CliError> {
    match format {
        shell if shell.is_shell() && !show_secrets => Err(CliError::usage(format!(
            "--format {} prints the secret key and session token; add --show-secrets \
             (for example: eval \"$(awsauth resolve --format env --show-secrets)\")",
            shell.name()
        ))),
        ResolveFormat::Process if stdout_is_terminal && !show_secrets => Err(CliError::usage(
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
    format: ResolveFormat,
    show_secrets: bool,
) -> Result<String, CliError> {
    Ok(match format {
        ResolveFormat::Json => {
            let mut text = to_json(creds, extra, show_secrets).to_string();
            text.push('\n');
            text
        }
        ResolveFormat::Text => to_text(creds, extra, show_secrets),
        ResolveFormat::Env => to_env(creds, extra),
        ResolveFormat::EnvNoExport => assignments(creds, extra, |name, value| {
            Ok(format!("{name}={}\n", shell_quote(value)))
        })?,
        ResolveFormat::Powershell => assignments(creds, extra, |name, value| {
            Ok(format!("$Env:{name}=\"{}\"\n", powershell_escape(value)))
        })?,
        ResolveFormat::WindowsCmd => assignments(creds, extra, |name, value| {
            cmd_safe(name, value).map(|value| format!("set {name}={value}\n"))
        })?,
        ResolveFormat::Process => {
            let mut text = to_process(creds).to_string();
            text.push('\n');
            text
        }
    })
}

/// The variables every shell format sets, in the AWS CLI's order (then the region, which it
/// does not print), each rendered by `line`.
fn assignments(
    creds: &Credentials,
    extra: &Extra,
    line: impl Fn(&str, &str) -> Result<String, CliError>,
) -> Result<String, CliError> {
    let expiry = creds.expiry().map(timefmt::rfc3339);
    let vars = [
        ("AWS_ACCESS_KEY_ID", Some(creds.access_key_id())),
        ("AWS_SECRET_ACCESS_KEY", Some(creds.secret_access_key())),
        ("AWS_SESSION_TOKEN", creds.session_token()),
        ("AWS_CREDENTIAL_EXPIRATION", expiry.as_deref()),
        ("AWS_REGION", extra.region.as_deref()),
    ];
    let mut out = String::new();
    for (name, value) in vars {
        if let Some(value) = value {
            out.push_str(&line(name, value)?);
        }
    }
    Ok(out)
}

/// PowerShell double-quoted strings: the backtick escapes `"`, `$` and itself.
fn powershell_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '$' | '`') {
            out.push('`');
        }
        out.push(c);
    }
    out
}

/// cmd's `set` has no quoting that survives every character; AWS credentials never hold the
/// ones it would misread, so a value that does is refused rather than printed wrong.
fn cmd_safe<'a>(name: &str, value: &'a str) -> Result<&'a str, CliError> {
    if value
        .chars()
        .any(|c| matches!(c, '"' | '%' | '^' | '&' | '|' | '<' | '>' | '!') || c.is_control())
    {
        return Err(CliError::invalid(format!(
            "{name} holds a character Windows cmd's `set` cannot carry; use --format powershell"
        )));
    }
    Ok(value)
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
        let text = render(&temporary(), &extra, ResolveFormat::Text, false).unwrap();
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

    /// The AWS CLI's `export-credentials` shapes, one variable a line, in its order.
    #[test]
    fn the_aws_cli_export_formats() {
        let extra = Extra::default();
        let render = |format| render(&temporary(), &extra, format, true).unwrap();
        assert_eq!(
            render(ResolveFormat::EnvNoExport),
            "AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\nAWS_SECRET_ACCESS_KEY='the-secret'\n\
             AWS_SESSION_TOKEN='the-token'\nAWS_CREDENTIAL_EXPIRATION='2023-11-14T22:13:20Z'\n"
        );
        assert_eq!(
            render(ResolveFormat::Powershell),
            "$Env:AWS_ACCESS_KEY_ID=\"ASIAEXAMPLE000000001\"\n$Env:AWS_SECRET_ACCESS_KEY=\"the-secret\"\n\
             $Env:AWS_SESSION_TOKEN=\"the-token\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"2023-11-14T22:13:20Z\"\n"
        );
        assert_eq!(
            render(ResolveFormat::WindowsCmd),
            "set AWS_ACCESS_KEY_ID=ASIAEXAMPLE000000001\nset AWS_SECRET_ACCESS_KEY=the-secret\n\
             set AWS_SESSION_TOKEN=the-token\nset AWS_CREDENTIAL_EXPIRATION=2023-11-14T22:13:20Z\n"
        );
        let odd = Credentials::builder("AKID", "a$b\"c`d").build();
        assert_eq!(
            render_odd(&odd, ResolveFormat::Powershell),
            "$Env:AWS_ACCESS_KEY_ID=\"AKID\"\n$Env:AWS_SECRET_ACCESS_KEY=\"a`$b`\"c``d\"\n"
        );
        assert!(
            super::render(&odd, &extra, ResolveFormat::WindowsCmd, true).is_err(),
            "cmd cannot carry a quote"
        );
    }

    fn render_odd(creds: &Credentials, format: ResolveFormat) -> String {
        render(creds, &Extra::default(), format, true).unwrap()
    }

    #[test]
    fn the_secret_rule() {
        for shell in [
            ResolveFormat::Env,
            ResolveFormat::EnvNoExport,
            ResolveFormat::Powershell,
            ResolveFormat::WindowsCmd,
        ] {
            assert_eq!(
                check_secret_rule(shell, false, false).unwrap_err().kind,
                crate::error::Kind::Usage
            );
            assert!(check_secret_rule(shell, true, true).is_ok());
        }
        assert!(check_secret_rule(ResolveFormat::Process, false, false).is_ok());
        assert!(check_secret_rule(ResolveFormat::Process, false, true).is_err());
        assert!(check_secret_rule(ResolveFormat::Process, true, true).is_ok());
        assert!(check_secret_rule(ResolveFormat::Json, false, true).is_ok());
    }

    #[test]
    fn key_ids_are_shortened() {
        assert_eq!(redact_key_id("AKIAIOSFODNN70000001"), "AKIA…0001");
        assert_eq!(redact_key_id("short"), "*****");
    }
}
