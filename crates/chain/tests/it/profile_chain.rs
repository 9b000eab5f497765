//! `ProfileChain`: profile plans executed against the fakes.

use awsauth_chain::{ProfileChain, StsOptions, profile_chain, profile_plan};
use awsauth_core::{CredentialSource, ErrorKind, Status, only};
use awsauth_testkit::RoleRule;

use crate::support::*;

const READER: &str = "arn:aws:iam::123456789012:role/reader";
const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";

fn two_hops() -> String {
    format!(
        "{}\
[profile reader]
role_arn = {READER}
source_profile = base
external_id = tenant-42
role_session_name = grafana-reader
duration_seconds = 1800
[profile admin]
role_arn = {ADMIN}
source_profile = reader
region = eu-central-1
",
        base_profile()
    )
}

#[tokio::test]
async fn a_role_chain_of_two_hops_goes_through_sts_with_each_profiles_settings() {
    let sts = sts().await;
    sts.add_role(
        READER,
        RoleRule {
            external_id: Some("tenant-42".into()),
        },
    );
    let fs = files();
    fs.insert(CONFIG, two_hops());
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);

    let creds = profile_chain(Some("admin"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:base -> assume-role:{READER} -> assume-role:{ADMIN}")
    );

    let calls = assume_role_calls(&sts);
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (first, second) = (&calls[0], &calls[1]);
    assert_eq!(first.error, None);
    assert_eq!(first.access_key_id.as_deref(), Some(BASE_KEY));
    assert_eq!(first.params["RoleArn"], READER);
    assert_eq!(first.params["ExternalId"], "tenant-42");
    assert_eq!(first.params["RoleSessionName"], "grafana-reader");
    assert_eq!(first.params["DurationSeconds"], "1800");
    // The reader profile sets no region: the selected profile's region applies.
    assert_eq!(first.signing_region.as_deref(), Some("eu-central-1"));
    // The second hop signs with the credentials the first one got.
    assert_eq!(second.error, None);
    assert_ne!(second.access_key_id.as_deref(), Some(BASE_KEY));
    assert!(second.access_key_id.as_deref().unwrap().starts_with("ASIA"));
    assert_eq!(second.params["RoleArn"], ADMIN);
    assert!(!second.params.contains_key("ExternalId"));
    assert_eq!(second.signing_region.as_deref(), Some("eu-central-1"));
    assert_eq!(creds.access_key_id(), "ASIAFAKESTS000000002");
}

#[tokio::test]
async fn the_region_is_explicit_then_environment_then_profile() {
    let sts = sts().await;
    let fs = files();
    fs.insert(CONFIG, two_hops());
    let endpoint = sts.endpoint();

    let from_env = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &endpoint),
            ("AWS_REGION", "ap-southeast-2"),
        ],
        &fs,
    );
    profile_chain(Some("admin"), StsOptions::new())
        .provide(&from_env)
        .await
        .unwrap();
    let explicit = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &endpoint),
            ("AWS_REGION", "ap-southeast-2"),
        ],
        &fs,
    );
    profile_chain(Some("admin"), StsOptions::new().region("us-west-2"))
        .provide(&explicit)
        .await
        .unwrap();

    let regions: Vec<_> = assume_role_calls(&sts)
        .into_iter()
        .map(|c| c.signing_region.unwrap())
        .collect();
    assert_eq!(
        regions,
        ["ap-southeast-2", "ap-southeast-2", "us-west-2", "us-west-2"]
    );
}

/// A profile's `region` that is not a region name is refused naming the profile's region as
/// its origin (it once read "the region setting", as if the caller had passed it), and only
/// when nothing above it (an explicit region, the environment) names a region.
#[tokio::test]
async fn a_bad_profile_region_is_named_as_the_profiles_and_the_environment_beats_it() {
    let sts = sts().await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "{}[profile reader]\nrole_arn = {READER}\nsource_profile = base\nregion = not a region\n",
            base_profile()
        ),
    );
    let endpoint = sts.endpoint();
    let bare = cx(&[("AWS_ENDPOINT_URL_STS", &endpoint)], &fs);
    let error = profile_chain(Some("reader"), StsOptions::new())
        .provide(&bare)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("the profile's region holds \"not a region\""),
        "{message}"
    );
    assert_eq!(sts.successful("AssumeRole"), 0);

    let with_env = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &endpoint),
            ("AWS_DEFAULT_REGION", "eu-north-1"),
        ],
        &fs,
    );
    profile_chain(Some("reader"), StsOptions::new())
        .provide(&with_env)
        .await
        .unwrap();
    let regions: Vec<_> = assume_role_calls(&sts)
        .into_iter()
        .filter_map(|c| c.signing_region)
        .collect();
    assert_eq!(regions, ["eu-north-1"]);
}

