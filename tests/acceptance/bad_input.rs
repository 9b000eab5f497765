//! Bad input: every parser that reads something a user or a server wrote — profile files, STS
//! XML, IMDS and container JSON, Grafana data source settings, `credential_process` output,
//! the `aws login` token cache, its DPoP key and the sign-in service's answer — gets structured proptest
//! inputs (documents assembled from realistic and hostile fragments, then byte-mutated) and
//! plain random bytes.
//!
//! 100,000 cases of each kind per parser in the normal suite; `AWSAUTH_FUZZ_CASES` changes
//! that (`cargo xtask fuzz` runs 1,000,000). Each case asserts: no panic; an error is non-empty,
//! names its input (the file, the endpoint URL, the field, the operation) and contains no
//! secret value planted in the input; what a parser accepted holds what it must.
//!
//! Which values are secret is the generators' knowledge, never the parser's: every planted
//! secret carries the [`MARKER`], and the fragment tables put it only in the value of a secret
//! key (`aws_secret_access_key`, `SecretAccessKey`, `secretKey`, …; a unit test checks the
//! tables). A generated [`Input`] knows whether each secret is still where it was written —
//! no byte mutation within a byte of it — and then no output of the parser may show the
//! marker, whatever the parser believes is sensitive. Only when a mutation hit a secret's
//! piece (it may then have become another key's value, or a section name) is the check left
//! out for that input.
//!
//! STS's XML reader does not know the endpoint; a sample of the same generated bodies goes
//! through `StsClient` against a loopback server to check that its errors name the endpoint
//! and the operation. The CLI's arguments are not fuzzed (clap parses them; see
//! docs/threat-model.md).

use std::sync::Arc;
use std::time::Duration;

use awsauth_core::Context;
use awsauth_datasource::{
    AuthSettings, AuthType, DatasourceError, DatasourceSettings, SessionCache,
};
use awsauth_profile::{FileKind, ProfileSet};
use awsauth_sts::{AssumeRoleInput, Operation, StsClient, xml};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::factory::RealFactory;
use crate::support::{Tally, fast_http, fuzz_cases, report, scenario};

/// What every planted secret value contains.
const MARKER: &str = "FUZZSECRET";
/// Cases per generator per parser in the normal suite.
const DEFAULT_CASES: u32 = 100_000;

/// The environment variable that seeds the generators (a number; 0 under plain `cargo test`).
/// `cargo xtask test` (and so CI) passes one derived from the commit, `cargo xtask fuzz` a fresh
/// one per run; both print it, and every failure names it, so it can be replayed.
pub const FUZZ_SEED_ENV: &str = "AWSAUTH_FUZZ_SEED";

fn seed() -> u64 {
    std::env::var(FUZZ_SEED_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// A deterministic runner: the same seed tries the same inputs.
fn runner(cases: u32, stream: u64) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed().to_le_bytes());
    key[8..16].copy_from_slice(&stream.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 2_000,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &key),
    )
}

/// A generated input, and whether the secrets its generator planted are still secrets.
#[derive(Clone)]
struct Input {
    bytes: Vec<u8>,
    /// Every piece holding the [`MARKER`] is intact, and so are the bytes just around it: each
    /// planted secret is still the value of the secret key it was written under.
    secrets_intact: bool,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} (secrets intact: {})",
            String::from_utf8_lossy(&self.bytes),
            self.secrets_intact
        )
    }
}

/// A document assembled from pieces; a piece holding the [`MARKER`] is a secret (the fragment
/// tables put the marker only there), and where it went is remembered.
#[derive(Debug, Default)]
struct Doc {
    text: Vec<u8>,
    secrets: Vec<std::ops::Range<usize>>,
}

impl Doc {
    fn push(&mut self, piece: &str) -> &mut Self {
        if piece.contains(MARKER) {
            self.secrets
                .push(self.text.len()..self.text.len() + piece.len());
        }
        self.text.extend_from_slice(piece.as_bytes());
        self
    }

    fn join<S: AsRef<str>>(&mut self, pieces: &[S], separator: &str) -> &mut Self {
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                self.push(separator);
            }
            self.push(piece.as_ref());
        }
        self
    }

    /// Keeps the first `cut` bytes (modulo the length), then overwrites a few bytes. A secret
    /// stays intact unless a byte in it, or the byte just before or after it, was overwritten.
    fn finish(&self, cut: Option<usize>, mutations: &[(usize, u8)]) -> Input {
        let mut bytes = self.text.clone();
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        let mut secrets_intact = true;
        for &(at, byte) in mutations {
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] = byte;
                if self
                    .secrets
                    .iter()
                    .any(|s| s.start.saturating_sub(1) <= at && at <= s.end)
                {
                    secrets_intact = false;
                }
            }
        }
        Input {
            bytes,
            secrets_intact,
        }
    }
}

/// Joins fragments with newlines (sometimes CRLF), then overwrites a few bytes.
fn assemble(fragments: &[&str], crlf: bool, mutations: &[(usize, u8)]) -> Input {
    Doc::default()
        .join(fragments, if crlf { "\r\n" } else { "\n" })
        .finish(None, mutations)
}

fn document(
    fragments: &'static [&'static str],
    max: usize,
) -> impl Strategy<Value = Input> + Clone {
    (
        prop::collection::vec(prop::sample::select(fragments), 0..max),
        any::<bool>(),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    )
        .prop_map(|(parts, crlf, mutations)| assemble(&parts, crlf, &mutations))
}

/// No byte mutation three times out of four, else one or two: the grammar generators should
/// mostly produce documents the parser accepts, so that its deeper paths are reached.
fn sparse_mutations() -> impl Strategy<Value = Vec<(usize, u8)>> + Clone {
    prop_oneof![
        3 => Just(Vec::new()),
        1 => prop::collection::vec((any::<usize>(), any::<u8>()), 1..3),
    ]
}

/// The first of `values` (the well-formed one) seven times out of ten, else any of them.
fn mostly_first<T: Clone + std::fmt::Debug + 'static>(
    values: &'static [T],
) -> impl Strategy<Value = T> + Clone {
    prop_oneof![7 => Just(values[0].clone()), 3 => prop::sample::select(values)]
}

/// `parts` in an order drawn from `seed`.
fn shuffled<T>(mut parts: Vec<T>, seed: u64) -> Vec<T> {
    fastrand::Rng::with_seed(seed).shuffle(&mut parts);
    parts
}

/// `cases` inputs of random bytes: half uniformly random, half drawn from `alphabet`, so the
/// parsers' structure is reached too. Nothing in them was planted as a secret.
fn random_inputs(seed: u64, cases: u32, alphabet: &[u8], mut check: impl FnMut(&Input)) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut input = Input {
        bytes: Vec::with_capacity(512),
        secrets_intact: false,
    };
    for i in 0..cases {
        input.bytes.clear();
        let len = rng.usize(0..=512);
        if i % 2 == 0 {
            input.bytes.extend((0..len).map(|_| rng.u8(..)));
        } else {
            input
                .bytes
                .extend((0..len).map(|_| alphabet[rng.usize(..alphabet.len())]));
        }
        check(&input);
    }
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if condition {
        Ok(())
    } else {
        Err(TestCaseError::fail(message()))
    }
}

