//! `login_session` profiles through the profile chain and the default chain: the cache read,
//! a renewal through `FakeSignin` (its `services` endpoint from the profile), a role on top.

use awsauth_chain::{DefaultChain, StsOptions, profile_chain};
use awsauth_core::{CredentialSource, timefmt};
use awsauth_login::cache_file_name;
use awsauth_testkit::FakeSignin;

use crate::support::*;

const SESSION: &str = "arn:aws:iam::0123456789012:user/Admin";
const READER: &str = "arn:aws:iam::123456789012:role/reader";
const SEC1_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n";

fn cache(expires_in_secs: i64) -> String {
    let now = std::time::SystemTime::now();
    let expires = if expires_in_secs >= 0 {
        now + std::time::Duration::from_secs(expires_in_secs as u64)
    } else {
        now - std::time::Duration::from_secs(expires_in_secs.unsigned_abs())
    };
    serde_json::json!({
        "accessToken": {"accessKeyId": BASE_KEY, "secretAccessKey": BASE_SECRET,
            "sessionToken": "cached-session", "accountId": "0123456789012",
            "expiresAt": timefmt::rfc3339(expires)},
        "clientId": "arn:aws:signin:::devtools/same-device",
        "refreshToken": "rt-1", "dpopKey": SEC1_KEY,
    })
    .to_string()
}

fn profiles(signin_endpoint: &str) -> String {
    format!(
        "[profile signin]\nlogin_session = {SESSION}\nregion = us-east-1\nservices = local\n\
         [services local]\nsignin =\n  endpoint_url = {signin_endpoint}\n\
         [profile reader]\nrole_arn = {READER}\nsource_profile = signin\n"
    )
}

#[tokio::test]
async fn a_login_profile_resolves_alone_under_a_role_and_in_the_default_chain() {
    let sts = sts().await;
    let fs = files();
    fs.insert(CONFIG, profiles("http://127.0.0.1:9"));
    fs.insert(
        format!("{HOME}/.aws/login/cache/{}", cache_file_name(SESSION)),
        cache(3600),
    );
    let cx = cx(&[("AWS_ENDPOINT_URL_STS", &sts.endpoint())], &fs);
    let creds = profile_chain(Some("signin"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), BASE_KEY);
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:signin -> login:{SESSION}")
    );

    sts.set_verify_signatures(false);
    let creds = profile_chain(Some("reader"), StsOptions::new().region("us-east-1"))
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(
        creds.provenance().to_string(),
        format!("profile:signin -> login:{SESSION} -> assume-role:{READER}")
    );
    assert_eq!(
        assume_role_calls(&sts)[0].access_key_id.as_deref(),
        Some(BASE_KEY)
    );

    let cx = crate::support::cx(&[("AWS_PROFILE", "signin")], &fs);
    let chain = DefaultChain::builder().no_imds().build();
    assert_eq!(
        serde_json::to_value(chain.plan(&cx).unwrap()).unwrap(),
        serde_json::json!([{"step": "login", "login_session": SESSION}])
    );
    assert_eq!(chain.provide(&cx).await.unwrap().access_key_id(), BASE_KEY);
}

#[tokio::test]
async fn an_expired_session_renews_at_the_profiles_services_endpoint() {
    let signin = FakeSignin::start("rt-1").await.unwrap();
    let fs = files();
    fs.insert(CONFIG, profiles(&signin.endpoint()));
    fs.insert(
        format!("{HOME}/.aws/login/cache/{}", cache_file_name(SESSION)),
        cache(-60),
    );
    let cx = cx(&[], &fs);
    let creds = profile_chain(Some("signin"), StsOptions::new())
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIAFAKESIGNIN000001");
    let calls = signin.calls();
    assert_eq!(calls[0].error, None, "{calls:?}");
    assert_eq!(
        calls[0].htu,
        Some(format!("{}/v1/token", signin.endpoint()))
    );
}
