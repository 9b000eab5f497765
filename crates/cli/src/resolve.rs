//! `awsauth resolve` and `awsauth whoami`: a data source's session, its credentials, and who
//! they belong to.

use std::io::IsTerminal;

use awsauth::datasource::{AuthType, DatasourceSettings, Session, sts_region_for};
use awsauth::profile;
use awsauth::sts::choose_region;
use awsauth::{Context, CredentialSource, Credentials};
use serde_json::json;

use crate::args::{Format, ResolveArgs, WhoamiArgs};
use crate::error::CliError;
use crate::input::Input;
use crate::output::{self, Extra};

/// The session for `input` (the policy gate first; no network) and its credentials.
pub(crate) async fn credentials(
    input: &Input,
    cx: &Context,
) -> Result<(Session, Credentials), CliError> {
    let session = input.session()?;
    let creds = session.provide(cx).await?;
    tracing::debug!(
        access_key_id = creds.access_key_id(),
        source = %creds.provenance(),
        "resolved"
    );
    Ok((session, creds))
}

/// The session's region as the CLI shows it: the data source's, else `AWS_REGION` /
/// `AWS_DEFAULT_REGION`, else the selected profile's `region` (the data source's `profile` for
/// the `credentials` auth type, else `AWS_PROFILE`, else `default`) — `choose_region` decides,
/// as for every STS call. A value that is not a region name shows as none (the session's STS
/// calls report it).
pub(crate) fn region(
    session: &Session,
    settings: &DatasourceSettings,
    cx: &Context,
) -> Option<String> {
    let profile = profile_region(settings, cx);
    choose_region(cx, session.region(), profile.as_deref())
        .ok()
        .flatten()
        .map(|(region, _)| region)
}

/// The `region` of the profile the session reads; `None` when the files or the profile are
/// absent or unreadable (the session's own sources report those).
fn profile_region(settings: &DatasourceSettings, cx: &Context) -> Option<String> {
    let named = match settings.auth_type {
        AuthType::Credentials => settings.profile_name(),
        _ => None,
    };
    let name = profile::selected_profile(cx, named);
    let loaded = profile::load(cx, &profile::FileLocations::from_context(cx)).ok()?;
    let region = loaded
        .set()
        .profile(&name)?
        .get("region")?
        .trim()
        .to_owned();
    (!region.is_empty()).then_some(region)
}

/// `awsauth resolve`.
pub(crate) async fn resolve(args: &ResolveArgs, cx: &Context) -> Result<String, CliError> {
    let format = args.format;
    output::check_secret_rule(format, args.show_secrets, std::io::stdout().is_terminal())?;
    let input = Input::gather(&args.source, cx)?;
    let (session, creds) = credentials(&input, cx).await?;
    let extra = Extra {
        region: region(&session, &input.settings, cx),
    };
    output::render(&creds, &extra, format, args.show_secrets)
}

/// `awsauth whoami`: GetCallerIdentity signed with the resolved credentials, through the same
/// STS endpoint rules as the session's own STS calls. Its JSON is `aws sts
/// get-caller-identity`'s (`UserId`, `Account`, `Arn`), so scripts move over unchanged.
pub(crate) async fn whoami(args: &WhoamiArgs, cx: &Context) -> Result<String, CliError> {
    let format = args.format;
    let input = Input::gather(&args.source, cx)?;
    let (session, creds) = credentials(&input, cx).await?;
    // The session's STS options (an opt-in region's data source calls STS in us-east-1), else
    // the session's region as `resolve` shows it, mapped the same way.
    let sts = match (&session.sts().region, region(&session, &input.settings, cx)) {
        (None, Some(shown)) => session.sts().clone().region(sts_region_for(&shown)),
        _ => session.sts().clone(),
    };
    let identity = sts
        .client(None)
        .get_caller_identity(cx, &creds)
        .await
        .map_err(|e| CliError::from(e.into_credential_error("whoami")))?;
    let source = creds.provenance().to_string();
    Ok(match format {
        Format::Json => {
            let mut text = json!({
                "UserId": identity.user_id,
                "Account": identity.account,
                "Arn": identity.arn,
            })
            .to_string();
            text.push('\n');
            text
        }
        Format::Text => format!(
            "account        {}\narn            {}\nuser id        {}\naccess key id  {}\nsource         {}\n",
            identity.account,
            identity.arn,
            identity.user_id,
            creds.access_key_id(),
            source
        ),
    })
}
