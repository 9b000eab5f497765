//! Property tests that pin the fallback contract: random trees of chains and `only` wrappers
//! over leaves with scripted answers always agree with a small reference model.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use awsauth_core::{
    Attempt, Chain, Context, CredentialError, CredentialSource, Credentials, ErrorKind, Plan, Step,
    async_trait, only,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    NotConfigured,
    Invalid,
    Failed,
    TimedOut,
}

#[derive(Debug, Clone)]
enum Tree {
    Leaf(Answer),
    Chain(Vec<Tree>),
    Only(Box<Tree>),
}

#[derive(Debug)]
struct Leaf {
    name: String,
    answer: Answer,
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl CredentialSource for Leaf {
    async fn provide(&self, _cx: &Context) -> Result<Credentials, CredentialError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answer().map(|name| {
            Credentials::builder("AKID", "secret")
                .provenance(name)
                .build()
        })
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The same answer as `provide`, without being called: a plan of one step naming the leaf.
    fn plan(&self, _cx: &Context) -> Result<Plan, CredentialError> {
        self.answer().map(|name| Plan::new(Step::Source { name }))
    }
}

impl Leaf {
    fn answer(&self) -> Result<String, CredentialError> {
        let name = self.name.clone();
        match self.answer {
            Answer::Ok => Ok(name),
            Answer::NotConfigured => Err(CredentialError::not_configured(
                name.clone(),
                format!("{name} has nothing"),
            )),
            Answer::Invalid => Err(CredentialError::invalid_configuration(name, "bad")),
            Answer::Failed => Err(CredentialError::provider_failed(name, "boom")),
            Answer::TimedOut => Err(CredentialError::timed_out(
                name,
                "slow",
                Duration::from_secs(1),
            )),
        }
    }
}

/// What the model predicts: the outcome kind, the winning leaf or the attempts, and which leaves
/// are called.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(String),
    NotConfigured(Vec<Attempt>),
    Err(ErrorKind, String),
}

fn build(
    tree: &Tree,
    next: &mut usize,
    calls: &mut Vec<Arc<AtomicUsize>>,
) -> Arc<dyn CredentialSource> {
    match tree {
        Tree::Leaf(answer) => {
            let counter = Arc::new(AtomicUsize::new(0));
            calls.push(Arc::clone(&counter));
            *next += 1;
            Arc::new(Leaf {
                name: format!("leaf{}", *next - 1),
                answer: *answer,
                calls: counter,
            })
        }
        Tree::Chain(children) => {
            let mut chain = Chain::new(format!("chain@{next}"));
            for child in children {
                chain = chain.or_else_shared(build(child, next, calls));
            }
            Arc::new(chain)
        }
        Tree::Only(inner) => Arc::new(only(build(inner, next, calls))),
    }
}

/// The reference model; `expected_calls[i]` is set for every leaf the real code must call.
fn model(tree: &Tree, next: &mut usize, expected_calls: &mut Vec<usize>) -> Outcome {
    match tree {
        Tree::Leaf(answer) => {
            let name = format!("leaf{}", *next);
            *next += 1;
            expected_calls.push(1);
            match answer {
                Answer::Ok => Outcome::Ok(name),
                Answer::NotConfigured => Outcome::NotConfigured(vec![Attempt {
                    source: name.clone(),
                    reason: format!("{name} has nothing"),
                }]),
                Answer::Invalid => Outcome::Err(ErrorKind::InvalidConfiguration, name),
                Answer::Failed => Outcome::Err(ErrorKind::ProviderFailed, name),
                Answer::TimedOut => Outcome::Err(ErrorKind::TimedOut, name),
            }
        }
        Tree::Chain(children) => {
            let chain_name = format!("chain@{next}");
            let mut attempts = Vec::new();
            let mut result = None;
            for child in children {
                if result.is_some() {
                    skip(child, next, expected_calls);
                    continue;
                }
                match model(child, next, expected_calls) {
                    Outcome::NotConfigured(more) => attempts.extend(more),
                    other => result = Some(other),
                }
            }
            result.unwrap_or_else(|| {
                if attempts.is_empty() {
                    Outcome::NotConfigured(vec![Attempt {
                        source: chain_name,
                        reason: "the chain has no sources".into(),
                    }])
                } else {
                    Outcome::NotConfigured(attempts)
                }
            })
        }
        Tree::Only(inner) => match model(inner, next, expected_calls) {
            // The wrapped source's own name is checked by unit tests; here the kind matters.
            Outcome::NotConfigured(_) => {
                Outcome::Err(ErrorKind::InvalidConfiguration, String::new())
            }
            other => other,
        },
    }
}

