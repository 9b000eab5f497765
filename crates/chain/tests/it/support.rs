//! Shared fixtures: contexts over `MapEnv` + `MemFs`, the fakes, a container agent.

use awsauth_http::HttpClient;
use std::sync::Arc;

use awsauth_core::{Context, MapEnv, MemFs, SystemClock};
use awsauth_testkit::{FakeImds, FakeSts, ImdsCredentials};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const BASE_KEY: &str = "AKIDBASEEXAMPLE";
pub const BASE_SECRET: &str = "base-secret-wJalrXUtnFEMI";
pub const ENV_KEY: &str = "AKIDENVEXAMPLE";
pub const ENV_SECRET: &str = "env-secret-EXAMPLEKEY";
pub const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.web-identity-token";
pub const CONTAINER_KEY: &str = "ASIACONTAINER";
pub const HOME: &str = "/home/u";
pub const CONFIG: &str = "/home/u/.aws/config";
pub const CREDENTIALS: &str = "/home/u/.aws/credentials";

/// A context over `vars` (plus `HOME`) and `fs`, on the system clock.
pub fn cx(vars: &[(&str, &str)], fs: &MemFs) -> Context {
    let env: MapEnv = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([("HOME".to_owned(), HOME.to_owned())])
        .collect();
    Context::builder()
        .clock(Arc::new(SystemClock))
        .env(env)
        .fs(fs.clone())
        .http(HttpClient::hyper())
        .build()
}

/// A fake STS that knows the base key.
pub async fn sts() -> FakeSts {
    let sts = FakeSts::start().await.unwrap();
    sts.add_key(BASE_KEY, BASE_SECRET);
    sts.add_key(ENV_KEY, ENV_SECRET);
    sts
}

/// A fake instance whose role credentials the fake STS (if any) accepts. The fake STS can
/// register a key without its session token only, so it then checks who signed but not the
/// signature.
pub async fn imds(sts: Option<&FakeSts>) -> FakeImds {
    let imds = FakeImds::start().await.unwrap();
    if let Some(sts) = sts {
        let creds: ImdsCredentials = imds.credentials();
        sts.add_key(&creds.access_key_id, &creds.secret_access_key);
        sts.set_verify_signatures(false);
    }
    imds
}

/// A container credentials agent answering on `/creds`.
pub async fn container() -> MockServer {
    let server = MockServer::start().await;
    let body = format!(
        r#"{{"AccessKeyId":"{CONTAINER_KEY}","SecretAccessKey":"container-secret","Token":"container-token","Expiration":"2099-01-01T00:00:00Z"}}"#
    );
    Mock::given(method("GET"))
        .and(path("/creds"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    server
}

pub fn files() -> MemFs {
    MemFs::new()
}

/// `[profile base]` with the base keys, in the config file.
pub fn base_profile() -> String {
    format!(
        "[profile base]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n"
    )
}

/// The `AssumeRole` calls the fake answered, in order.
pub fn assume_role_calls(sts: &FakeSts) -> Vec<awsauth_testkit::RecordedCall> {
    sts.calls()
        .into_iter()
        .filter(|c| c.action == "AssumeRole")
        .collect()
}
