//! `ProfileSource` and the loader: selection, files, permissions, rotation, explain.

use awsauth_core::{Chain, CredentialSource, ErrorKind, MemFs, Status, only};
use awsauth_profile::{FileKind, ProfileCache, ProfileSource, load};

use awsauth_testkit::{LogCapture, SecretScan};

use crate::{SECRET, TOKEN, cx};

const CONFIG: &str = "/home/u/.aws/config";
const CREDS: &str = "/home/u/.aws/credentials";

fn keys(profile: &str, key_id: &str) -> String {
    format!("[{profile}]\naws_access_key_id = {key_id}\naws_secret_access_key = {SECRET}\n")
}

#[tokio::test]
async fn profile_selection_explicit_then_aws_profile_then_default() {
    let fs = MemFs::new();
    fs.insert(
        CREDS,
        format!(
            "{}{}{}",
            keys("default", "AKIDDEFAULT"),
            keys("env", "AKIDENV"),
            keys("explicit", "AKIDEXPLICIT")
        ),
    );
    let id = |creds: awsauth_core::Credentials| creds.access_key_id().to_owned();
    let plain = cx(&fs, &[]);
    let with_env = cx(&fs, &[("AWS_PROFILE", "env")]);
    assert_eq!(
        id(ProfileSource::new().provide(&plain).await.unwrap()),
        "AKIDDEFAULT"
    );
    assert_eq!(
        id(ProfileSource::new().provide(&with_env).await.unwrap()),
        "AKIDENV"
    );
    let explicit = ProfileSource::new().profile("explicit");
    assert_eq!(
        id(explicit.provide(&with_env).await.unwrap()),
        "AKIDEXPLICIT"
    );
    assert_eq!(
        explicit
            .provide(&with_env)
            .await
            .unwrap()
            .provenance()
            .to_string(),
        "profile:explicit"
    );
    // A blank AWS_PROFILE counts as unset.
    let blank = cx(&fs, &[("AWS_PROFILE", " ")]);
    assert_eq!(
        id(ProfileSource::new().provide(&blank).await.unwrap()),
        "AKIDDEFAULT"
    );
}

