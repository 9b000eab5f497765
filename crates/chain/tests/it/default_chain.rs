//! `default_chain`: env → profile → web identity → container → IMDS, level by level.

use awsauth_chain::{DefaultChain, StsOptions, default_chain};
use awsauth_core::{Context, CredentialSource, ErrorKind, MemFs, Status};
use awsauth_testkit::Fault;

use crate::support::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/grafana";

/// Every level configured at once; `skip` removes the first `skip` levels, so the answer
/// must come from the next one and every earlier one must have been not configured.
struct Rig {
    sts: awsauth_testkit::FakeSts,
    imds: awsauth_testkit::FakeImds,
    agent: wiremock::MockServer,
    fs: MemFs,
}

impl Rig {
    async fn new() -> Self {
        let sts = sts().await;
        sts.accept_web_identity_tokens(&[WEB_TOKEN]);
        let imds = imds(None).await;
        let agent = container().await;
        let fs = files();
        fs.insert("/var/run/token", WEB_TOKEN);
        Self {
            sts,
            imds,
            agent,
            fs,
        }
    }

    fn cx(&self, skip: usize) -> Context {
        let sts = self.sts.endpoint();
        let imds = self.imds.endpoint();
        let full_uri = format!("{}/creds", self.agent.uri());
        let mut vars: Vec<(&str, &str)> = vec![
            ("AWS_ENDPOINT_URL_STS", &sts),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds),
        ];
        if skip < 1 {
            vars.push(("AWS_ACCESS_KEY_ID", ENV_KEY));
            vars.push(("AWS_SECRET_ACCESS_KEY", ENV_SECRET));
        }
        if skip < 2 {
            self.fs.insert(
                CREDENTIALS,
                format!("[default]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n"),
            );
        } else {
            self.fs.remove(CREDENTIALS);
        }
        if skip < 3 {
            vars.push(("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"));
            vars.push(("AWS_ROLE_ARN", ROLE));
        }
        if skip < 4 {
            vars.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", &full_uri));
        }
        cx(&vars, &self.fs)
    }
}

#[tokio::test]
async fn each_level_answers_when_the_earlier_ones_are_not_configured() {
    let rig = Rig::new().await;
    let expected = [
        "env",
        "profile:default",
        "web-identity:arn:aws:iam::123456789012:role/grafana",
        "container",
        "imds:role/awsauth-demo-role",
    ];
    for (skip, want) in expected.iter().enumerate() {
        let cx = rig.cx(skip);
        let creds = default_chain(StsOptions::new()).provide(&cx).await.unwrap();
        let got = creds.provenance().to_string();
        assert!(
            got.starts_with(want),
            "level {skip}: got {got}, want {want}"
        );
    }
    // Each fake was asked only when its level was reached.
    assert_eq!(rig.sts.successful("AssumeRoleWithWebIdentity"), 1);
    assert_eq!(rig.agent.received_requests().await.unwrap().len(), 1);
    assert_eq!(rig.imds.credential_requests(), 1);
}

#[tokio::test]
async fn a_broken_level_stops_the_chain() {
    let rig = Rig::new().await;
    let endpoint = rig.imds.endpoint();
    let half_env = cx(
        &[
            ("AWS_ACCESS_KEY_ID", ENV_KEY),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint),
        ],
        &rig.fs,
    );
    let err = default_chain(StsOptions::new())
        .provide(&half_env)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");

    rig.fs.insert(
        CONFIG,
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\n",
    );
    let broken_profile = cx(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)], &rig.fs);
    let err = default_chain(StsOptions::new())
        .provide(&broken_profile)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().contains("profile \"default\""), "{err}");

    assert_eq!(rig.imds.total_requests(), 0, "IMDS is never reached");
}

#[tokio::test]
async fn aws_profile_selects_a_role_profile_and_executes_it() {
    let sts = sts().await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "{}[profile dev]\nrole_arn = {ROLE}\nsource_profile = base\n",
            base_profile()
        ),
    );
    let cx = cx(
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.endpoint()),
            ("AWS_PROFILE", "dev"),
        ],
        &fs,
    );
    let creds = default_chain(StsOptions::new().region("eu-north-1"))
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:base -> assume-role:{ROLE}")
    );
    assert_eq!(
        assume_role_calls(&sts)[0].signing_region.as_deref(),
        Some("eu-north-1")
    );
}

#[tokio::test]
async fn the_imds_link_reads_the_profiles_endpoint() {
    let imds = imds(None).await;
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "[profile box]\nregion = us-east-2\nec2_metadata_service_endpoint = {}\n",
            imds.endpoint()
        ),
    );
    // The `box` profile has no credentials, so the profile link is not configured and the
    // chain reaches IMDS, which uses the profile's endpoint.
    let cx = cx(&[("AWS_PROFILE", "box")], &fs);
    let creds = default_chain(StsOptions::new()).provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        "imds:role/awsauth-demo-role"
    );
}