/// Runs the proptest generator and the random bytes through `check`, and reports the count.
fn fuzz(
    name: &str,
    seed: u64,
    strategy: impl Strategy<Value = Input>,
    alphabet: &[u8],
    check: impl Fn(&Input) -> Result<bool, TestCaseError>,
) {
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    let counted = |input: &Input| {
        let ok = check(input)?;
        if ok {
            accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    };
    let cases = fuzz_cases(DEFAULT_CASES);
    let started = std::time::Instant::now();
    runner(cases, seed)
        .run(&strategy, |input| counted(&input))
        .unwrap_or_else(|e| panic!("{name} ({FUZZ_SEED_ENV}={}): {e}", self::seed()));
    random_inputs(self::seed() ^ seed, cases, alphabet, |input| {
        if let Err(e) = counted(input) {
            panic!(
                "{name} ({FUZZ_SEED_ENV}={}): random input {input:?}: {e}",
                self::seed()
            );
        }
    });
    println!(
        "bad input: {name}: {} cases (seed {}) in {:?}, {} accepted by the parser",
        2 * u64::from(cases),
        self::seed(),
        started.elapsed(),
        accepted.into_inner()
    );
    report(
        &format!("bad_input::{name}"),
        Tally {
            scenarios: 1,
            inputs: 2 * cases as usize,
            ..Tally::default()
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Profile files.

const PROFILE_FRAGMENTS: &[&str] = &[
    "[default]",
    "[profile dev]",
    "[profile prod]",
    "[dev]",
    "[profile default]",
    "[sso-session s]",
    "[services svc]",
    "[profile a b]",
    "[profile  dev ]",
    "[",
    "]",
    "[profile",
    "aws_access_key_id = AKIDFUZZ",
    "aws_secret_access_key = FUZZSECRET-p1",
    "aws_session_token = FUZZSECRET-p2",
    "aws_secret_access_key=FUZZSECRET-p3",
    // A secret line indented: a continuation of whatever property came before it.
    "  aws_secret_access_key = FUZZSECRET-p5",
    "region = us-east-1",
    "role_arn = arn:aws:iam::123456789012:role/r",
    "role_arn = arn:aws:iam::1:role/",
    "role_arn = not-an-arn",
    "source_profile = dev",
    "source_profile = default",
    "source_profile = prod",
    "credential_source = Ec2InstanceMetadata",
    "credential_source = Environment",
    "credential_source = EcsContainer",
    "credential_source = bogus",
    "web_identity_token_file = /var/run/token",
    "role_session_name = s",
    "external_id = x",
    "duration_seconds = 3600",
    "duration_seconds = -1",
    "duration_seconds = 99999999999999999999999",
    "mfa_serial = arn:aws:iam::123456789012:mfa/u",
    "sso_session = s",
    "sso_start_url = https://start",
    "credential_process = /bin/echo",
    "s3 =",
    "  max_concurrent_requests = 10",
    "\tcontinued value",
    "  no equals here",
    " = value",
    "key",
    "# comment",
    "; comment",
    "",
    "   ",
    "key = value # not a comment",
    "key = value\t;comment",
    "services = svc",
    "endpoint_url = https://e",
    "\u{feff}[default]",
    "ü = ö",
    "[profile \u{0}]",
    "aws_access_key_id = \u{7f}",
];

const PROFILE_HEADERS: &[&str] = &[
    "[default]",
    "[default]",
    "[profile dev]",
    "[profile dev]",
    "[profile prod]",
    "[dev]",
    "[prod]",
    "[profile default]",
    "[sso-session s]",
    "[ profile dev ]",
    "[profile dev] # comment",
];

const PROFILE_PROPERTIES: &[&str] = &[
    "aws_access_key_id = AKIDFUZZ\naws_secret_access_key = FUZZSECRET-p1",
    "aws_access_key_id = AKIDFUZZ\naws_secret_access_key = FUZZSECRET-p1",
    "aws_access_key_id = AKIDFUZZ\naws_secret_access_key = FUZZSECRET-p1\naws_session_token = FUZZSECRET-p2",
    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default",
    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev",
    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = prod",
    "role_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Ec2InstanceMetadata",
    "role_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment",
    "role_arn = arn:aws:iam::123456789012:role/r\ncredential_source = EcsContainer",
    "role_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = /var/run/token",
    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\nexternal_id = tenant\nrole_session_name = s\nduration_seconds = 3600",
    "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nduration_seconds = 12",
    "region = eu-west-1",
    "duration_seconds = 99999999999999999999",
    "mfa_serial = arn:aws:iam::123456789012:mfa/u",
    "sso_session = s\nsso_start_url = https://start",
    "credential_process = /bin/echo",
    "s3 =\n  max_concurrent_requests = 10",
    "aws_secret_access_key = FUZZSECRET-p3",
    "aws_session_token = FUZZSECRET-p4",
    "region = eu-west-1\n\taws_session_token = FUZZSECRET-p6",
    "# comment",
];

/// Sections of mostly well-formed properties, rarely mutated.
fn profile_grammar() -> impl Strategy<Value = Input> + Clone {
    (
        prop::collection::vec(
            (
                prop::sample::select(PROFILE_HEADERS),
                prop::collection::vec(prop::sample::select(PROFILE_PROPERTIES), 0..4),
            ),
            0..5,
        ),
        any::<bool>(),
        sparse_mutations(),
    )
        .prop_map(|(sections, crlf, mutations)| {
            let mut lines = Vec::new();
            for (header, properties) in sections {
                lines.push(header);
                lines.extend(properties);
            }
            assemble(&lines, crlf, &mutations)
        })
}

fn check_profile(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let mut accepted = false;
    for (kind, path) in [
        (FileKind::Config, "/fuzz/.aws/config"),
        (FileKind::Credentials, "/fuzz/.aws/credentials"),
    ] {
        let mut set = ProfileSet::new();
        match set.add_file_bytes(kind, path, &input.bytes) {
            Err(err) => {
                let text = err.to_string();
                ensure(text.contains(path), || {
                    format!("{text:?} does not name {path}")
                })?;
                ensure(!text.contains(MARKER), || {
                    format!("{text:?} quotes a secret")
                })?;
                ensure(err.line >= 1, || format!("line {} in {text:?}", err.line))?;
            }
            Ok(()) => {
                let shown = format!("{set:?}");
                ensure(!clean || !shown.contains(MARKER), || {
                    format!("the parsed set's Debug shows a secret: {shown}")
                })?;
                for warning in set.warnings() {
                    ensure(!clean || !warning.contains(MARKER), || {
                        format!("warning {warning:?} quotes a secret")
                    })?;
                }
                for name in ["default", "dev", "prod", "missing"] {
                    match set.plan(name) {
                        Ok(plan) => {
                            accepted = true;
                            let shown = format!(
                                "{plan} {plan:?} {}",
                                serde_json::to_string(&plan.describe()).unwrap()
                            );
                            ensure(!clean || !shown.contains(MARKER), || {
                                format!("plan {shown:?} shows a secret")
                            })?;
                        }
                        Err(err) => {
                            // The profile asked for, or the one at fault on its
                            // source_profile path.
                            let text = err.to_string();
                            let names_one = text.contains(name)
                                || set
                                    .profile_names()
                                    .iter()
                                    .any(|p| text.contains(&format!("\"{p}\"")));
                            ensure(names_one, || format!("{text:?} names no profile"))?;
                            ensure(!clean || !text.contains(MARKER), || {
                                format!("{text:?} quotes a secret")
                            })?;
                        }
                    }
                }
            }
        }
    }
    Ok(accepted)
}

#[test]
fn profile_files() {
    fuzz(
        "profile",
        1,
        prop_oneof![document(PROFILE_FRAGMENTS, 24), profile_grammar()],
        b"[]= \t\n\r#;profiledefaultaws_secret_access_key_id",
        check_profile,
    );
}

// ---------------------------------------------------------------------------------------------
// STS XML.

const XML_FRAGMENTS: &[&str] = &[
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">"#,
    "</AssumeRoleResponse>",
    "<AssumeRoleResult>",
    "</AssumeRoleResult>",
    "<AssumeRoleWithWebIdentityResult>",
    "</AssumeRoleWithWebIdentityResult>",
    "<Credentials>",
    "</Credentials>",
    "<AccessKeyId>ASIAFUZZ</AccessKeyId>",
    "<SecretAccessKey>FUZZSECRET-x1</SecretAccessKey>",
    "<SessionToken>FUZZSECRET-x2</SessionToken>",
    "<SessionToken><![CDATA[FUZZSECRET-x3]]></SessionToken>",
    "<Expiration>2030-01-01T00:00:00Z</Expiration>",
    "<Expiration>2030-01-01T00:00:00.123456789Z</Expiration>",
    "<Expiration>not a date</Expiration>",
    "<Expiration>2030-02-30T25:61:61Z</Expiration>",
    "<Expiration>-99999-01-01T00:00:00Z</Expiration>",
    "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>",
    "<AssumedRoleUser><Arn>arn:::::</Arn></AssumedRoleUser>",
    "<ErrorResponse>",
    "</ErrorResponse>",
    "<Error>",
    "</Error>",
    "<Code>Throttling</Code>",
    "<Code></Code>",
    "<Message>m &amp; &lt; &#65; &#x10FFFF; &#0; &#xD800;</Message>",
    "<Type>Sender</Type>",
    "<RequestId>r-1</RequestId>",
    "<!-- comment -->",
    r#"<!DOCTYPE x [<!ENTITY e "boom">]>"#,
    "&e;",
    "&unknown;",
    "<a/>",
    "<a>",
    "</a>",
    "<SecretAccessKey>",
    "</SecretAccessKey>",
    "<GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>U</UserId></GetCallerIdentityResult>",
    r#"<x:Credentials xmlns:x="urn:x">"#,
    "</x:Credentials>",
    "<a b='1' b='2'>",
    "<?pi?>",
    " ",
    "<",
    ">",
    "&",
    "]]>",
];

const XML_ROOTS: &[(&str, &str)] = &[
    ("AssumeRoleResponse", "AssumeRoleResult"),
    (
        "AssumeRoleWithWebIdentityResponse",
        "AssumeRoleWithWebIdentityResult",
    ),
    ("AssumeRoleResponse", "AssumeRoleWithWebIdentityResult"),
    ("ErrorResponse", "Error"),
];
const XML_KEYS: &[&str] = &[
    "<AccessKeyId>ASIAFUZZ</AccessKeyId>",
    "<AccessKeyId>ASIAFUZZ</AccessKeyId>",
    "<AccessKeyId>\n  ASIAFUZZ\n</AccessKeyId>",
    "<AccessKeyId>A&amp;B&#x41;</AccessKeyId>",
    "<AccessKeyId/>",
    "",
];
const XML_SECRETS: &[&str] = &[
    "<SecretAccessKey>FUZZSECRET-x1</SecretAccessKey>",
    "<SecretAccessKey>FUZZSECRET-x1</SecretAccessKey>",
    "<SecretAccessKey><![CDATA[FUZZSECRET-x3]]></SecretAccessKey>",
    "<SecretAccessKey>FUZZSECRET&lt;&gt;</SecretAccessKey>",
    "<SecretAccessKey></SecretAccessKey>",
    "",
];
const XML_TOKENS: &[&str] = &[
    "<SessionToken>FUZZSECRET-x2</SessionToken>",
    "<SessionToken>FUZZSECRET-x2</SessionToken>",
    "<SessionToken>FUZZSECRET-x2<!-- c --></SessionToken>",
    "<SessionToken/>",
    "",
];
const XML_EXPIRATIONS: &[&str] = &[
    "<Expiration>2030-01-01T00:00:00Z</Expiration>",
    "<Expiration>2030-01-01T00:00:00Z</Expiration>",
    "<Expiration>2030-01-01T00:00:00.123456789Z</Expiration>",
    "<Expiration>2030-01-01T02:00:00+02:00</Expiration>",
    "<Expiration>1970-01-01T00:00:00Z</Expiration>",
    "<Expiration>2030-02-30T25:61:61Z</Expiration>",
    "<Expiration>9999-12-31T23:59:60Z</Expiration>",
    "<Expiration>soon</Expiration>",
    "",
];
const XML_USERS: &[&str] = &[
    "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>",
    "<AssumedRoleUser><Arn>arn:aws:sts::1:x</Arn></AssumedRoleUser>",
    "<AssumedRoleUser/>",
    "",
];
const XML_EXTRAS: &[&str] = &[
    "<Provider>oidc.eks.amazonaws.com</Provider>",
    "<Audience>sts.amazonaws.com</Audience>",
    "<SubjectFromWebIdentityToken>system:serviceaccount:a:b</SubjectFromWebIdentityToken>",
    "<PackedPolicySize>6</PackedPolicySize>",
    "<Code>Throttling</Code><Message>Rate exceeded</Message>",
    "<!-- comment -->",
    "<?pi data?>",
    "<Unknown a=\"1\"><Nested/></Unknown>",
];

/// A response built like STS's: the root, the result, `Credentials` with its four fields (each
/// possibly missing or odd), the assumed-role user, extra elements, in shuffled order;
/// sometimes truncated, rarely mutated.
fn xml_grammar() -> impl Strategy<Value = Input> + Clone {
    (
        (
            prop::sample::select(XML_ROOTS),
            any::<bool>(),
            any::<bool>(),
            mostly_first(XML_KEYS),
            mostly_first(XML_SECRETS),
            mostly_first(XML_TOKENS),
            mostly_first(XML_EXPIRATIONS),
            mostly_first(XML_USERS),
        ),
        prop::collection::vec(prop::sample::select(XML_EXTRAS), 0..3),
        any::<u64>(),
        prop::option::weighted(0.1, any::<usize>()),
        sparse_mutations(),
    )
        .prop_map(|(head, extras, order, cut, mutations)| {
            let ((root, result), declaration, namespace, key, secret, token, expiration, user) =
                head;
            let credentials = shuffled(vec![key, secret, token, expiration], order).concat();
            let mut children = vec![
                format!("<Credentials>{credentials}</Credentials>"),
                user.to_owned(),
            ];
            children.extend(extras.iter().map(|e| (*e).to_owned()));
            let children = shuffled(children, order.rotate_left(7)).concat();
            let mut text = String::new();
            if declaration {
                text.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            }
            let xmlns = if namespace {
                " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
            } else {
                ""
            };
            text.push_str(&format!(
                "<{root}{xmlns}><{result}>{children}</{result}><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></{root}>"
            ));
            if let Some(cut) = cut {
                text.truncate(cut % (text.len() + 1));
            }
            assemble(&[&text], false, &mutations)
        })
}

/// STS XML errors never quote an element's text, so no marker may show whatever a mutation did
/// (stricter than [`Input::secrets_intact`]).
fn check_xml(input: &Input) -> Result<bool, TestCaseError> {
    let input = input.bytes.as_slice();
    let mut accepted = false;
    for op in [Operation::AssumeRole, Operation::AssumeRoleWithWebIdentity] {
        match xml::parse_credentials(op, input) {
            Ok(parsed) => {
                accepted = true;
                let shown = format!("{parsed:?}");
                ensure(!shown.contains(MARKER), || {
                    format!("Debug shows a secret: {shown}")
                })?;
            }
            Err(err) => {
                let text = err.to_string();
                ensure(!text.trim().is_empty(), || "an empty error".to_owned())?;
                ensure(!text.contains(MARKER), || {
                    format!("{text:?} quotes a secret")
                })?;
            }
        }
    }
    match xml::parse_caller_identity(input) {
        Ok(_) => {}
        Err(err) => {
            let text = err.to_string();
            ensure(!text.trim().is_empty(), || "an empty error".to_owned())?;
            ensure(!text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
        }
    }
    if let Some(error) = xml::parse_error(input) {
        ensure(!error.code.trim().is_empty(), || {
            format!("a blank code: {error:?}")
        })?;
    }
    Ok(accepted)
}

#[test]
fn sts_xml() {
    fuzz(
        "sts_xml",
        2,
        prop_oneof![document(XML_FRAGMENTS, 24), xml_grammar()],
        b"<>/=\"'&;#![]CDATAxmlnsCredentialsSecretAccessKeyExpiration ",
        check_xml,
    );
}

/// A loopback HTTP server that answers every request with the next queued body (status 200).
async fn raw_server(bodies: Vec<Vec<u8>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for body in bodies {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
    });
    endpoint
}

#[test]
fn sts_xml_errors_through_the_client_name_the_endpoint_and_the_operation() {
    const SAMPLE: usize = 300;
    let mut runner = runner(1, 6);
    let strategy = prop_oneof![document(XML_FRAGMENTS, 24), xml_grammar()];
    let bodies: Vec<Vec<u8>> = (0..SAMPLE)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current().bytes)
        .collect();
    let scanned = scenario(
        "sts xml via client",
        &[],
        Duration::from_secs(120),
        |capture| async move {
            let endpoint = raw_server(bodies).await;
            let client = StsClient::new()
                .endpoint_url(&endpoint)
                .region("us-east-1")
                .http_settings(awsauth_http::HttpSettings {
                    max_attempts: 1,
                    ..fast_http()
                });
            let cx = crate::support::Counting::new().install(
                &Context::builder()
                    .clock(Arc::new(crate::support::SkewClock::default()))
                    .build(),
            );
            let base = awsauth_core::Credentials::builder("AKIDFUZZ", "fuzz-base-secret").build();
            let input = AssumeRoleInput::new("arn:aws:iam::123456789012:role/r", "fuzz");
            let host = endpoint.trim_end_matches('/').to_owned();
            for _ in 0..SAMPLE {
                if let Err(err) = client.assume_role(&cx, &base, &input).await {
                    capture.record_error("sts client", &err);
                    let text = err.to_string();
                    assert!(text.contains(&host), "{text:?} does not name {host}");
                    assert!(
                        text.contains("AssumeRole"),
                        "{text:?} does not name the operation"
                    );
                    assert!(!text.contains(MARKER), "{text:?} quotes a secret");
                }
            }
        },
    );
    report(
        "bad_input::sts_xml_client",
        Tally {
            scenarios: 1,
            inputs: SAMPLE,
            lines_scanned: scanned.lines,
            ..Tally::default()
        },
    );
}

// ---------------------------------------------------------------------------------------------
// IMDS and container JSON.

const JSON_PAIRS: &[&str] = &[
    r#""Code":"Success""#,
    r#""Code":"Failure""#,
    r#""Code":42"#,
    r#""Message":"m""#,
    r#""LastUpdated":"2024-01-01T00:00:00Z""#,
    r#""Type":"AWS-HMAC""#,
    r#""AccessKeyId":"ASIAFUZZ""#,
    r#""AccessKeyId":" ""#,
    r#""AccessKeyId":{}"#,
    r#""SecretAccessKey":"FUZZSECRET-j1""#,
    r#""SecretAccessKey":12"#,
    r#""SecretAccessKey":null"#,
    r#""Token":"FUZZSECRET-j2""#,
    r#""Token":"FUZZSECRET-\u0000\ud800""#,
    r#""Expiration":"2030-01-01T00:00:00Z""#,
    r#""Expiration":"1970-01-01T00:00:00Z""#,
    r#""Expiration":"9999-12-31T23:59:60Z""#,
    r#""Expiration":"""#,
    r#""Expiration":123"#,
    r#""AccountId":"123456789012""#,
    r#""RoleArn":"arn:aws:iam::123456789012:role/r""#,
    r#""RoleArn":"arn::::""#,
    r#""code":"c""#,
    r#""message":[1,2]"#,
    r#""Extra":{"nested":[1,{"a":null}]}"#,
    r#""Extra":1e999"#,
];

/// A JSON object of pairs, sometimes wrapped or truncated, then byte-mutated.
fn json_document() -> impl Strategy<Value = Input> + Clone {
    (
        prop::collection::vec(prop::sample::select(JSON_PAIRS), 0..12),
        0u8..6,
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    )
        .prop_map(|(pairs, shape, mutations)| {
            let mut doc = Doc::default();
            let (open, close) = match shape {
                0 => ("[".to_owned(), "]".to_owned()),
                2 => ("[".repeat(200), "]".repeat(200)),
                _ => (String::new(), String::new()),
            };
            doc.push(&open)
                .push("{")
                .join(&pairs, ",")
                .push("}")
                .push(&close);
            // Shape 1: the object cut in half.
            let cut = (shape == 1).then_some(doc.text.len() / 2);
            doc.finish(cut, &mutations)
        })
}

/// (key, how often present, variants); the first variants are the valid ones and come up most.
type JsonField = (&'static str, f64, &'static [&'static str]);

const JSON_FIELDS: &[JsonField] = &[
    (
        "Code",
        0.6,
        &[r#""Success""#, r#""Success""#, r#""Failure""#, "null", "7"],
    ),
    ("Message", 0.2, &[r#""the role is being updated""#, r#""""#]),
    ("LastUpdated", 0.5, &[r#""2024-01-01T00:00:00Z""#]),
    ("Type", 0.5, &[r#""AWS-HMAC""#]),
    (
        "AccessKeyId",
        0.95,
        &[
            r#""ASIAFUZZ""#,
            r#""ASIAFUZZ""#,
            r#"" ASIAFUZZ ""#,
            r#""""#,
            "12",
            "{}",
        ],
    ),
    (
        "SecretAccessKey",
        0.95,
        &[
            r#""FUZZSECRET-j1""#,
            r#""FUZZSECRET-j1""#,
            r#""FUZZSECRET-\u00e9\n""#,
            r#"" ""#,
            "null",
            "12",
        ],
    ),
    (
        "Token",
        0.8,
        &[
            r#""FUZZSECRET-j2""#,
            r#""FUZZSECRET-j2""#,
            r#""""#,
            "null",
            "[1]",
        ],
    ),
    (
        "Expiration",
        0.9,
        &[
            r#""2030-01-01T00:00:00Z""#,
            r#""2030-01-01T00:00:00Z""#,
            r#""2030-01-01T00:00:00.5+01:00""#,
            r#""1970-01-01T00:00:00Z""#,
            r#""9999-12-31T23:59:60Z""#,
            r#""soon""#,
            r#""""#,
            "123",
        ],
    ),
    (
        "AccountId",
        0.5,
        &[r#""123456789012""#, r#"" ""#, "123456789012"],
    ),
    (
        "RoleArn",
        0.5,
        &[
            r#""arn:aws:iam::123456789012:role/task""#,
            r#""arn:::::""#,
            r#""""#,
        ],
    ),
    (
        "Extra",
        0.2,
        &[r#"{"nested":[1,{"a":null}]}"#, "1e999", "-0"],
    ),
];

/// An agent's or IMDS's credentials document: each field present with its own probability,
/// its value mostly valid, fields shuffled; rarely mutated.
fn json_grammar() -> impl Strategy<Value = Input> + Clone {
    let fields: Vec<_> = JSON_FIELDS
        .iter()
        .map(|&(key, presence, values)| {
            prop::option::weighted(presence, mostly_first(values))
                .prop_map(move |value| value.map(|v| format!("\"{key}\":{v}")))
        })
        .collect();
    (fields, any::<u64>(), any::<bool>(), sparse_mutations()).prop_map(
        |(fields, order, spaced, mutations)| {
            let pairs = shuffled(fields.into_iter().flatten().collect::<Vec<_>>(), order);
            let separator = if spaced { ",\n  " } else { "," };
            let mut doc = Doc::default();
            doc.push("{").join(&pairs, separator).push("}");
            doc.finish(None, &mutations)
        },
    )
}

const IMDS_URL: &str =
    "http://169.254.169.254/latest/meta-data/iam/security-credentials-extended/fuzz-role";
const CONTAINER_URL: &str = "http://169.254.170.23/v1/credentials";

fn check_imds(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    let mut accepted = false;
    match awsauth_imds::parse_credentials(input, "fuzz-role", IMDS_URL) {
        Ok(c) => {
            accepted = true;
            ensure(!c.access_key_id().trim().is_empty(), || {
                "a blank key id".into()
            })?;
            ensure(!c.secret_access_key().trim().is_empty(), || {
                "a blank secret".into()
            })?;
            ensure(c.expiry().is_some(), || "no expiry".into())?;
        }
        Err(err) => {
            let text = err.to_string();
            ensure(text.contains(IMDS_URL), || {
                format!("{text:?} does not name the URL")
            })?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
        }
    }
    if let Some(role) = awsauth_imds::parse_role_listing(input) {
        ensure(
            (1..=64).contains(&role.len())
                && !role.contains(|c: char| c == '/' || c.is_whitespace() || c.is_control()),
            || format!("a role name that is not one: {role:?}"),
        )?;
    }
    Ok(accepted)
}

fn check_container(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    let mut accepted = false;
    match awsauth_container::parse_credentials(input, CONTAINER_URL, "container:fuzz") {
        Ok(c) => {
            accepted = true;
            ensure(!c.access_key_id().trim().is_empty(), || {
                "a blank key id".into()
            })?;
            ensure(!c.secret_access_key().trim().is_empty(), || {
                "a blank secret".into()
            })?;
        }
        Err(err) => {
            let text = err.to_string();
            ensure(text.contains(CONTAINER_URL), || {
                format!("{text:?} does not name the URL")
            })?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
        }
    }
    let (code, message) = awsauth_container::parse_error_body(input);
    ensure(code.is_none_or(|c| c.chars().count() <= 64), || {
        "a long code".into()
    })?;
    ensure(message.is_none_or(|m| m.chars().count() <= 256), || {
        "a long message".into()
    })?;
    Ok(accepted)
}

const JSON_ALPHABET: &[u8] =
    b"{}[]:,\"\\ 0123456789.eE-+truefalsnulAccessKeyIdSecretTokenExpiration";

#[test]
fn imds_json() {
    fuzz(
        "imds_json",
        3,
        prop_oneof![json_document(), json_grammar()],
        JSON_ALPHABET,
        check_imds,
    );
}

#[test]
fn container_json() {
    fuzz(
        "container_json",
        4,
        prop_oneof![json_document(), json_grammar()],
        JSON_ALPHABET,
        check_container,
    );
}

// ---------------------------------------------------------------------------------------------
// credential_process output, the aws login token cache and DPoP key, the sign-in answer.

/// A JSON object of `fields` (each present with its own probability, mostly valid values,
/// shuffled), rarely mutated.
fn field_grammar(fields: &'static [JsonField]) -> impl Strategy<Value = Input> + Clone {
    let fields: Vec<_> = fields
        .iter()
        .map(|&(key, presence, values)| {
            prop::option::weighted(presence, mostly_first(values))
                .prop_map(move |value| value.map(|v| format!("\"{key}\":{v}")))
        })
        .collect();
    (fields, any::<u64>(), sparse_mutations()).prop_map(|(fields, order, mutations)| {
        let pairs = shuffled(fields.into_iter().flatten().collect::<Vec<_>>(), order);
        let mut doc = Doc::default();
        doc.push("{").join(&pairs, ",").push("}");
        doc.finish(None, &mutations)
    })
}

const PROCESS_FIELDS: &[JsonField] = &[
    (
        "Version",
        0.95,
        &["1", "1", "1.0", "2", r#""1""#, "null", "true", "1e999"],
    ),
    (
        "AccessKeyId",
        0.95,
        &[r#""ASIAFUZZ""#, r#""ASIAFUZZ""#, r#""""#, "12", "null"],
    ),
    (
        "SecretAccessKey",
        0.95,
        &[
            r#""FUZZSECRET-c1""#,
            r#""FUZZSECRET-c1""#,
            r#"" ""#,
            "[]",
            "null",
        ],
    ),
    (
        "SessionToken",
        0.6,
        &[r#""FUZZSECRET-c2""#, r#""""#, "null", "{}"],
    ),
    (
        "Expiration",
        0.7,
        &[
            r#""2124-01-01T00:00:00Z""#,
            r#""2124-01-01T00:00:00Z""#,
            r#""2124-01-01T02:00:00+02:00""#,
            r#""2023-12-31T23:00:00Z""#,
            r#""tomorrow""#,
            r#""""#,
            "123",
        ],
    ),
    ("AccountId", 0.4, &[r#""123456789012""#, r#""""#, "7"]),
];

fn check_process(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200);
    match awsauth_process::parse_output(input, Some("999999999999"), now, "process:fuzz") {
        Ok(c) => {
            ensure(!c.access_key_id().trim().is_empty(), || {
                "a blank key id".into()
            })?;
            ensure(!c.secret_access_key().trim().is_empty(), || {
                "a blank secret".into()
            })?;
            ensure(c.expiry().is_none_or(|e| e > now), || {
                "expired credentials accepted".into()
            })?;
            ensure(c.account_id().is_some(), || {
                "the profile's account was dropped".into()
            })?;
            Ok(true)
        }
        Err(err) => {
            let text = err.to_string();
            ensure(
                text.starts_with("its output") || text.starts_with("it printed"),
                || format!("{text:?} does not say it is about the program's output"),
            )?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
            Ok(false)
        }
    }
}

#[test]
fn credential_process_output() {
    fuzz(
        "credential_process_output",
        6,
        prop_oneof![json_document(), field_grammar(PROCESS_FIELDS)],
        b"{}[]:,\" 0123456789.eE-+truefalsnulVersionAccessKeyIdSecretSessionTokenExpiration",
        check_process,
    );
}

/// A real SEC1 key, for the grammar's valid cache files and the DPoP key parser.
const FUZZ_DPOP_KEY: &str = r#""-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n""#;

const LOGIN_FIELDS: &[JsonField] = &[
    (
        "accessToken",
        0.95,
        &[
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-l1","sessionToken":"FUZZSECRET-l2","accountId":"0123456789012","expiresAt":"2124-01-01T00:00:00Z"}"#,
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-l1","sessionToken":"FUZZSECRET-l2","accountId":"0123456789012","expiresAt":"2124-01-01T00:00:00Z"}"#,
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-l1","sessionToken":"FUZZSECRET-l2","accountId":"0123456789012","expiresAt":"2124-01-01 00:00:00 UTC"}"#,
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-l1","accountId":"0123456789012","expiresAt":"2124-01-01T00:00:00Z"}"#,
            r#"{"secretAccessKey":"FUZZSECRET-l1"}"#,
            r#""FUZZSECRET-l9""#,
            "[]",
            "null",
        ],
    ),
    ("tokenType", 0.5, &[r#""aws_sigv4""#, "1"]),
    (
        "clientId",
        0.95,
        &[r#""arn:aws:signin:::devtools/same-device""#, r#""""#, "7"],
    ),
    (
        "refreshToken",
        0.95,
        &[r#""FUZZSECRET-l3""#, r#""""#, "null", "{}"],
    ),
    ("idToken", 0.5, &[r#""FUZZSECRET-l4""#, "null"]),
    (
        "dpopKey",
        0.95,
        &[FUZZ_DPOP_KEY, r#""FUZZSECRET-not-a-key""#, r#""""#],
    ),
    ("signInRegion", 0.3, &[r#""eu-west-1""#, r#""""#, "3"]),
];

fn check_login_cache(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    match awsauth_login::check_cache_file(input) {
        Ok((key, account)) => {
            ensure(!key.trim().is_empty() && !account.trim().is_empty(), || {
                "a blank key id or account accepted".into()
            })?;
            Ok(true)
        }
        Err(err) => {
            let text = err.to_string();
            ensure(!text.is_empty(), || "an empty error".into())?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
            Ok(false)
        }
    }
}

#[test]
fn login_token_cache() {
    fuzz(
        "login_token_cache",
        7,
        prop_oneof![json_document(), field_grammar(LOGIN_FIELDS)],
        b"{}[]:,\" 0123456789.eE-+truefalsnulaccessTokenrefreshclientIddpopKeyexpiresAt",
        check_login_cache,
    );
}

const TOKEN_ANSWER_FIELDS: &[JsonField] = &[
    (
        "accessToken",
        0.95,
        &[
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-t1","sessionToken":"FUZZSECRET-t2"}"#,
            r#"{"accessKeyId":"ASIAFUZZ","secretAccessKey":"FUZZSECRET-t1","sessionToken":"FUZZSECRET-t2"}"#,
            r#"{"accessKeyId":"","secretAccessKey":"FUZZSECRET-t1"}"#,
            r#""FUZZSECRET-t9""#,
        ],
    ),
    (
        "expiresIn",
        0.9,
        &[
            "900",
            "900",
            "-1",
            "1e3",
            r#""900""#,
            "18446744073709551616",
        ],
    ),
    (
        "refreshToken",
        0.9,
        &[r#""FUZZSECRET-t3""#, r#""""#, "null"],
    ),
    ("tokenType", 0.5, &[r#""aws_sigv4""#]),
    ("idToken", 0.2, &[r#""FUZZSECRET-t4""#]),
];

fn check_token_answer(input: &Input) -> Result<bool, TestCaseError> {
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    match awsauth_login::parse_token_response(input) {
        Ok(answer) => {
            ensure(!answer.access_key_id.trim().is_empty(), || {
                "a blank key id".into()
            })?;
            ensure(!format!("{answer:?}").contains(MARKER), || {
                "Debug shows a secret".into()
            })?;
            Ok(true)
        }
        Err(text) => {
            ensure(text.starts_with("the answer"), || {
                format!("{text:?} names nothing")
            })?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
            Ok(false)
        }
    }
}

#[test]
fn signin_token_answer() {
    fuzz(
        "signin_token_answer",
        8,
        prop_oneof![json_document(), field_grammar(TOKEN_ANSWER_FIELDS)],
        b"{}[]:,\" 0123456789.eE-+truefalsnulaccessTokenexpiresInrefreshToken",
        check_token_answer,
    );
}

/// PEM-shaped inputs for the DPoP key reader: a real key mutated, other labels, junk.
fn pem_grammar() -> impl Strategy<Value = Input> + Clone {
    let key: &'static str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n";
    (
        prop::sample::select(
            &[
                "EC PRIVATE KEY",
                "PRIVATE KEY",
                "RSA PRIVATE KEY",
                "PUBLIC KEY",
            ][..],
        ),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        any::<bool>(),
    )
        .prop_map(move |(label, mutations, literal_newlines)| {
            let mut text = key.replace("EC PRIVATE KEY", label);
            if literal_newlines {
                text = text.replace('\n', "\\n");
            }
            assemble(&[&text], false, &mutations)
        })
}

#[test]
fn dpop_key_pem() {
    fuzz(
        "dpop_key_pem",
        9,
        pem_grammar(),
        b"-BEGINENDPRIVATEKEYEC\nABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
        |input| {
            let Ok(text) = std::str::from_utf8(&input.bytes) else {
                return Ok(false);
            };
            match awsauth_login::dpop::DpopKey::from_pem(text) {
                Ok(key) => {
                    let proof = key.proof("POST", "https://x/v1/token", 1, "j");
                    ensure(proof.split('.').count() == 3, || "not a JWT".into())?;
                    ensure(!format!("{key:?}").contains("MHcC"), || {
                        "Debug shows the key".into()
                    })?;
                    Ok(true)
                }
                Err(err) => {
                    ensure(!err.to_string().contains("MHcC"), || {
                        "the error quotes the key".into()
                    })?;
                    Ok(false)
                }
            }
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Grafana data source settings.

const JSON_DATA_PAIRS: &[&str] = &[
    r#""authType":"keys""#,
    r#""authType":"credentials""#,
    r#""authType":"default""#,
    r#""authType":"ec2_iam_role""#,
    r#""authType":"grafana_assume_role""#,
    r#""authType":"arn""#,
    r#""authType":"""#,
    r#""authType":"nope""#,
    r#""authType":1"#,
    r#""authType":null"#,
    r#""region":"eu-west-1""#,
    r#""region":"default""#,
    r#""region":"EU WEST""#,
    r#""region":7"#,
    r#""defaultRegion":"us-east-1""#,
    r#""defaultRegion":"af-south-1""#,
    r#""assumeRoleArn":"arn:aws:iam::123456789012:role/r""#,
    r#""assumeRoleARN":"arn:aws:iam::123456789012:role/other""#,
    r#""assumeRoleArn":"not-an-arn""#,
    r#""externalId":"tenant-1""#,
    r#""externalId":"""#,
    r#""endpoint":"https://sts.eu-west-1.amazonaws.com""#,
    r#""endpoint":"http://localhost:4566""#,
    r#""endpoint":"monitoring-fips.us-east-1.amazonaws.com""#,
    r#""endpoint":"default""#,
    r#""profile":"dev""#,
    r#""profile":["dev"]"#,
];

const SECURE_PAIRS: &[&str] = &[
    r#""accessKey":"AKIDFUZZ""#,
    r#""accessKey":" ""#,
    r#""secretKey":"FUZZSECRET-d1""#,
    r#""sessionToken":"FUZZSECRET-d2""#,
    r#""SECRETKEY":"FUZZSECRET-d3""#,
    r#""secretKey":5"#,
    r#""sessionToken":{"a":"FUZZSECRET-d4"}"#,
];

fn settings_document() -> impl Strategy<Value = Input> + Clone {
    (
        prop::collection::vec(prop::sample::select(JSON_DATA_PAIRS), 0..8),
        prop::collection::vec(prop::sample::select(SECURE_PAIRS), 0..4),
        0u8..8,
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..3),
    )
        .prop_map(|(data, secure, shape, mutations)| {
            let mut doc = Doc::default();
            let object = |doc: &mut Doc, pairs: &[&str]| {
                doc.push("{").join(pairs, ",").push("}");
            };
            match shape {
                0 => {
                    doc.push(r#"{"jsonData":"#);
                    object(&mut doc, &data);
                    doc.push("}");
                }
                1 | 2 => {
                    doc.push(if shape == 1 {
                        r#"{"jsonData":"#
                    } else {
                        r#"{"JSONDATA":"#
                    });
                    object(&mut doc, &data);
                    doc.push(r#","secureJsonData":"#);
                    object(&mut doc, &secure);
                    doc.push(if shape == 1 {
                        r#","database":"legacy"}"#
                    } else {
                        "}"
                    });
                }
                3 => {
                    // jsonData as a string (its quotes unescaped: broken JSON).
                    doc.push(r#"{"jsonData":""#);
                    object(&mut doc, &data);
                    doc.push(r#"","secureJsonData":"#);
                    object(&mut doc, &secure);
                    doc.push("}");
                }
                4 => {
                    doc.push("[");
                    object(&mut doc, &data);
                    doc.push("]");
                }
                _ => {
                    doc.push(r#"{"jsonData":"#);
                    object(&mut doc, &data);
                    doc.push(r#","secureJsonData":"#);
                    object(&mut doc, &secure);
                    doc.push("}");
                }
            }
            doc.finish(None, &mutations)
        })
}

fn check_settings(input: &Input, sessions: &SessionCache) -> Result<bool, TestCaseError> {
    let text = String::from_utf8_lossy(&input.bytes);
    let clean = input.secrets_intact;
    let mut accepted = false;
    match DatasourceSettings::from_json(&text) {
        Ok(settings) => {
            accepted = true;
            let shown = format!("{settings:?}");
            ensure(!shown.contains(MARKER), || {
                format!("Debug shows a secret: {shown}")
            })?;
            // The policy gate and the session build are pure: they must not panic either.
            if let Err(err) = sessions.get(&settings) {
                let message = err.to_string();
                ensure(!message.trim().is_empty(), || "an empty error".into())?;
                ensure(!clean || !message.contains(MARKER), || {
                    format!("{message:?} quotes a secret")
                })?;
            }
        }
        Err(err) => {
            let message = err.to_string();
            if let DatasourceError::InvalidSettings { field, .. } = &err {
                ensure(
                    !field.is_empty() && message.contains(field.as_str()),
                    || format!("{message:?} names no field"),
                )?;
            }
            ensure(!clean || !message.contains(MARKER), || {
                format!("{message:?} quotes a secret")
            })?;
        }
    }
    Ok(accepted)
}

#[test]
fn grafana_settings_json() {
    let sessions = SessionCache::new(
        AuthSettings::new().allow(AuthType::ALL),
        Arc::new(RealFactory::new(fast_http())),
    )
    .max_entries(64);
    fuzz(
        "grafana_settings",
        5,
        settings_document(),
        b"{}[]:,\"\\ jsonDatasecureJsonDataauthTypekeysregionassumeRoleArnsecretKey",
        |input| check_settings(input, &sessions),
    );
}

// ---------------------------------------------------------------------------------------------
// The IAM Identity Center token cache.

const SSO_CACHE_PATH: &str = "/fuzz/.aws/sso/cache/d033e22ae348aeb5660fc2140aec35850c4da997.json";

/// (key, how often present, variants); the first variants are the valid ones and come up most.
const SSO_FIELDS: &[JsonField] = &[
    (
        "accessToken",
        0.95,
        &[
            r#""FUZZSECRET-s1""#,
            r#""FUZZSECRET-s1""#,
            r#""FUZZSECRET-\u00e9\n\"""#,
            r#"" ""#,
            r#""""#,
            "null",
            "7",
            r#"{"nested":"FUZZSECRET-s9"}"#,
        ],
    ),
    (
        "expiresAt",
        0.95,
        &[
            r#""2030-01-01T00:00:00Z""#,
            r#""2030-01-01T00:00:00Z""#,
            r#""2030-01-01T00:00:00.123456Z""#,
            r#""2030-01-01T02:00:00+02:00""#,
            r#""2030-01-01 00:00:00""#,
            r#""2030-01-01T00:00:00UTC""#,
            r#""2030-01-01T00:00:00""#,
            r#""2030-02-30T25:61:61Z""#,
            r#""9999-12-31T23:59:60Z""#,
            r#""""#,
            "1893456000",
            "[]",
        ],
    ),
    (
        "refreshToken",
        0.6,
        &[r#""FUZZSECRET-s2""#, r#""""#, "null", "false"],
    ),
    ("clientId", 0.6, &[r#""client-1""#, r#"" ""#, "1"]),
    (
        "clientSecret",
        0.6,
        &[r#""FUZZSECRET-s3""#, r#""FUZZSECRET-\ud800""#, "{}"],
    ),
    (
        "registrationExpiresAt",
        0.5,
        &[r#""2030-06-01T00:00:00Z""#, r#""never""#, "0"],
    ),
    ("region", 0.5, &[r#""eu-west-1""#, "null", "[1]"]),
    (
        "startUrl",
        0.5,
        &[r#""https://corp.awsapps.com/start""#, "3"],
    ),
    ("ACCESSTOKEN", 0.05, &[r#""FUZZSECRET-s4""#]),
    (
        "unknown",
        0.2,
        &[r#"{"a":[1,{"b":null}]}"#, "1e999", r#""x""#],
    ),
];

/// A token cache document: each field present with its own probability, mostly valid values,
/// shuffled, sometimes compact, sometimes as botocore spaces it; rarely mutated or truncated.
fn sso_cache_grammar() -> impl Strategy<Value = Input> + Clone {
    let fields: Vec<_> = SSO_FIELDS
        .iter()
        .map(|&(key, presence, values)| {
            prop::option::weighted(presence, mostly_first(values))
                .prop_map(move |value| value.map(|v| format!("\"{key}\":{v}")))
        })
        .collect();
    (
        fields,
        any::<u64>(),
        any::<bool>(),
        prop::option::weighted(0.05, any::<usize>()),
        sparse_mutations(),
    )
        .prop_map(|(fields, order, spaced, cut, mutations)| {
            let pairs = shuffled(fields.into_iter().flatten().collect::<Vec<_>>(), order);
            let separator = if spaced { ", " } else { "," };
            let mut doc = Doc::default();
            doc.push("{").join(&pairs, separator).push("}");
            doc.finish(cut, &mutations)
        })
}

const SSO_PAIRS: &[&str] = &[
    r#""accessToken":"FUZZSECRET-s1""#,
    r#""expiresAt":"2030-01-01T00:00:00Z""#,
    r#""expiresAt":"yesterday""#,
    r#""refreshToken":"FUZZSECRET-s2""#,
    r#""clientId":"c""#,
    r#""clientSecret":"FUZZSECRET-s3""#,
    r#""registrationExpiresAt":"2030-01-01T00:00:00Z""#,
    r#""region":"us-east-1""#,
    r#""startUrl":"https://s""#,
    r#""accessToken":1"#,
    r#""expiresAt":null"#,
    r#""x":{"y":[]}"#,
];

/// Pairs of the cache's fields in any number and order, sometimes wrapped or truncated.
fn sso_cache_document() -> impl Strategy<Value = Input> + Clone {
    (
        prop::collection::vec(prop::sample::select(SSO_PAIRS), 0..12),
        0u8..6,
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    )
        .prop_map(|(pairs, shape, mutations)| {
            let mut doc = Doc::default();
            let object = |doc: &mut Doc| {
                doc.push("{").join(&pairs, ",").push("}");
            };
            match shape {
                0 => {
                    doc.push("[");
                    object(&mut doc);
                    doc.push("]");
                }
                2 => {
                    object(&mut doc);
                    doc.push(" ");
                    object(&mut doc);
                }
                _ => object(&mut doc),
            }
            // Shape 1: the object cut in half.
            let cut = (shape == 1).then_some(doc.text.len() / 2);
            doc.finish(cut, &mutations)
        })
}

fn check_sso_cache(input: &Input) -> Result<bool, TestCaseError> {
    let path = std::path::Path::new(SSO_CACHE_PATH);
    let clean = input.secrets_intact;
    let input = input.bytes.as_slice();
    match awsauth_sso::parse_cached_token(input, path) {
        Ok(token) => {
            let shown = format!("{token:?}");
            ensure(!shown.contains(MARKER), || {
                format!("Debug shows a secret: {shown}")
            })?;
            ensure(!token.access_token.is_blank(), || {
                "a blank access token".into()
            })?;
            // What is written back reads back as the same token (timestamps in whole seconds).
            let again = awsauth_sso::parse_cached_token(&token.to_json(), path).map_err(|e| {
                TestCaseError::fail(format!("the rewritten file does not parse: {e}"))
            })?;
            ensure(again.access_token == token.access_token, || {
                "the rewritten file lost the access token".into()
            })?;
            ensure(again.refresh_token == token.refresh_token, || {
                "the rewritten file lost the refresh token".into()
            })?;
            ensure(again.client_id == token.client_id, || {
                "the rewritten file lost the client id".into()
            })?;
            Ok(true)
        }
        Err(err) => {
            let text = err.to_string();
            ensure(text.contains(SSO_CACHE_PATH), || {
                format!("{text:?} does not name the file")
            })?;
            ensure(!clean || !text.contains(MARKER), || {
                format!("{text:?} quotes a secret")
            })?;
            Ok(false)
        }
    }
}

#[test]
fn sso_token_cache_json() {
    fuzz(
        "sso_cache_json",
        7,
        prop_oneof![sso_cache_document(), sso_cache_grammar()],
        b"{}[]:,\"\\ 0123456789.eE-+TZtruefalsnulaccessTokenexpiresAtrefreshclientSecret",
        check_sso_cache,
    );
}

// ---------------------------------------------------------------------------------------------
// The generators' knowledge.

#[test]
fn the_fragment_tables_plant_secrets_only_under_secret_keys() {
    let under = |piece: &str, keys: &[&str]| {
        piece
            .lines()
            .filter(|line| line.contains(MARKER))
            .all(|line| keys.iter().any(|k| line.trim_start().starts_with(k)))
    };
    let profile = ["aws_secret_access_key", "aws_session_token"];
    for piece in PROFILE_FRAGMENTS.iter().chain(PROFILE_PROPERTIES) {
        assert!(under(piece, &profile), "{piece:?}");
    }
    let credentials = [r#""SecretAccessKey":"#, r#""Token":"#];
    for piece in JSON_PAIRS {
        assert!(under(piece, &credentials), "{piece:?}");
    }
    for (key, _, values) in JSON_FIELDS {
        for value in *values {
            let piece = format!("\"{key}\":{value}");
            assert!(under(&piece, &credentials), "{piece:?}");
        }
    }
    for piece in SECURE_PAIRS {
        assert!(
            under(
                piece,
                &[r#""secretKey":"#, r#""sessionToken":"#, r#""SECRETKEY":"#]
            ),
            "{piece:?}"
        );
    }
    for piece in JSON_DATA_PAIRS {
        assert!(!piece.contains(MARKER), "{piece:?}");
    }
    let sso = [
        r#""accessToken":"#,
        r#""refreshToken":"#,
        r#""clientSecret":"#,
        r#""ACCESSTOKEN":"#,
    ];
    for piece in SSO_PAIRS {
        assert!(under(piece, &sso), "{piece:?}");
    }
    for (key, _, values) in SSO_FIELDS {
        for value in *values {
            let piece = format!("\"{key}\":{value}");
            assert!(under(&piece, &sso), "{piece:?}");
        }
    }
    let xml = ["<SecretAccessKey>", "<SessionToken>"];
    for piece in XML_FRAGMENTS.iter().chain(XML_SECRETS).chain(XML_TOKENS) {
        assert!(under(piece, &xml), "{piece:?}");
    }
    for piece in XML_KEYS
        .iter()
        .chain(XML_EXPIRATIONS)
        .chain(XML_USERS)
        .chain(XML_EXTRAS)
    {
        assert!(!piece.contains(MARKER), "{piece:?}");
    }
    // The planted secrets are exercised: the tables hold some.
    assert!(PROFILE_PROPERTIES.iter().any(|p| p.contains(MARKER)));
    assert!(SECURE_PAIRS.iter().any(|p| p.contains(MARKER)));
}

#[test]
fn a_mutation_next_to_a_secret_is_known_to_the_generator() {
    let secret = "aws_secret_access_key = FUZZSECRET-p1";
    let fragments = ["[default]", secret, "region = us-east-1"];
    let start = "[default]\n".len();
    let end = start + secret.len();
    assert!(assemble(&fragments, false, &[]).secrets_intact);
    for at in [0, start - 2, end + 1, end + 5] {
        assert!(
            assemble(&fragments, false, &[(at, b'x')]).secrets_intact,
            "{at}"
        );
    }
    // The line break before it (it would join the previous line), every byte of it, the line
    // break after it.
    for at in [start - 1, start, start + 5, end - 1, end] {
        let input = assemble(&fragments, false, &[(at, b' ')]);
        assert!(!input.secrets_intact, "{at}: {input:?}");
    }
}