#[tokio::test]
async fn an_explicit_sts_endpoint_wins_over_the_environment() {
    let sts = sts().await;
    let fs = files();
    fs.insert(CONFIG, two_hops());
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")], &fs);
    let creds = profile_chain(
        Some("reader"),
        StsOptions::new()
            .endpoint(sts.endpoint())
            .region("eu-west-1"),
    )
    .provide(&cx)
    .await
    .unwrap();
    assert_eq!(creds.provenance().steps().len(), 2);
    assert_eq!(sts.successful("AssumeRole"), 1);
}

#[tokio::test]
async fn credential_source_ec2_instance_metadata_uses_the_profiles_imds_endpoint() {
    let sts = sts().await;
    let imds = imds(Some(&sts)).await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "[profile ci]\nrole_arn = {READER}\ncredential_source = Ec2InstanceMetadata\nec2_metadata_service_endpoint = {}\n",
            imds.endpoint()
        ),
    );
    let cx = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_PROFILE", "ci"),
        ],
        &fs,
    );
    let creds = ProfileChain::new().provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:ci -> imds:role/awsauth-demo-role -> assume-role:{READER}")
    );
    assert_eq!(imds.credential_requests(), 1);
    let calls = assume_role_calls(&sts);
    assert_eq!(
        calls[0].access_key_id.as_deref(),
        Some(imds.credentials().access_key_id.as_str())
    );
}

