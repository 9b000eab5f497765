//! IAM Identity Center profiles executed by the profile chain and the default chain, alone and
//! as the base of a role chain, against `FakeSso` (and `FakeSts` for the role).

use awsauth_chain::{DefaultChain, StsOptions, default_chain, profile_chain};
use awsauth_core::{CredentialSource, ErrorKind, MemFs, Status, only, timefmt};
use awsauth_sso::cache_file_name;
use awsauth_testkit::{FakeSso, SsoRoleCredentials};

use crate::support::*;

pub const ACCESS_TOKEN: &str = "sso-cached-access-token-DO-NOT-LEAK";
const READER: &str = "arn:aws:iam::999999999999:role/reader";

pub fn sso_config() -> String {
    format!(
        "[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
region = us-east-2
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 123456789012
sso_role_name = Admin
[profile reader]
role_arn = {READER}
source_profile = dev
"
    )
}

/// The cache file `aws sso login --sso-session corp` would leave, valid for an hour.
pub fn login(fs: &MemFs, key: &str) {
    let expires =
        timefmt::rfc3339(std::time::SystemTime::now() + std::time::Duration::from_secs(3600));
    fs.insert(
        format!("{HOME}/.aws/sso/cache/{}", cache_file_name(key)),
        format!(r#"{{"accessToken":"{ACCESS_TOKEN}","expiresAt":"{expires}"}}"#),
    );
}

async fn fake() -> FakeSso {
    let sso = FakeSso::start().await.unwrap();
    sso.add_access_token(ACCESS_TOKEN);
    sso
}

#[tokio::test]
async fn an_sso_profile_resolves_through_the_profile_chain() {
    let sso = fake().await;
    let fs = files();
    fs.insert(CONFIG, sso_config());
    login(&fs, "corp");
    let cx = cx(&[("AWS_ENDPOINT_URL_SSO", &sso.endpoint())], &fs);
    let creds = profile_chain(Some("dev"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "profile:dev -> sso:123456789012/ReadOnly"
    );
    assert_eq!(
        creds.access_key_id(),
        SsoRoleCredentials::derived("123456789012", "ReadOnly").access_key_id
    );
    assert_eq!(creds.account_id(), Some("123456789012"));
}

#[tokio::test]
async fn the_legacy_form_resolves_too_and_its_error_names_the_profile_to_log_in_with() {
    let sso = fake().await;
    let fs = files();
    fs.insert(CONFIG, sso_config());
    let cx = cx(&[("AWS_ENDPOINT_URL_SSO", &sso.endpoint())], &fs);
    let err = profile_chain(Some("legacy"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("profile:legacy: there is no SSO token")
            && err
                .to_string()
                .ends_with("run `aws sso login --profile legacy`"),
        "{err}"
    );
    login(&fs, "https://corp.awsapps.com/start");
    let creds = profile_chain(Some("legacy"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "profile:legacy -> sso:123456789012/Admin"
    );
}

/// `source_profile` → SSO profile → `role_arn`: the role is assumed with the SSO credentials,
/// signed with them (the fake STS verifies the signature, session token included).
#[tokio::test]
async fn an_sso_profile_is_the_base_of_a_role_chain() {
    let sso = fake().await;
    let sts = sts().await;
    let issued = SsoRoleCredentials::derived("123456789012", "ReadOnly");
    sts.add_temporary_key(
        &issued.access_key_id,
        &issued.secret_access_key,
        &issued.session_token,
    );
    let fs = files();
    fs.insert(CONFIG, sso_config());
    login(&fs, "corp");
    let cx = cx(
        &[
            ("AWS_ENDPOINT_URL_SSO", &sso.endpoint()),
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
        ],
        &fs,
    );
    let creds = profile_chain(Some("reader"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:dev -> sso:123456789012/ReadOnly -> assume-role:{READER}")
    );
    let calls = assume_role_calls(&sts);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].error, None, "{calls:?}");
    assert_eq!(
        calls[0].access_key_id.as_deref(),
        Some(issued.access_key_id.as_str())
    );
    assert_eq!(calls[0].params["RoleArn"], READER);
}

#[tokio::test]
async fn the_default_chain_picks_an_sso_profile_up_where_the_profile_provider_is() {
    let sso = fake().await;
    let fs = files();
    fs.insert(CONFIG, sso_config());
    login(&fs, "corp");
    let cx = cx(
        &[
            ("AWS_PROFILE", "dev"),
            ("AWS_ENDPOINT_URL_SSO", &sso.endpoint()),
        ],
        &fs,
    );
    let chain = DefaultChain::builder().no_imds().build();
    let creds = chain.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "profile:dev -> sso:123456789012/ReadOnly"
    );
    // Keys in the environment come first, as in the SDKs.
    let with_env = crate::support::cx(
        &[
            ("AWS_PROFILE", "dev"),
            ("AWS_ACCESS_KEY_ID", ENV_KEY),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ],
        &fs,
    );
    assert_eq!(
        chain
            .provide(&with_env)
            .await
            .unwrap()
            .provenance()
            .to_string(),
        "env"
    );
}

/// A selected SSO profile whose token is missing stops the chain: it never falls back to the
/// next link's identity.
#[tokio::test]
async fn a_missing_token_stops_the_default_chain() {
    let fs = files();
    fs.insert(CONFIG, sso_config());
    let imds = imds(None).await;
    let cx = cx(
        &[
            ("AWS_PROFILE", "dev"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
        ],
        &fs,
    );
    let err = default_chain(StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed, "{err}");
    assert!(
        err.to_string()
            .contains("run `aws sso login --sso-session corp`"),
        "{err}"
    );
    assert_eq!(imds.credential_requests(), 0);
}

#[tokio::test]
async fn explain_and_plan_show_the_sso_step_without_the_network() {
    let fs = files();
    fs.insert(CONFIG, sso_config());
    login(&fs, "corp");
    // No HTTP client at all: anything that tried the network would fail.
    let cx = awsauth_core::Context::builder()
        .env(awsauth_core::MapEnv::from([
            ("HOME", HOME),
            ("AWS_PROFILE", "reader"),
        ]))
        .fs(fs.clone())
        .build();
    let chain = only(profile_chain(None, StsOptions::new()));
    let plan = chain.plan(&cx).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({
            "step": "sso",
            "sso_session": "corp",
            "sso_start_url": "https://corp.awsapps.com/start",
            "sso_region": "eu-west-1",
            "sso_account_id": "123456789012",
            "sso_role_name": "ReadOnly",
            "sso_registration_scopes": "sso:account:access",
        })
    );
    assert_eq!(json[1]["step"], "assume_role");
    let lines = chain.explain(&cx);
    assert_eq!(lines[0].status, Status::Configured);
    assert!(
        lines[0]
            .reason
            .contains("IAM Identity Center account 123456789012 role ReadOnly"),
        "{lines:?}"
    );
    let sso_line = lines.iter().find(|l| l.source == "profile:dev").unwrap();
    assert!(sso_line.reason.contains("valid until"), "{lines:?}");
}

#[tokio::test]
async fn the_profiles_services_section_sets_the_endpoints() {
    let sso = fake().await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "{}[profile local]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
services = fakes
[services fakes]
sso =
  endpoint_url = {}/portal
[profile broken]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = ReadOnly
services = nowhere
",
            sso_config(),
            sso.endpoint()
        ),
    );
    login(&fs, "corp");
    let cx = cx(&[], &fs);
    profile_chain(Some("local"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(sso.calls()[0].path, "/portal/federation/credentials");
    let err = profile_chain(Some("broken"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("the \"nowhere\" services configuration does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn an_invalid_sso_profile_is_invalid_configuration_naming_the_profile_and_key() {
    let fs = files();
    fs.insert(
        CONFIG,
        "[profile dev]\nsso_session = corp\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://x\n",
    );
    let cx = cx(&[("AWS_PROFILE", "dev")], &fs);
    let err = default_chain(StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(
        err.to_string().contains("profile \"dev\"")
            && err
                .to_string()
                .contains("`sso_region` can only be specified in the [sso-session] config"),
        "{err}"
    );
}
