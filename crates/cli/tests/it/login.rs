//! `login_session` profiles through the binary: `resolve` from the token cache, `explain`
//! without reading or calling anything.

use crate::{Home, KEY_ID, SECRET, awsauth};

const SESSION: &str = "arn:aws:iam::0123456789012:user/Admin";
const CACHE: &str =
    ".aws/login/cache/36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json";
const REFRESH: &str = "planted-cli-refresh-token";

fn login_home() -> Home {
    let home = Home::new();
    std::fs::create_dir_all(home.path().join(".aws/login/cache")).unwrap();
    home.write(
        ".aws/config",
        &format!("[profile signin]\nlogin_session = {SESSION}\nregion = us-east-1\n"),
    );
    home.write(
        CACHE,
        &serde_json::json!({
            "accessToken": {"accessKeyId": KEY_ID, "secretAccessKey": SECRET,
                "sessionToken": "planted-cli-session", "accountId": "0123456789012",
                "expiresAt": "2124-01-01T00:00:00Z"},
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": REFRESH,
            "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nnot read unless renewing\n-----END EC PRIVATE KEY-----\n",
        })
        .to_string(),
    );
    home
}

#[test]
fn resolve_reads_the_login_cache_and_explain_shows_the_session() {
    let home = login_home();
    let env = [("HOME", home.path().to_str().unwrap())];
    let run = awsauth(
        &["resolve", "--profile", "signin", "--format", "json"],
        &env,
    );
    run.assert_code(0).assert_no(&[SECRET, REFRESH]);
    assert_eq!(run.json()["access_key_id"], KEY_ID);
    assert_eq!(
        run.json()["source"],
        format!("profile:signin -> login:{SESSION}")
    );
    assert_eq!(run.json()["account_id"], "0123456789012");

    let run = awsauth(
        &[
            "resolve",
            "--auth-type",
            "credentials",
            "--profile",
            "signin",
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_code(0);

    std::fs::remove_file(home.path().join(CACHE)).unwrap();
    let run = awsauth(
        &["explain", "--profile", "signin", "--format", "json"],
        &env,
    );
    run.assert_code(0);
    assert_eq!(
        run.json()["plan"],
        serde_json::json!([{"step": "login", "login_session": SESSION}])
    );
    let run = awsauth(&["resolve", "--profile", "signin"], &env);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("run `aws login --profile signin`"),
        "{}",
        run.stderr
    );
}