#[tokio::test]
async fn the_imds_link_tries_as_often_as_the_profile_says() {
    let imds = imds(None).await;
    // Every request answers 503 for a while: how many arrive is how many attempts were made.
    imds.inject(Fault::Status(503), 100);
    let fs = files();
    fs.insert(
        CONFIG,
        format!(
            "[profile box]\nec2_metadata_service_endpoint = {}\nmetadata_service_num_attempts = 1\n",
            imds.endpoint()
        ),
    );
    let cx = cx(&[("AWS_PROFILE", "box")], &fs);
    default_chain(StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(
        imds.received_requests(),
        1,
        "one attempt, as the profile says"
    );
}

#[test]
fn slots_can_be_replaced_or_turned_off() {
    let chain = DefaultChain::builder()
        .no_env()
        .no_web_identity()
        .container(awsauth_static::EnvSource::new())
        .no_imds()
        .build();
    let names: Vec<&str> = chain.links().iter().map(|l| l.name()).collect();
    assert_eq!(names, ["profile", "env"]);
}

#[test]
fn explain_needs_no_network_and_lists_every_link() {
    let fs = files();
    let cx = cx(&[("AWS_EC2_METADATA_DISABLED", "true")], &fs);
    let lines = default_chain(StsOptions::new()).explain(&cx);
    let statuses: Vec<(&str, Status)> = lines
        .iter()
        .map(|l| (l.source.as_str(), l.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("env", Status::NotConfigured),
            ("profile", Status::NotConfigured),
            ("web-identity", Status::NotConfigured),
            ("container", Status::NotConfigured),
            ("imds", Status::NotConfigured),
        ]
    );
}

#[tokio::test]
async fn nothing_configured_lists_every_link() {
    let cx = cx(&[("AWS_EC2_METADATA_DISABLED", "true")], &files());
    let err = default_chain(StsOptions::new())
        .provide(&cx)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured);
    let names: Vec<String> = err.attempts().iter().map(|a| a.source.clone()).collect();
    assert_eq!(
        names,
        ["env", "profile", "web-identity", "container", "imds"]
    );
}

#[tokio::test]
async fn the_imds_link_keeps_its_session_token_between_calls() {
    let imds = imds(None).await;
    let fs = files();
    let endpoint = imds.endpoint();
    let cx = cx(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)], &fs);
    let chain = default_chain(StsOptions::new());
    chain.provide(&cx).await.unwrap();
    chain.provide(&cx).await.unwrap();
    assert_eq!(
        imds.credential_requests(),
        2,
        "no cache in the chain itself"
    );
    assert_eq!(imds.token_requests(), 1, "one IMDS session for both calls");
}

/// A profile named by `AWS_PROFILE` that does not exist stops the chain with the profiles that
/// do, as botocore does — the web identity role behind it is never used (issue 15.1). Only the
/// implicit `default`, when absent, lets the chain move on.
#[tokio::test]
async fn a_missing_profile_named_by_aws_profile_stops_the_chain() {
    let sts = sts().await;
    sts.accept_web_identity_tokens(&[WEB_TOKEN]);
    let fs = files();
    fs.insert(CONFIG, base_profile());
    fs.insert("/var/run/token", WEB_TOKEN);
    let endpoint = sts.endpoint();
    let web_identity = [
        ("AWS_ENDPOINT_URL_STS", endpoint.as_str()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("AWS_ROLE_ARN", ROLE),
    ];
    let chain = default_chain(StsOptions::new().region("eu-north-1"));

    let mut vars = web_identity.to_vec();
    vars.push(("AWS_PROFILE", "raeder"));
    let cx = cx(&vars, &fs);
    let err = chain.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
    let text = err.to_string();
    assert!(text.contains("profile \"raeder\" not found"), "{text}");
    assert!(text.contains("profiles there: base"), "{text}");
    assert!(text.contains("AWS_PROFILE"), "{text}");
    assert_eq!(sts.requests(), 0, "the web identity role is never assumed");
    // The plan (what `explain` prints) makes the same decision.
    let plan = chain.plan(&cx).unwrap_err();
    assert_eq!(plan.kind(), ErrorKind::InvalidConfiguration, "{plan}");

    // Nobody named a profile and there is no `default`: the web identity answers.
    let cx = crate::support::cx(&web_identity, &fs);
    let creds = chain.provide(&cx).await.unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("web-identity:{ROLE}")
    );
}
