//! Every public type that can hold a secret, formatted with `{:?}` and `{:#?}`: no secret may
//! appear. Add each new secret-holding type here.

use std::time::{Duration, SystemTime};

use awsauth_core::{Context, CredentialError, CredentialSource, Credentials, MapEnv, SecretString};
use awsauth_http::{Bytes, HeaderName, HeaderValue, HttpRequest, HttpResponse, Method, StatusCode};
use awsauth_static::{EnvSource, StaticSource};

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETKEY";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSESSIONTOKENzzz";
const WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.WEBIDENTITYTOKEN";

fn assert_clean(what: &str, printed: &str) {
    for secret in [SECRET_KEY, SESSION_TOKEN, WEB_IDENTITY_TOKEN] {
        assert!(
            !printed.contains(secret),
            "{what} leaks a secret in Debug: {printed}"
        );
    }
}

fn both<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}\n{value:#?}")
}

#[tokio::test]
async fn debug_output_of_secret_holding_types_is_clean() {
    let creds = Credentials::builder("AKIDEXAMPLE", SECRET_KEY)
        .session_token(SESSION_TOKEN)
        .expiry(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000))
        .provenance("test")
        .build();
    assert_clean("Credentials", &both(&creds));
    assert_clean(
        "SecretString",
        &both(&SecretString::from(WEB_IDENTITY_TOKEN)),
    );
    assert_clean(
        "Result<Credentials, _>",
        &both(&Ok::<_, CredentialError>(creds.clone())),
    );

    let keys = StaticSource::new("AKIDEXAMPLE", SECRET_KEY).session_token(SESSION_TOKEN);
    assert_clean("StaticSource", &both(&keys));

    let cx = Context::builder()
        .env(MapEnv::from([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ]))
        .build();
    assert_clean("Context", &both(&cx));
    let fs = awsauth_core::MemFs::new();
    fs.insert(
        "/home/u/.aws/credentials",
        format!("[default]\naws_secret_access_key = {SECRET_KEY}\n"),
    );
    assert_clean("MemFs", &both(&fs));
    let from_env = EnvSource::new().provide(&cx).await.unwrap();
    assert_clean("Credentials from env", &both(&from_env));
    let half = Context::builder()
        .env(MapEnv::from([("AWS_SECRET_ACCESS_KEY", SECRET_KEY)]))
        .build();
    let err = EnvSource::new().provide(&half).await.unwrap_err();
    assert_clean("CredentialError", &format!("{}\n{}", both(&err), err));

    let request = HttpRequest::new(Method::POST, "https://sts.amazonaws.com/".parse().unwrap())
        .header(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static(SECRET_KEY),
        )
        .header(
            HeaderName::from_static("x-amz-security-token"),
            HeaderValue::from_static(SESSION_TOKEN),
        )
        .body(format!("WebIdentityToken={WEB_IDENTITY_TOKEN}"));
    assert_clean("HttpRequest", &both(&request));
    let response = HttpResponse {
        status: StatusCode::OK,
        headers: Default::default(),
        body: Bytes::from(format!(
            "<SecretAccessKey>{SECRET_KEY}</SecretAccessKey><SessionToken>{SESSION_TOKEN}</SessionToken>"
        )),
    };
    assert_clean("HttpResponse", &both(&response));
}

