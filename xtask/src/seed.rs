//! The seed the randomized tests draw from under `cargo xtask test` (and so in CI): derived from
//! the commit being tested, so every change meets new inputs, and the same commit always meets
//! the same ones (a red CI run replays on any machine). Printed before the tests start.
//!
//! | variable | who reads it |
//! |---|---|
//! | `PROPTEST_RNG_SEED` | every proptest (proptest's own variable) |
//! | `AWSAUTH_FUZZ_SEED` | the acceptance suite's `bad_input` generators |
//!
//! A variable already set wins (replaying: `PROPTEST_RNG_SEED=<n> AWSAUTH_FUZZ_SEED=<n> cargo
//! xtask test`); outside a git checkout the [`FALLBACK`] seed is used, saying so.

use std::process::Command;

/// The seed when no commit can be read (a source tarball).
pub(crate) const FALLBACK: u64 = 20_261_126;

/// The proptest variable.
pub(crate) const PROPTEST_ENV: &str = "PROPTEST_RNG_SEED";
/// The `bad_input` variable.
pub(crate) const FUZZ_ENV: &str = "AWSAUTH_FUZZ_SEED";

/// The seeds of one run and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seeds {
    pub(crate) proptest: String,
    pub(crate) fuzz: String,
    /// For the log line: `commit 1a2b3c4d5e6f`, `PROPTEST_RNG_SEED`, …
    pub(crate) origin: String,
}

impl Seeds {
    /// The variables to export to `cargo test`.
    pub(crate) fn env(&self) -> [(&'static str, &str); 2] {
        [(PROPTEST_ENV, &self.proptest), (FUZZ_ENV, &self.fuzz)]
    }

    /// The line printed before the tests: the seeds and how to replay them.
    pub(crate) fn announce(&self) -> String {
        format!(
            "xtask: randomized tests draw with {PROPTEST_ENV}={} {FUZZ_ENV}={} ({}); replay: \
             {PROPTEST_ENV}={} {FUZZ_ENV}={} cargo xtask test",
            self.proptest, self.fuzz, self.origin, self.proptest, self.fuzz
        )
    }
}

/// This run's seeds: the variables when set, else derived from `HEAD`, else [`FALLBACK`].
pub(crate) fn for_this_run() -> Seeds {
    let given = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    choose(given(PROPTEST_ENV), given(FUZZ_ENV), head_commit())
}

/// The decision, pure: given variables win (one given seeds both), then the commit.
pub(crate) fn choose(
    proptest: Option<String>,
    fuzz: Option<String>,
    commit: Option<String>,
) -> Seeds {
    match (proptest, fuzz) {
        (Some(p), Some(f)) => Seeds {
            proptest: p,
            fuzz: f,
            origin: format!("{PROPTEST_ENV} and {FUZZ_ENV} as given"),
        },
        (Some(one), None) | (None, Some(one)) => Seeds {
            proptest: one.clone(),
            fuzz: one,
            origin: "the seed given".to_owned(),
        },
        (None, None) => match commit.as_deref().and_then(from_commit) {
            Some(seed) => Seeds {
                proptest: seed.to_string(),
                fuzz: seed.to_string(),
                origin: format!(
                    "from commit {}",
                    commit
                        .unwrap_or_default()
                        .chars()
                        .take(12)
                        .collect::<String>()
                ),
            },
            None => Seeds {
                proptest: FALLBACK.to_string(),
                fuzz: FALLBACK.to_string(),
                origin: "no git commit to derive it from: the fixed fallback".to_owned(),
            },
        },
    }
}

/// The first 16 hex digits of a commit hash as a number (a SHA-1 or SHA-256 prefix is as good
/// a random number as any).
pub(crate) fn from_commit(hash: &str) -> Option<u64> {
    let hex: String = hash.trim().chars().take(16).collect();
    if hex.len() < 8 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(&hex, 16).ok()
}

fn head_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(crate::cmd::workspace_root())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &str = "0b6699f1c0ffee00112233445566778899aabbcc";

    #[test]
    fn a_commit_gives_its_own_seed_and_the_same_commit_the_same_one() {
        let seeds = choose(None, None, Some(COMMIT.to_owned()));
        assert_eq!(
            seeds.proptest,
            u64::from_str_radix("0b6699f1c0ffee00", 16)
                .unwrap()
                .to_string()
        );
        assert_eq!(seeds.proptest, seeds.fuzz);
        assert_eq!(seeds, choose(None, None, Some(COMMIT.to_owned())));
        let other = choose(None, None, Some("1".repeat(40)));
        assert_ne!(
            other.proptest, seeds.proptest,
            "another commit, other inputs"
        );
        assert!(
            seeds.announce().contains("from commit 0b6699f1c0ff"),
            "{}",
            seeds.announce()
        );
        assert!(
            seeds.announce().contains(&format!(
                "replay: PROPTEST_RNG_SEED={0} AWSAUTH_FUZZ_SEED={0} cargo xtask test",
                seeds.proptest
            )),
            "{}",
            seeds.announce()
        );
    }

    #[test]
    fn given_seeds_win_and_no_commit_falls_back_saying_so() {
        let given = choose(Some("7".into()), None, Some(COMMIT.to_owned()));
        assert_eq!((given.proptest.as_str(), given.fuzz.as_str()), ("7", "7"));
        let both = choose(Some("7".into()), Some("8".into()), None);
        assert_eq!((both.proptest.as_str(), both.fuzz.as_str()), ("7", "8"));
        let none = choose(None, None, None);
        assert_eq!(none.proptest, FALLBACK.to_string());
        assert!(none.origin.contains("fallback"));
        assert_eq!(
            choose(None, None, Some("not a hash".into())).proptest,
            FALLBACK.to_string()
        );
    }
}
