//! `awsauth explain`: each source of the session, whether it is configured and why, and the plan
//! of steps that would run — without the network unless `--run`.

use awsauth::chain::ProfileChain;
use awsauth::datasource::{AuthType, Session, build_session};
use awsauth::{Context, CredentialSource, Explanation, Status};
use serde_json::{Value, json};

use crate::Done;
use crate::args::{ExplainArgs, Format};
use crate::error::CliError;
use crate::factory::factory;
use crate::input::Input;
use crate::output::{self, Extra};
use crate::resolve::{region, text_or_json};

/// What `explain` found, before printing.
struct Report {
    auth_type: AuthType,
    sources: Vec<Explanation>,
    plan: Vec<Value>,
    /// Why no plan could be made, when that is the case.
    plan_problem: Option<String>,
    /// With `--run`: the credentials (printed redacted) or the error.
    run: Option<Result<Value, CliError>>,
}

/// `awsauth explain`. Its exit status is 0 unless the settings cannot make a session, or
/// `--run` failed (then the failure's code).
pub(crate) async fn explain(
    args: &ExplainArgs,
    format: Format,
    cx: &Context,
) -> Result<Done, CliError> {
    text_or_json(format, "explain")?;
    let input = Input::gather(&args.source, cx)?;
    let session = build_session(&input.settings, &input.policy, &*factory())?;
    let sources = session.explain(cx);
    let (plan, plan_problem) = match plan(&input, &sources, cx) {
        Ok(plan) => (plan, None),
        Err(problem) => (Vec::new(), Some(problem)),
    };
    let run = if args.run {
        Some(run(&session, cx).await)
    } else {
        None
    };
    let failure = match &run {
        Some(Err(err)) => Some(err.clone()),
        _ => None,
    };
    let report = Report {
        auth_type: input.settings.auth_type,
        sources,
        plan,
        plan_problem,
        run,
    };
    let text = match format {
        Format::Json => {
            let mut text = to_json(&report).to_string();
            text.push('\n');
            text
        }
        _ => to_text(&report),
    };
    // The report is printed either way; with a failed `--run` the exit status says so.
    Ok(Done {
        stdout: text,
        failure,
    })
}

async fn run(session: &Session, cx: &Context) -> Result<Value, CliError> {
    let creds = session.provide(cx).await?;
    let extra = Extra {
        region: region(session, cx),
    };
    Ok(output::to_json(&creds, &extra, false))
}

fn status_name(status: Status) -> &'static str {
    status.as_str()
}

/// The steps that would run, base first. Nothing here reads a secret into the output: profile
/// plans name profiles, files and roles, never keys.
fn plan(input: &Input, sources: &[Explanation], cx: &Context) -> Result<Vec<Value>, String> {
    let settings = &input.settings;
    let policy = &input.policy;
    let mut steps = match settings.auth_type {
        AuthType::Keys => {
            vec![json!({"step": "static", "source": input.keys_from.unwrap_or("settings")})]
        }
        AuthType::Credentials => profile_plan(cx, settings.profile_name(), None)?,
        AuthType::Ec2IamRole => vec![named("Ec2InstanceMetadata")],
        AuthType::Default => default_plan(sources, cx)?,
        AuthType::GrafanaAssumeRole => {
            let location = &policy.platform_credentials;
            let from_directory = sources
                .iter()
                .any(|s| s.source.starts_with("key-directory") && s.status == Status::Configured);
            match (&location.key_directory, from_directory) {
                (Some(dir), true) => {
                    vec![
                        json!({"step": "static", "source": format!("key-directory:{}", dir.display())}),
                    ]
                }
                _ => profile_plan(
                    cx,
                    Some(&location.profile),
                    location.credentials_file.as_deref(),
                )?,
            }
        }
    };
    let external_id = match settings.auth_type {
        AuthType::GrafanaAssumeRole => policy.external_id.clone(),
        _ => settings.external_id().map(str::to_owned),
    };
    if let Some(role_arn) = settings.role_arn() {
        steps.push(json!({
            "step": "assume_role",
            "role_arn": role_arn,
            "external_id": external_id,
            "role_session_name": policy.session_name,
            "duration_seconds": policy.session_duration.as_secs(),
        }));
    }
    Ok(steps)
}

fn named(name: &str) -> Value {
    json!({"step": "named_source", "name": name})
}