#[tokio::test]
async fn session_token_and_account_id_from_either_file() {
    let fs = MemFs::new();
    fs.insert(CONFIG, "[profile dev]\naws_account_id = 123456789012\n");
    fs.insert(
        CREDS,
        format!("{}aws_session_token = {TOKEN}\n", keys("dev", "AKID")),
    );
    let creds = ProfileSource::new()
        .profile("dev")
        .provide(&cx(&fs, &[]))
        .await
        .unwrap();
    assert_eq!(creds.secret_access_key(), SECRET);
    assert_eq!(creds.session_token(), Some(TOKEN));
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert!(!format!("{creds:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_missing_named_profile_is_an_error_a_chain_does_not_skip() {
    let fs = MemFs::new();
    fs.insert(
        CREDS,
        format!("{}{}", keys("default", "A"), keys("prod", "B")),
    );
    let cx = cx(&fs, &[]);
    let source = ProfileSource::new().profile("dev");
    let err = source.provide(&cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "profile: invalid configuration: profile \"dev\" not found in /home/u/.aws/credentials (profiles there: default, prod); it was named, so no other source is tried"
    );

    // In a chain, the next source is not tried: it would be another identity.
    let chain = Chain::new("default")
        .or_else(source.clone())
        .or_else(ProfileSource::new().profile("prod"));
    assert_eq!(
        chain.provide(&cx).await.unwrap_err().kind(),
        ErrorKind::InvalidConfiguration
    );

    // Named by AWS_PROFILE: the same, and the message says who named it.
    let env_cx = crate::cx(&fs, &[("AWS_PROFILE", "dev")]);
    let err = ProfileSource::new().provide(&env_cx).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .ends_with("; AWS_PROFILE names it, so no other source is tried"),
        "{err}"
    );

    // The implicit `default`, absent, is not configured: a chain moves on.
    fs.insert(CREDS, keys("prod", "B"));
    let chain = Chain::new("default")
        .or_else(ProfileSource::new())
        .or_else(ProfileSource::new().profile("prod"));
    assert_eq!(chain.provide(&cx).await.unwrap().access_key_id(), "B");
}

#[tokio::test]
async fn missing_files_are_not_configured_and_say_where_they_were_looked_for() {
    let fs = MemFs::new();
    let err = ProfileSource::new()
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotConfigured);
    assert!(
        err.to_string().contains(
            "profile \"default\" not found in /home/u/.aws/config (no such file) or /home/u/.aws/credentials (no such file)"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn files_come_from_the_override_variables_with_tilde_expansion() {
    let fs = MemFs::new();
    fs.insert("/home/u/work/creds", keys("default", "AKIDWORK"));
    fs.insert(CREDS, keys("default", "AKIDHOME"));
    let cx = cx(&fs, &[("AWS_SHARED_CREDENTIALS_FILE", "~/work/creds")]);
    let creds = ProfileSource::new().provide(&cx).await.unwrap();
    assert_eq!(creds.access_key_id(), "AKIDWORK");
    // An explicit path beats the variable.
    let creds = ProfileSource::new()
        .credentials_file(CREDS)
        .provide(&cx)
        .await
        .unwrap();
    assert_eq!(creds.access_key_id(), "AKIDHOME");
}

#[tokio::test]
async fn key_id_without_secret_is_invalid_and_names_profile_and_file() {
    let fs = MemFs::new();
    fs.insert(CREDS, "[default]\naws_access_key_id = AKID\n");
    let err = ProfileSource::new()
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "profile: invalid configuration: profile \"default\" sets aws_access_key_id (/home/u/.aws/credentials, line 2) but not aws_secret_access_key"
    );
}

#[tokio::test]
async fn syntax_errors_and_non_utf8_name_the_file_and_stop_a_chain() {
    let fs = MemFs::new();
    fs.insert(
        CREDS,
        format!("[default]\naws_secret_access_key {SECRET}\n"),
    );
    let err = ProfileSource::new()
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(err.to_string().starts_with(
        "profile: invalid configuration: credentials file /home/u/.aws/credentials, line 2: expected \"key = value\""
    ));
    assert!(!err.to_string().contains(SECRET));

    fs.insert(CONFIG, b"[default]\nregion = \xff\n");
    fs.insert(CREDS, keys("default", "AKID"));
    let err = ProfileSource::new()
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string()
            .contains("config file /home/u/.aws/config, line 2: not valid UTF-8"),
        "{err}"
    );
}

#[tokio::test]
async fn credentials_writable_by_others_are_refused_with_the_fix() {
    let fs = MemFs::new();
    for (mode, who) in [
        (0o664, "its group"),
        (0o646, "others"),
        (0o666, "group and others"),
    ] {
        fs.insert_with_mode(CREDS, keys("default", "AKID"), mode);
        let err = ProfileSource::new()
            .provide(&cx(&fs, &[]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
        assert_eq!(
            err.message(),
            format!(
                "credentials file /home/u/.aws/credentials has mode {mode:04o}, writable by {who}; refusing to use it. Fix: chmod 600 /home/u/.aws/credentials"
            )
        );
    }
    // Readable by everyone is allowed (Grafana documents 0644 as the most open setting).
    for mode in [0o644, 0o600, 0o400] {
        fs.insert_with_mode(CREDS, keys("default", "AKID"), mode);
        assert!(
            ProfileSource::new().provide(&cx(&fs, &[])).await.is_ok(),
            "{mode:o}"
        );
    }
}

#[tokio::test]
async fn unchanged_files_are_read_once_and_rotated_files_are_picked_up() {
    let fs = MemFs::new();
    fs.insert(CONFIG, "[default]\nregion = eu-west-1\n");
    fs.insert(CREDS, keys("default", "AKIDOLD"));
    let cx = cx(&fs, &[]);
    let source = ProfileSource::new();
    for _ in 0..5 {
        assert_eq!(
            source.provide(&cx).await.unwrap().access_key_id(),
            "AKIDOLD"
        );
    }
    assert_eq!(
        fs.reads(),
        2,
        "one read per file, then served from the cache"
    );

    // Rotation: the credentials file is replaced.
    fs.insert(CREDS, keys("default", "AKIDNEW"));
    assert_eq!(
        source.provide(&cx).await.unwrap().access_key_id(),
        "AKIDNEW"
    );
    assert_eq!(fs.reads(), 4);
    // Clones share the cache.
    assert_eq!(
        source.clone().provide(&cx).await.unwrap().access_key_id(),
        "AKIDNEW"
    );
    assert_eq!(fs.reads(), 4);

    // A broken file is not re-parsed on every call either, and its fix is picked up.
    fs.insert(CREDS, "[default]\nbroken\n");
    for _ in 0..3 {
        assert!(source.provide(&cx).await.is_err());
    }
    assert_eq!(fs.reads(), 6);
    fs.insert(CREDS, keys("default", "AKIDFIXED"));
    assert_eq!(
        source.provide(&cx).await.unwrap().access_key_id(),
        "AKIDFIXED"
    );

    // A deleted file is noticed.
    fs.remove(CREDS);
    assert_eq!(
        source.provide(&cx).await.unwrap_err().kind(),
        ErrorKind::NotConfigured
    );
}

#[test]
fn the_cache_is_keyed_by_location_too() {
    let fs = MemFs::new();
    fs.insert("/a/credentials", keys("default", "A"));
    fs.insert("/b/credentials", keys("default", "B"));
    let cache = ProfileCache::new();
    let a = cx(&fs, &[("AWS_SHARED_CREDENTIALS_FILE", "/a/credentials")]);
    let b = cx(&fs, &[("AWS_SHARED_CREDENTIALS_FILE", "/b/credentials")]);
    let id = |cx: &awsauth_core::Context| {
        let loaded = cache
            .load(cx, &awsauth_profile::FileLocations::from_context(cx))
            .unwrap();
        loaded
            .plan("default")
            .unwrap()
            .as_static()
            .unwrap()
            .access_key_id
            .clone()
    };
    assert_eq!(id(&a), "A");
    assert_eq!(id(&b), "B");
    assert_eq!(id(&a), "A");
}

#[tokio::test]
async fn role_profiles_are_refused_with_a_pointer_to_the_chain_crate() {
    let fs = MemFs::new();
    fs.insert(
        CONFIG,
        "[profile x]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n",
    );
    fs.insert(CREDS, keys("base", "AKID"));
    let source = ProfileSource::new().profile("x");
    let err = source.provide(&cx(&fs, &[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.message()
            .starts_with("profile \"x\" needs an assume-role step; use the chain crate"),
        "{err}"
    );
    // The plan itself is available for the crate that can execute it.
    let plan = source.profile_plan(&cx(&fs, &[])).unwrap();
    assert_eq!(plan.steps().len(), 2);
}

#[test]
fn explain_says_which_file_and_profile() {
    let fs = MemFs::new();
    fs.insert(CREDS, keys("default", "AKIDEXAMPLE"));
    let lines = ProfileSource::new().explain(&cx(&fs, &[]));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].status, Status::Configured);
    assert_eq!(
        lines[0].reason,
        "profile \"default\" in /home/u/.aws/credentials: static keys AKIDEXAMPLE"
    );
    let lines = ProfileSource::new().profile("nope").explain(&cx(&fs, &[]));
    assert_eq!(lines[0].status, Status::Invalid);
    let lines = only(ProfileSource::new().profile("nope")).explain(&cx(&fs, &[]));
    assert_eq!(lines[0].status, Status::Invalid);
    assert!(!format!("{lines:?}").contains(SECRET));
}

#[test]
fn load_reports_what_it_found() {
    let fs = MemFs::new();
    fs.insert(CONFIG, "[profile a]\n[default]\n");
    let cx = cx(&fs, &[]);
    let loaded = load(&cx, &awsauth_profile::FileLocations::from_context(&cx)).unwrap();
    assert!(loaded.found(FileKind::Config));
    assert!(!loaded.found(FileKind::Credentials));
    assert_eq!(loaded.set().profile_names(), vec!["a", "default"]);
}

/// Warnings (and errors) logged while `f` runs.
fn logs_of(f: impl FnOnce()) -> String {
    let logs = LogCapture::at(tracing::Level::WARN);
    logs.in_scope(f);
    logs.text()
}

#[test]
fn world_readable_credentials_and_skipped_profiles_are_logged_as_warnings() {
    let fs = MemFs::new();
    fs.insert_with_mode(
        CREDS,
        format!("{}[in valid]\n", keys("default", "AKID")),
        0o644,
    );
    let cx = cx(&fs, &[]);
    let logs = logs_of(|| {
        ProfileSource::new().plan(&cx).unwrap();
    });
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("readable by every user"), "{logs}");
    assert!(logs.contains("mode=0644"), "{logs}");
    assert!(logs.contains("section [in valid] ignored"), "{logs}");
    SecretScan::new([SECRET]).assert_clean("the warnings", &logs);

    fs.insert_with_mode(CREDS, keys("default", "AKID"), 0o600);
    let logs = logs_of(|| {
        ProfileSource::new().plan(&cx).unwrap();
    });
    assert_eq!(logs, "");
}

#[tokio::test]
async fn a_profile_written_with_the_wrong_header_form_is_pointed_out() {
    let fs = MemFs::new();
    fs.insert(
        CREDS,
        format!(
            "{}[profile dev]\naws_access_key_id = AKID\n",
            keys("default", "A")
        ),
    );
    let err = ProfileSource::new()
        .profile("dev")
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.message().contains(
            "(profiles there: default); note: credentials file /home/u/.aws/credentials, line 4: section [profile dev] ignored: in the credentials file profiles are written [dev], without the \"profile\" prefix"
        ),
        "{err}"
    );
}

/// The hint quotes the syntax of the file it is about (issue 15.11): a bare `[dev]` in the
/// config file is pointed at `[profile dev]`, as `[profile dev]` in the credentials file is at
/// `[dev]`.
#[tokio::test]
async fn the_header_hint_fits_the_config_file_too() {
    let fs = MemFs::new();
    fs.insert(CONFIG, "[dev]\nregion = eu-west-1\n");
    let err = ProfileSource::new()
        .profile("dev")
        .provide(&cx(&fs, &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    let text = err.message();
    assert!(
        text.contains("config file /home/u/.aws/config, line 1: section [dev] ignored: in the config file profiles are written [profile dev]"),
        "{text}"
    );
    assert!(!text.contains("without the \"profile\" prefix"), "{text}");
}

/// A credentials file rewritten in place by another process (truncate, then write) can be read
/// half-written: here the first read sees the file cut inside the access key id, and the
/// writer finishes right after. The cache must notice the file changed under the read and read
/// it again, never hand out the half profile (issue 18).
#[test]
fn a_file_rewritten_while_it_is_read_is_read_again() {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Debug)]
    struct TornRead {
        inner: MemFs,
        path: PathBuf,
        full: String,
        torn: AtomicBool,
    }

    impl awsauth_core::Fs for TornRead {
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            let bytes = self.inner.read(path)?;
            if path == self.path && !self.torn.swap(true, Ordering::SeqCst) {
                // The writer completes its rewrite just after this read.
                self.inner.insert(&self.path, &self.full);
            }
            Ok(bytes)
        }

        fn metadata(&self, path: &Path) -> std::io::Result<awsauth_core::FileMeta> {
            self.inner.metadata(path)
        }
    }

    let full = keys("default", "AKIDCOMPLETE0001");
    let half = &full[..full.find("0001").unwrap()];
    let path = PathBuf::from("/home/u/.aws/credentials");
    let inner = MemFs::new();
    inner.insert(&path, half);
    let cx = awsauth_core::Context::builder()
        .env(awsauth_core::MapEnv::from([(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/home/u/.aws/credentials",
        )]))
        .fs(TornRead {
            inner,
            path,
            full: full.clone(),
            torn: AtomicBool::new(false),
        })
        .build();
    let cache = ProfileCache::new();
    let loaded = cache
        .load(&cx, &awsauth_profile::FileLocations::from_context(&cx))
        .unwrap();
    let plan = loaded.plan("default").unwrap();
    assert_eq!(plan.as_static().unwrap().access_key_id, "AKIDCOMPLETE0001");
}
