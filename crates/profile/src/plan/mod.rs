//! [`ProfilePlan`]: what it takes to get credentials for a profile, as executable data.
//!
//! A role profile is a recipe: start from some base credentials (static keys, a named source
//! such as IMDS, a web identity token, or IAM Identity Center), then assume one or more roles. This crate makes no
//! network call; it turns the profile into an ordered list of [`ProfileStep`]s that a higher
//! crate executes with the STS, web-identity, IMDS and container sources, and
//! [`ProfilePlan::describe`]s as the secret-free [`awsauth_core::Plan`] that `explain` prints.
//!
//! The module is split by job: [`steps`] (the step types), [`error`] (why no plan could be
//! made), [`planner`] (the SDKs' resolution rules).
//!
//! The resolution follows the AWS SDKs: `source_profile` chains of any length, a source
//! profile with static keys ends the chain (its own `role_arn` is then not used), a profile
//! naming itself as `source_profile` uses its own keys, loops are errors.

use std::fmt;

use awsauth_core::Plan;

mod error;
mod planner;
mod steps;

pub use error::PlanError;
pub use steps::{
    AssumeRoleStep, LoginStep, NamedSource, NamedSourceStep, ProcessStep, ProfileStep, SsoStep,
    StaticKeys, WebIdentityStep,
};

/// The ordered steps that produce credentials for a profile: the first step gives base
/// credentials, each following [`ProfileStep::AssumeRole`] uses the previous step's credentials.
///
/// ```
/// use awsauth_profile::{FileKind, ProfileSet, ProfileStep};
/// let set = ProfileSet::parse(FileKind::Config, "/home/u/.aws/config", "
/// [profile base]
/// aws_access_key_id = AKIDEXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
/// [profile reader]
/// role_arn = arn:aws:iam::123456789012:role/reader
/// source_profile = base
/// external_id = grafana-42
/// ").unwrap();
/// let plan = set.plan("reader").unwrap();
/// assert!(matches!(&plan.steps()[0], ProfileStep::Static(keys) if keys.profile == "base"));
/// assert!(matches!(&plan.steps()[1], ProfileStep::AssumeRole(role) if role.external_id.as_deref() == Some("grafana-42")));
/// assert_eq!(
///     serde_json::to_string(&plan.describe()).unwrap(),
///     r#"[{"step":"static","profile":"base"},{"step":"assume_role","role_arn":"arn:aws:iam::123456789012:role/reader","external_id":"grafana-42","role_session_name":null,"duration_seconds":null,"region":null}]"#
/// );
/// assert!(!format!("{plan:?} {plan}").contains("wJalr"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePlan {
    profile: String,
    steps: Vec<ProfileStep>,
}

impl ProfilePlan {
    /// The profile the plan is for.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The steps, base first. Never empty.
    pub fn steps(&self) -> &[ProfileStep] {
        &self.steps
    }

    /// The static keys when the plan is nothing more than that.
    pub fn as_static(&self) -> Option<&StaticKeys> {
        match self.steps.as_slice() {
            [ProfileStep::Static(keys)] => Some(keys),
            _ => None,
        }
    }

    /// The plan as `explain` shows it: the same steps, without a secret in them (static keys
    /// name their profile, a web identity its token file).
    pub fn describe(&self) -> Plan {
        Plan::from_steps(self.steps.iter().map(ProfileStep::describe).collect())
    }

    pub(crate) fn new(profile: String, steps: Vec<ProfileStep>) -> Self {
        Self { profile, steps }
    }
}

impl fmt::Display for ProfilePlan {
    /// `static keys of profile "base" -> assume role arn:… (profile "reader")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}
