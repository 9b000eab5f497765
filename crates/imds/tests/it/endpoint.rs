//! The endpoint and mode precedence table.

use awsauth_core::{Context, CredentialSource, ErrorKind, MapEnv, Status};
use awsauth_imds::{EndpointMode, ImdsClient, ImdsClientBuilder, ImdsSource};

const ENV_EP: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
const ENV_MODE: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";

struct Case {
    explicit: Option<&'static str>,
    explicit_mode: Option<EndpointMode>,
    env: &'static [(&'static str, &'static str)],
    profile: Option<(Option<&'static str>, Option<&'static str>)>,
    expect: &'static str,
}

fn client(case: &Case) -> ImdsClient {
    let mut b: ImdsClientBuilder = ImdsClient::builder();
    if let Some(e) = case.explicit {
        b = b.endpoint(e);
    }
    if let Some(m) = case.explicit_mode {
        b = b.endpoint_mode(m);
    }
    if let Some((ep, mode)) = case.profile {
        b = b.profile_settings("dev", ep.map(Into::into), mode.map(Into::into));
    }
    b.build()
}

fn env(pairs: &[(&str, &str)]) -> Context {
    Context::builder()
        .env(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<MapEnv>(),
        )
        .build()
}

#[test]
fn precedence_table() {
    use EndpointMode::*;
    let v4 = "http://169.254.169.254";
    let v6 = "http://[fd00:ec2::254]";
    let cases = [
        // Nothing set: IPv4.
        Case {
            explicit: None,
            explicit_mode: None,
            env: &[],
            profile: None,
            expect: v4,
        },
        // The explicit endpoint beats everything.
        Case {
            explicit: Some("http://explicit:1/"),
            explicit_mode: Some(IPv6),
            env: &[(ENV_EP, "http://env:2"), (ENV_MODE, "IPv6")],
            profile: Some((Some("http://profile:3"), Some("IPv6"))),
            expect: "http://explicit:1",
        },
        // Environment endpoint beats profile endpoint and every mode.
        Case {
            explicit: None,
            explicit_mode: Some(IPv6),
            env: &[(ENV_EP, "http://env:2"), (ENV_MODE, "IPv6")],
            profile: Some((Some("http://profile:3"), None)),
            expect: "http://env:2",
        },
        // Profile endpoint beats every mode, the explicit one included.
        Case {
            explicit: None,
            explicit_mode: Some(IPv6),
            env: &[(ENV_MODE, "IPv6")],
            profile: Some((Some("http://profile:3"), Some("IPv6"))),
            expect: "http://profile:3",
        },
        // Modes: explicit > env > profile.
        Case {
            explicit: None,
            explicit_mode: Some(IPv4),
            env: &[(ENV_MODE, "IPv6")],
            profile: Some((None, Some("IPv6"))),
            expect: v4,
        },
        Case {
            explicit: None,
            explicit_mode: None,
            env: &[(ENV_MODE, "iPv6")],
            profile: Some((None, Some("IPv4"))),
            expect: v6,
        },
        Case {
            explicit: None,
            explicit_mode: None,
            env: &[(ENV_MODE, "ipv4")],
            profile: Some((None, Some("IPv6"))),
            expect: v4,
        },
        Case {
            explicit: None,
            explicit_mode: None,
            env: &[],
            profile: Some((None, Some("IPV6"))),
            expect: v6,
        },
        // Blank values count as unset.
        Case {
            explicit: Some("  "),
            explicit_mode: None,
            env: &[(ENV_EP, " "), (ENV_MODE, "")],
            profile: Some((Some(""), Some("ipv6"))),
            expect: v6,
        },
        // A lower-ranked invalid setting is never looked at.
        Case {
            explicit: None,
            explicit_mode: None,
            env: &[(ENV_EP, "http://env:2"), (ENV_MODE, "bogus")],
            profile: None,
            expect: "http://env:2",
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let resolved = client(case)
            .resolve_endpoint(&env(case.env))
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(
            resolved.url(),
            case.expect,
            "case {i}: from {}",
            resolved.origin()
        );
    }
}

#[test]
fn origins_are_named() {
    let c = ImdsClient::builder()
        .profile_settings("dev", None, Some("IPv6".into()))
        .build();
    let r = c.resolve_endpoint(&env(&[])).unwrap();
    assert!(
        r.origin().contains("profile `dev`")
            && r.origin().contains("ec2_metadata_service_endpoint_mode"),
        "{}",
        r.origin()
    );
    let r = ImdsClient::new()
        .resolve_endpoint(&env(&[(ENV_EP, "http://[::1]:9")]))
        .unwrap();
    assert_eq!(r.origin(), ENV_EP);
    assert_eq!(r.url(), "http://[::1]:9");
}

#[tokio::test]
async fn invalid_settings_name_the_variable() {
    type Vars = &'static [(&'static str, &'static str)];
    let table: [(ImdsClient, Vars, &str); 5] = [
        (ImdsClient::new(), &[(ENV_EP, "169.254.169.254")], ENV_EP),
        (ImdsClient::new(), &[(ENV_MODE, "IPv5")], ENV_MODE),
        (
            ImdsClient::builder()
                .profile_settings("dev", Some("ftp://x".into()), None)
                .build(),
            &[],
            "ec2_metadata_service_endpoint",
        ),
        (
            ImdsClient::builder()
                .profile_settings("dev", None, Some("dual".into()))
                .build(),
            &[],
            "ec2_metadata_service_endpoint_mode",
        ),
        (
            ImdsClient::builder().endpoint("http://h/?x=1").build(),
            &[],
            "set in code",
        ),
    ];
    for (client, vars, named) in table {
        let cx = env(vars);
        let err = client.resolve_endpoint(&cx).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        assert!(err.to_string().contains(named), "{err} should name {named}");
        let source = ImdsSource::builder().client(client).build();
        let err = source.provide(&cx).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfiguration, "{err}");
        let explained = &source.explain(&cx)[0];
        assert_eq!(explained.status, Status::Invalid);
        assert!(explained.reason.contains(named), "{}", explained.reason);
    }
}