#[tokio::test]
async fn credential_source_environment_and_ecs_container() {
    let sts = sts().await;
    let agent = container().await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "[profile from-env]\nrole_arn = {READER}\ncredential_source = Environment\n\
             [profile from-ecs]\nrole_arn = {ADMIN}\ncredential_source = EcsContainer\n"
        ),
    );
    sts.set_verify_signatures(false);
    sts.add_key(CONTAINER_KEY, "container-secret");
    let full_uri = format!("{}/creds", agent.uri());
    let cx = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_ACCESS_KEY_ID", ENV_KEY),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full_uri),
        ],
        &fs,
    );
    let creds = profile_chain(Some("from-env"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:from-env -> env -> assume-role:{READER}")
    );
    let creds = profile_chain(Some("from-ecs"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert!(
        creds
            .provenance()
            .to_string()
            .starts_with("profile:from-ecs -> container"),
        "{}",
        creds.provenance()
    );
    let keys: Vec<_> = assume_role_calls(&sts)
        .into_iter()
        .map(|c| c.access_key_id.unwrap())
        .collect();
    assert_eq!(keys, [ENV_KEY, CONTAINER_KEY]);
}

#[tokio::test]
async fn a_web_identity_profile_reads_its_token_file() {
    let sts = sts().await;
    sts.accept_web_identity_tokens(&[WEB_TOKEN]);
    let fs = files();
    fs.insert("/var/run/token", WEB_TOKEN);
    fs.insert(
        CONFIG,
        format!(
            "[profile eks]\nrole_arn = {READER}\nweb_identity_token_file = /var/run/token\nrole_session_name = grafana-pod\n"
        ),
    );
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let creds = profile_chain(Some("eks"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:eks -> web-identity:{READER}")
    );
    let call = &sts.calls()[0];
    assert_eq!(call.action, "AssumeRoleWithWebIdentity");
    assert_eq!(call.params["RoleSessionName"], "grafana-pod");
    assert_eq!(call.error, None);
}

#[tokio::test]
async fn an_edited_profile_is_used_at_once() {
    let fs = files();
    fs.insert(CONFIG, base_profile());
    let cx = cx(&[], &fs);
    let chain = profile_chain(Some("base"), StsOptions::new());
    assert_eq!(chain.provide(&cx).await.unwrap().access_key_id(), BASE_KEY);
    fs.insert(
        CONFIG,
        "[profile base]\naws_access_key_id = AKIDROTATED\naws_secret_access_key = rotated\n",
    );
    assert_eq!(
        chain.provide(&cx).await.unwrap().access_key_id(),
        "AKIDROTATED"
    );
}

#[tokio::test]
async fn a_missing_named_profile_or_file_is_invalid_with_the_profile_crates_message() {
    let fs = files();
    let no_files = cx(&[], &fs);
    let err = profile_chain(Some("dev"), StsOptions::new())
        .provide(&no_files)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains(CONFIG), "{err}");
    assert!(err.to_string().contains("no such file"), "{err}");

    fs.insert(
        CREDENTIALS,
        "[prod]\naws_access_key_id = A\naws_secret_access_key = B\n",
    );
    let cx = cx(&[], &fs);
    let err = only(profile_chain(Some("dev"), StsOptions::new()))
        .selected_as("auth type `credentials`")
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string().contains(&format!(
            "profile \"dev\" not found in {CREDENTIALS} (profiles there: prod); it was named, so no other source is tried"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_profile_is_invalid_and_names_the_profile() {
    let fs = files();
    fs.insert(CONFIG, format!("[profile loop]\nrole_arn = {READER}\n"));
    let cx = cx(&[], &fs);
    let err = profile_chain(Some("loop"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("profile \"loop\""), "{err}");
}

#[tokio::test]
async fn an_sts_refusal_names_the_profile_of_the_hop() {
    let sts = sts().await;
    sts.add_role(
        READER,
        RoleRule {
            external_id: Some("something-else".into()),
        },
    );
    let fs = files();
    fs.insert(CONFIG, two_hops());
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let err = profile_chain(Some("admin"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_ne!(err.kind(), ErrorKind::NotConfigured);
    assert_eq!(err.source_name(), "profile:reader");
    assert_eq!(sts.calls().len(), 1, "the second hop is never tried");
}

#[test]
fn explain_shows_the_plan_without_any_network() {
    let fs = files();
    fs.insert(CONFIG, two_hops());
    // An STS endpoint nobody listens on: explain must not call it.
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")], &fs);
    let lines = profile_chain(Some("admin"), StsOptions::new()).explain(&cx);
    assert_eq!(lines[0].source, "profile:admin");
    assert_eq!(lines[0].status, Status::Configured);
    assert!(
        lines[0].reason.contains(&format!(
            "static keys of profile \"base\" -> assume role {READER} (profile \"reader\") -> assume role {ADMIN} (profile \"admin\")"
        )),
        "{}",
        lines[0].reason
    );
    let sources: Vec<&str> = lines.iter().map(|l| l.source.as_str()).collect();
    assert_eq!(
        sources,
        [
            "profile:admin",
            "profile:base",
            "profile:reader",
            "profile:admin"
        ]
    );
    assert!(lines.iter().all(|l| !l.reason.contains(BASE_SECRET)));

    // A named profile that is missing is invalid, not "not configured" (issue 15.1).
    let missing = profile_chain(Some("nope"), StsOptions::new()).explain(&cx);
    assert_eq!(missing[0].status, Status::Invalid);
}

#[test]
fn profile_plan_is_the_plan_for_printing() {
    let fs = files();
    fs.insert(CONFIG, two_hops());
    let cx = cx(&[("AWS_PROFILE", "reader")], &fs);
    let plan = profile_plan(&cx, None).unwrap();
    assert_eq!(plan.profile(), "reader");
    assert_eq!(
        serde_json::to_string(&plan.describe()).unwrap(),
        format!(
            r#"[{{"step":"static","profile":"base"}},{{"step":"assume_role","role_arn":"{READER}","external_id":"tenant-42","role_session_name":"grafana-reader","duration_seconds":1800,"region":null}}]"#
        )
    );
    let err = profile_plan(&cx, Some("nope")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
}

/// A profile named in code that does not exist is an error a chain does not skip (issue
/// 15.1); the implicit `default` is skipped.
#[tokio::test]
async fn a_named_profile_that_is_missing_is_not_skipped_by_a_chain() {
    use awsauth_core::Chain;
    use awsauth_static::StaticSource;
    let fs = files();
    fs.insert(
        CREDENTIALS,
        "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n",
    );
    let cx = cx(&[], &fs);
    let next = || StaticSource::new("AKIDNEXT", "next-secret");
    let named = Chain::new("c")
        .or_else(profile_chain(Some("dev"), StsOptions::new()))
        .or_else(next());
    let err = named.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    assert!(err.to_string().contains("(profiles there: prod)"), "{err}");
    let implicit = Chain::new("c")
        .or_else(profile_chain(None, StsOptions::new()))
        .or_else(next());
    assert_eq!(
        implicit.provide(&cx).await.unwrap().access_key_id(),
        "AKIDNEXT"
    );
}