/// The data source layer: settings read from Grafana's JSON, sessions, the session cache and
/// the SigV4 signer, all holding a data source's keys.
#[tokio::test]
async fn debug_output_of_data_source_types_is_clean() {
    use std::sync::Arc;

    use awsauth_datasource::{
        AssumeRoleParams, AuthSettings, DatasourceSettings, RequestSigner, SessionCache,
        SigV4Layer, SourceFactory, StsOptions, build_session,
    };

    #[derive(Debug)]
    struct KeysOnly;
    impl SourceFactory for KeysOnly {
        fn profile(
            &self,
            _: Option<&str>,
            _: Option<&std::path::Path>,
            _: &StsOptions,
        ) -> Arc<dyn CredentialSource> {
            unreachable!()
        }
        fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> {
            unreachable!()
        }
        fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> {
            unreachable!()
        }
        fn assume_role(
            &self,
            base: Arc<dyn CredentialSource>,
            _: AssumeRoleParams,
        ) -> Arc<dyn CredentialSource> {
            base
        }
    }

    let settings = DatasourceSettings::from_json(&format!(
        r#"{{"jsonData": {{"authType": "keys", "defaultRegion": "eu-west-1"}},
            "secureJsonData": {{"accessKey": "AKIDEXAMPLE", "secretKey": "{SECRET_KEY}",
                                "sessionToken": "{SESSION_TOKEN}"}}}}"#
    ))
    .unwrap();
    assert_clean("DatasourceSettings", &both(&settings));
    let session = build_session(&settings, &AuthSettings::new(), &KeysOnly).unwrap();
    assert_clean("Session", &both(&session));
    let cache = SessionCache::new(AuthSettings::new(), Arc::new(KeysOnly));
    let cached = cache.get(&settings).unwrap();
    assert_clean("SessionCache", &both(&cache));
    assert_clean("Arc<Session>", &both(&cached));
    let signer = RequestSigner::for_session(&session, "aps").unwrap();
    assert_clean("RequestSigner", &both(&signer));
    assert_clean(
        "SigV4Layer",
        &both(&SigV4Layer::new(signer, Context::builder().build())),
    );
    let bad = DatasourceSettings::from_json(&format!(
        r#"{{"secureJsonData": {{"secretKey": {{"v": "{SECRET_KEY}"}}}}}}"#
    ))
    .unwrap_err();
    assert_clean("DatasourceError", &format!("{}\n{}", both(&bad), bad));
}

/// The composites of `awsauth-chain` and the data source sessions the `StandardFactory`
/// builds: after a fetch they hold executed profile plans (keys read from files), cached
/// credentials and nested STS sources.
#[tokio::test]
async fn debug_output_of_composed_sources_is_clean() {
    use awsauth_chain::{StsOptions, default_chain, profile_chain, profile_plan};
    use awsauth_datasource::{AuthSettings, DatasourceSettings, SessionCache, StandardFactory};

    let fs = awsauth_core::MemFs::new();
    fs.insert(
        "/home/u/.aws/config",
        format!(
            "[profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = {SECRET_KEY}\n\
             aws_session_token = {SESSION_TOKEN}\n\
             [profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\nsource_profile = base\n"
        ),
    );
    fs.insert("/var/run/token", WEB_IDENTITY_TOKEN);
    let cx = Context::builder()
        .env(MapEnv::from([
            ("HOME", "/home/u"),
            ("AWS_PROFILE", "base"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"),
        ]))
        .fs(fs)
        .build();

    let base = profile_chain(Some("base"), StsOptions::new());
    let creds = base.provide(&cx).await.unwrap();
    assert_eq!(creds.secret_access_key(), SECRET_KEY);
    assert_clean("ProfileChain", &both(&base));
    let reader = profile_chain(Some("reader"), StsOptions::new());
    let explained = reader.explain(&cx);
    assert_clean("ProfileChain (role)", &both(&reader));
    assert_clean("ProfileChain::explain", &both(&explained));
    let plan = profile_plan(&cx, Some("reader")).unwrap();
    assert_clean(
        "Plan",
        &format!(
            "{}\n{plan}\n{}",
            both(&plan),
            serde_json::to_string(&plan.describe()).unwrap()
        ),
    );

    let chain = default_chain(StsOptions::new());
    chain.provide(&cx).await.unwrap();
    assert_clean("DefaultChain", &both(&chain));
    assert_clean("DefaultChain::explain", &both(&chain.explain(&cx)));

    let settings = DatasourceSettings::from_json(&format!(
        r#"{{"jsonData": {{"authType": "keys", "assumeRoleArn": "arn:aws:iam::123456789012:role/r"}},
            "secureJsonData": {{"accessKey": "AKIDEXAMPLE", "secretKey": "{SECRET_KEY}",
                                "sessionToken": "{SESSION_TOKEN}"}}}}"#
    ))
    .unwrap();
    let cache = SessionCache::standard(AuthSettings::new());
    let session = cache.get(&settings).unwrap();
    assert_clean("Session (StandardFactory, cached)", &both(&session));
    assert_clean("SessionCache (StandardFactory)", &both(&cache));
    assert_clean("StandardFactory", &both(&StandardFactory::new()));
}
