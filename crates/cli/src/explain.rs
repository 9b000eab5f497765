//! `awsauth explain`: each source of the session, whether it is configured and why, and the plan
//! of steps that would run — without the network unless `--run`.
//!
//! The plan is the session's own ([`CredentialSource::plan`]): the sources decide what would
//! run, the same decision `resolve` makes, so `explain` never points at a source `resolve` would
//! not use. Its exit status is the one `resolve` would have wherever that is known without the
//! network.

use awsauth::datasource::{AuthType, DatasourceSettings, Session};
use awsauth::{Context, CredentialError, CredentialSource, Explanation, Plan};
use serde_json::{Value, json};

use crate::Done;
use crate::args::{ExplainArgs, Format};
use crate::error::CliError;
use crate::input::Input;
use crate::output::{self, Extra};
use crate::resolve::region;

/// What `explain` found, before printing.
struct Report {
    auth_type: AuthType,
    sources: Vec<Explanation>,
    /// The steps that would run, or why none would.
    plan: Result<Plan, CredentialError>,
    /// With `--run`: the credentials (printed redacted) or the error.
    run: Option<Result<Value, CliError>>,
}

/// `awsauth explain`. Exits 0 when a plan can be made (and, with `--run`, it worked); else with
/// the code of the plan's error (3 nothing configured, 5 invalid configuration, …) or of the
/// run's failure. A policy refusal (4) comes from building the session.
pub(crate) async fn explain(args: &ExplainArgs, cx: &Context) -> Result<Done, CliError> {
    let format = args.format;
    let input = Input::gather(&args.source, cx)?;
    let session = input.session()?;
    let sources = session.explain(cx);
    let plan = session.plan(cx);
    let run = if args.run {
        Some(run(&session, &input.settings, cx).await)
    } else {
        None
    };
    let failure = match (&run, &plan) {
        (Some(Err(err)), _) => Some(err.clone()),
        (Some(Ok(_)), _) => None,
        (None, Err(err)) => Some(CliError::from(err.clone())),
        (None, Ok(_)) => None,
    };
    let report = Report {
        auth_type: input.settings.auth_type,
        sources,
        plan,
        run,
    };
    let text = match format {
        Format::Json => {
            let mut text = to_json(&report).to_string();
            text.push('\n');
            text
        }
        Format::Text => to_text(&report),
    };
    // The report is printed either way; the exit status says whether it would work.
    Ok(Done {
        stdout: text,
        failure,
        status: None,
    })
}

async fn run(
    session: &Session,
    settings: &DatasourceSettings,
    cx: &Context,
) -> Result<Value, CliError> {
    let creds = session.provide(cx).await?;
    let extra = Extra {
        region: region(session, settings, cx),
    };
    Ok(output::to_json(&creds, &extra, false))
}

fn to_json(report: &Report) -> Value {
    let sources: Vec<Value> = report
        .sources
        .iter()
        .map(|s| json!({"name": s.source, "status": s.status.as_str(), "reason": s.reason}))
        .collect();
    let mut value = json!({
        "auth_type": report.auth_type.as_str(),
        "sources": sources,
        "plan": match &report.plan {
            Ok(plan) => json!(plan),
            Err(_) => json!([]),
        },
    });
    if let Err(problem) = &report.plan {
        value["plan_error"] = json!(problem.to_string());
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
            s.status.as_str(),
            s.source,
            s.reason
        ));
    }
    out.push_str("\nplan:\n");
    match &report.plan {
        Ok(plan) => {
            for (i, step) in plan.steps().iter().enumerate() {
                out.push_str(&format!("  {}. {step}\n", i + 1));
            }
        }
        Err(problem) => out.push_str(&format!("  (none: {problem})\n")),
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