/// The default chain's plan is the plan of the first source that looks configured, or, when
/// none does, of the first one only trying can tell about (IMDS).
fn default_plan(sources: &[Explanation], cx: &Context) -> Result<Vec<Value>, String> {
    let first = sources
        .iter()
        .find(|s| s.status == Status::Configured)
        .or_else(|| sources.iter().find(|s| s.status == Status::Unknown));
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    let name = first.source.as_str();
    Ok(if name.starts_with("env") {
        vec![json!({"step": "static", "source": "environment"})]
    } else if name.starts_with("profile") {
        profile_plan(cx, None, None)?
    } else if name.starts_with("web-identity") {
        vec![json!({
            "step": "web_identity",
            "role_arn": cx.env_nonblank("AWS_ROLE_ARN"),
            "token_file": cx.env_nonblank("AWS_WEB_IDENTITY_TOKEN_FILE"),
            "role_session_name": cx.env_nonblank("AWS_ROLE_SESSION_NAME"),
        })]
    } else if name.starts_with("container") {
        vec![named("EcsContainer")]
    } else if name.starts_with("imds") {
        vec![named("Ec2InstanceMetadata")]
    } else {
        vec![json!({"step": "source", "name": name})]
    })
}

/// A profile's plan as JSON steps (`Plan::to_json`): what `ProfileChain` would execute.
fn profile_plan(
    cx: &Context,
    name: Option<&str>,
    credentials_file: Option<&std::path::Path>,
) -> Result<Vec<Value>, String> {
    let mut chain = ProfileChain::new();
    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        chain = chain.profile(name);
    }
    if let Some(file) = credentials_file {
        chain = chain.credentials_file(file);
    }
    let plan = chain.plan(cx).map_err(|e| e.to_string())?;
    serde_json::from_str::<Vec<Value>>(&plan.to_json()).map_err(|e| e.to_string())
}

fn to_json(report: &Report) -> Value {
    let sources: Vec<Value> = report
        .sources
        .iter()
        .map(|s| json!({"name": s.source, "status": status_name(s.status), "reason": s.reason}))
        .collect();
    let mut value = json!({
        "auth_type": report.auth_type.as_str(),
        "sources": sources,
        "plan": report.plan,
    });
    if let Some(problem) = &report.plan_problem {
        value["plan_error"] = json!(problem);
    }
    match &report.run {
        Some(Ok(creds)) => value["run"] = json!({"credentials": creds}),
        Some(Err(err)) => value["run"] = err.to_json(),
        None => {}
    }
    value
}

fn to_text(report: &Report) -> String {
    let mut out = format!("auth type: {}\n\nsources, in order:\n", report.auth_type);
    let width = report
        .sources
        .iter()
        .map(|s| s.source.chars().count())
        .max()
        .unwrap_or(0);
    for s in &report.sources {
        out.push_str(&format!(
            "  {:<14} {:<width$}  {}\n",
            status_name(s.status),
            s.source,
            s.reason
        ));
    }
    out.push_str("\nplan:\n");
    if report.plan.is_empty() {
        let why = report
            .plan_problem
            .as_deref()
            .unwrap_or("no source is configured");
        out.push_str(&format!("  (none: {why})\n"));
    }
    for (i, step) in report.plan.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, describe_step(step)));
    }
    match &report.run {
        Some(Ok(creds)) => {
            out.push_str(&format!(
                "\nrun: resolved {} via {}{}\n",
                creds["access_key_id"].as_str().unwrap_or("?"),
                creds["source"].as_str().unwrap_or("?"),
                creds["expiration"]
                    .as_str()
                    .map(|e| format!(", expires {e}"))
                    .unwrap_or_default()
            ));
        }
        Some(Err(err)) => out.push_str(&format!("\nrun: {}: {}\n", err.kind.as_str(), err.message)),
        None => {}
    }
    out
}

fn describe_step(step: &Value) -> String {
    let field = |name: &str| step[name].as_str().map(str::to_owned);
    let extras = |names: &[(&str, &str)]| -> String {
        names
            .iter()
            .filter_map(|(key, label)| match &step[*key] {
                Value::String(s) => Some(format!("{label} {s}")),
                Value::Number(n) => Some(format!("{label} {n}s")),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let with = |text: String| {
        if text.is_empty() {
            text
        } else {
            format!(" ({text})")
        }
    };
    match step["step"].as_str().unwrap_or("?") {
        "static" => match (field("profile"), field("source")) {
            (Some(profile), _) => format!("static keys of profile \"{profile}\""),
            (None, Some(source)) => format!("static keys from {source}"),
            (None, None) => "static keys".to_owned(),
        },
        "named_source" => format!("{} credentials", field("name").unwrap_or_default()),
        "web_identity" => format!(
            "web identity: assume {} with the token in {}{}",
            field("role_arn").unwrap_or_else(|| "?".into()),
            field("token_file").unwrap_or_else(|| "?".into()),
            with(extras(&[("role_session_name", "session name")]))
        ),
        "assume_role" => format!(
            "assume role {}{}",
            field("role_arn").unwrap_or_else(|| "?".into()),
            with(extras(&[
                ("external_id", "external id"),
                ("role_session_name", "session name"),
                ("duration_seconds", "duration"),
                ("region", "region"),
                ("profile", "profile"),
            ]))
        ),
        other => format!("{other} {}", field("name").unwrap_or_default()),
    }
}