/// Leaves after a stopping source: numbered, but never called.
fn skip(tree: &Tree, next: &mut usize, expected_calls: &mut Vec<usize>) {
    match tree {
        Tree::Leaf(_) => {
            *next += 1;
            expected_calls.push(0);
        }
        Tree::Chain(children) => children.iter().for_each(|c| skip(c, next, expected_calls)),
        Tree::Only(inner) => skip(inner, next, expected_calls),
    }
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        2 => Just(Answer::Ok),
        5 => Just(Answer::NotConfigured),
        1 => Just(Answer::Invalid),
        1 => Just(Answer::Failed),
        1 => Just(Answer::TimedOut),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    answer()
        .prop_map(Tree::Leaf)
        .prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                3 => prop::collection::vec(inner.clone(), 0..5).prop_map(Tree::Chain),
                1 => inner.prop_map(|t| Tree::Only(Box::new(t))),
            ]
        })
}

fn run(tree: &Tree) -> (Result<Credentials, CredentialError>, Vec<usize>) {
    let mut calls = Vec::new();
    let source = build(tree, &mut 0, &mut calls);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let result = rt.block_on(source.provide(&Context::builder().build()));
    (
        result,
        calls.iter().map(|c| c.load(Ordering::SeqCst)).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// The outcome (kind, winning leaf, attempts) always equals the reference model's.
    #[test]
    fn outcome_matches_the_model(tree in tree()) {
        let (actual, _) = run(&tree);
        let expected = model(&tree, &mut 0, &mut Vec::new());
        match (&expected, &actual) {
            (Outcome::Ok(leaf), Ok(creds)) => prop_assert_eq!(&creds.provenance().to_string(), leaf),
            (Outcome::NotConfigured(attempts), Err(err)) => {
                prop_assert_eq!(err.kind(), ErrorKind::NotConfigured);
                prop_assert_eq!(&err.attempts(), attempts, "attempts must be complete and in order");
            }
            (Outcome::Err(kind, leaf), Err(err)) => {
                prop_assert_eq!(err.kind(), *kind, "{}", err);
                if !leaf.is_empty() {
                    prop_assert_eq!(err.source_name(), leaf.as_str());
                }
            }
            _ => prop_assert!(false, "model {:?} but got {:?}", expected, actual),
        }
    }

    /// Every leaf up to the stopping one is called exactly once; none after it is called at all.
    #[test]
    fn no_source_after_a_stopping_one_is_called(tree in tree()) {
        let (_, calls) = run(&tree);
        let mut expected = Vec::new();
        model(&tree, &mut 0, &mut expected);
        prop_assert_eq!(calls, expected);
    }

    /// A plan is the provide decision made without calling anything: the same kind, the same
    /// attempts, and for success the leaf that would answer — never another one.
    #[test]
    fn plan_points_at_the_source_provide_uses(tree in tree()) {
        let mut calls = Vec::new();
        let source = build(&tree, &mut 0, &mut calls);
        let plan = source.plan(&Context::builder().build());
        prop_assert!(calls.iter().all(|c| c.load(Ordering::SeqCst) == 0), "plan called provide");
        let (actual, _) = run(&tree);
        match (&plan, &actual) {
            (Ok(plan), Ok(creds)) => prop_assert_eq!(
                plan.steps(),
                &[Step::Source { name: creds.provenance().to_string() }][..]
            ),
            (Err(p), Err(a)) => {
                prop_assert_eq!(p.kind(), a.kind());
                prop_assert_eq!(p.source_name(), a.source_name());
                prop_assert_eq!(p.attempts(), a.attempts());
            }
            _ => prop_assert!(false, "plan {:?} but provide {:?}", plan, actual),
        }
    }

    /// `only` never lets "not configured" escape, so it can never fall through to a later source.
    #[test]
    fn only_never_answers_not_configured(tree in tree()) {
        let wrapped = Tree::Only(Box::new(tree));
        let (actual, _) = run(&wrapped);
        if let Err(err) = actual {
            prop_assert_ne!(err.kind(), ErrorKind::NotConfigured);
        }
    }
}
