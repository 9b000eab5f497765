//! `awsauth curl`: one HTTP request signed with SigV4 by the same
//! [`RequestSigner`](awsauth::datasource::RequestSigner) a server uses for its HTTP data
//! sources, sent through `awsauth-http` (time-outs, capped body, proxy rules).
//!
//! The body is printed as received; `-i` puts the status line and headers first. A status of
//! 400 or more exits 7. `--dry-run` prints the signed request instead of sending it, with the
//! signature and the session token redacted.

use awsauth::datasource::RequestSigner;
use awsauth::http::{HttpClient, HttpRequest, HttpSettings, Retry};
use awsauth::{Context, CredentialSourceExt, REDACTED};
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use http::{Method, Uri};

use crate::Done;
use crate::args::CurlArgs;
use crate::error::{CliError, Kind};
use crate::input::Input;

/// A request body larger than this is not what `curl` is for.
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// The exit status for an HTTP error response.
pub(crate) const HTTP_ERROR_STATUS: u8 = 7;

/// `awsauth curl`.
pub(crate) async fn curl(args: &CurlArgs, cx: &Context) -> Result<Done, CliError> {
    let uri: Uri = args
        .url
        .parse()
        .map_err(|e| CliError::usage(format!("the URL {:?}: {e}", args.url)))?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(CliError::usage(format!(
            "the URL {:?} needs a scheme and a host (https://host/path)",
            args.url
        )));
    }
    let body = body(args, cx)?;
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
            .map_err(|_| CliError::usage(format!("{m:?} is not an HTTP method")))?,
        None if body.is_empty() => Method::GET,
        None => Method::POST,
    };
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .map_err(|e| CliError::usage(e.to_string()))?;
    for header in &args.headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            CliError::usage(format!("the header {header:?} is not `Name: value`"))
        })?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| CliError::usage(format!("{:?} is not a header name", name.trim())))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| CliError::usage(format!("the value of {name} is not a header value")))?;
        request.headers_mut().append(name, value);
    }
    if !request.body().is_empty() && !request.headers().contains_key(http::header::CONTENT_TYPE) {
        // What curl sends for -d, and what the AWS query protocol expects.
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
    }

    let input = Input::gather(&args.source, cx)?;
    let session = input.session()?;
    let region = crate::resolve::region(&session, &input.settings, cx).ok_or_else(|| {
        CliError::usage("SigV4 signs for a region; add --region or set AWS_REGION")
    })?;
    let signer = RequestSigner::new(session.source(), region, args.service.clone());
    let creds = session.resolve(cx).await?;
    signer
        .sign_with(&creds, cx.now(), &mut request)
        .map_err(|e| CliError::invalid(e.to_string()))?;

    if args.dry_run {
        return Ok(Done::from(dry_run(&request)));
    }
    let (parts, body) = request.into_parts();
    let mut outgoing = HttpRequest::new(parts.method, parts.uri).body(body);
    outgoing.headers = parts.headers;
    outgoing.allow_proxy = true;
    let settings = HttpSettings {
        max_attempts: 1,
        max_body_bytes: 64 * 1024 * 1024,
        ..HttpSettings::sts()
    };
    let response = HttpClient::send_in(cx, outgoing, &settings, |_| Retry::No)
        .await
        .map_err(|e| CliError::new(Kind::ProviderFailed, e.to_string()))?;
    let mut out = String::new();
    if args.include {
        out.push_str(&format!("HTTP/1.1 {}\n", response.status));
        for (name, value) in &response.headers {
            out.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        out.push('\n');
    }
    out.push_str(&String::from_utf8_lossy(&response.body));
    if !out.ends_with('\n') && !out.is_empty() {
        out.push('\n');
    }
    let failed = response.status.as_u16() >= 400;
    if failed {
        eprintln!("awsauth: the server answered {}", response.status);
    }
    Ok(Done {
        stdout: out,
        failure: None,
        status: failed.then_some(HTTP_ERROR_STATUS),
    })
}

fn body(args: &CurlArgs, cx: &Context) -> Result<Vec<u8>, CliError> {
    if let Some(data) = &args.data {
        return Ok(data.as_bytes().to_vec());
    }
    let Some(path) = &args.data_file else {
        return Ok(Vec::new());
    };
    let cannot = |e: std::io::Error| {
        CliError::invalid(format!("cannot read the body file {}: {e}", path.display()))
    };
    let contents = cx.fs().read_limited(path, MAX_BODY).map_err(cannot)?;
    Ok(contents.bytes.to_vec())
}

/// The signed request as it would go out, with the signature and the session token redacted.
fn dry_run(request: &http::Request<Vec<u8>>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    if !request.headers().contains_key(http::header::HOST) {
        // Signed, and sent by the client from the URL.
        if let Some(authority) = request.uri().authority() {
            out.push_str(&format!("host: {authority}\n"));
        }
    }
    for (name, value) in request.headers() {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let shown = if name == AUTHORIZATION {
            redact_signature(&text)
        } else if name.as_str() == "x-amz-security-token" {
            REDACTED.to_owned()
        } else {
            text
        };
        out.push_str(&format!("{name}: {shown}\n"));
    }
    if !request.body().is_empty() {
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(request.body()));
        out.push('\n');
    }
    out
}

/// `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=<redacted>`.
fn redact_signature(authorization: &str) -> String {
    match authorization.find("Signature=") {
        Some(at) => format!("{}Signature={REDACTED}", &authorization[..at]),
        None => REDACTED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_signature(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123"
            ),
            format!(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature={REDACTED}"
            )
        );
        assert_eq!(redact_signature("Basic xyz"), REDACTED);
    }
}
