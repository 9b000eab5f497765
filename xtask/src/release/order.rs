//! The order in which the publishable crates must reach the registry: every crate after the
//! workspace crates it depends on (a topological order of the dependency graph).

use std::collections::{BTreeMap, BTreeSet};

use crate::metadata::{Package, Workspace};

/// The publishable members, each after every publishable member it needs on the registry.
///
/// An edge counts when `cargo package` keeps it in the published manifest: normal and build
/// dependencies, and dev-dependencies that carry a version (cargo drops path-only
/// dev-dependencies). Among crates that are ready at the same time the order is alphabetical,
/// so the plan is the same on every run. A cycle is an error naming the crates on it.
pub(crate) fn publish_order(ws: &Workspace) -> Result<Vec<&Package>, String> {
    let publishable: BTreeMap<&str, &Package> = ws
        .packages
        .iter()
        .filter(|p| p.publishable)
        .map(|p| (p.name.as_str(), p))
        .collect();
    // needs[x] = the publishable members x must wait for.
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (&name, package) in &publishable {
        let deps = package
            .dependencies
            .iter()
            .filter(|d| d.survives_packaging() && d.name != name)
            .filter_map(|d| publishable.get_key_value(d.name.as_str()).map(|(k, _)| *k))
            .collect();
        needs.insert(name, deps);
    }
    let mut order = Vec::with_capacity(needs.len());
    let mut ready: BTreeSet<&str> = needs
        .iter()
        .filter(|(_, deps)| deps.is_empty())
        .map(|(name, _)| *name)
        .collect();
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = needs
        .iter()
        .filter(|(_, deps)| !deps.is_empty())
        .map(|(name, deps)| (*name, deps.clone()))
        .collect();
    while let Some(name) = ready.pop_first() {
        if let Some(package) = publishable.get(name) {
            order.push(*package);
        }
        let mut unblocked = Vec::new();
        for (dependent, deps) in &mut waiting {
            if deps.remove(name) && deps.is_empty() {
                unblocked.push(*dependent);
            }
        }
        for dependent in unblocked {
            waiting.remove(dependent);
            ready.insert(dependent);
        }
    }
    if waiting.is_empty() {
        Ok(order)
    } else {
        Err(format!(
            "the publishable crates depend on each other in a cycle, so no publish order exists: {}",
            describe_cycle(&waiting)
        ))
    }
}

/// One cycle among the crates still waiting, as `a -> b -> a`.
fn describe_cycle(waiting: &BTreeMap<&str, BTreeSet<&str>>) -> String {
    let Some(start) = waiting.keys().next() else {
        return String::new();
    };
    let mut path = vec![*start];
    let mut current = *start;
    // Every waiting crate waits for another waiting crate, so walking must revisit one.
    for _ in 0..=waiting.len() {
        let Some(next) = waiting
            .get(current)
            .and_then(|deps| deps.iter().find(|d| waiting.contains_key(*d)))
        else {
            break;
        };
        if let Some(at) = path.iter().position(|p| p == next) {
            let mut cycle: Vec<&str> = path.split_off(at);
            cycle.push(next);
            return cycle.join(" -> ");
        }
        path.push(next);
        current = next;
    }
    waiting.keys().copied().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{DepKind, Dependency, fixture};

    fn names<'a>(order: &[&'a Package]) -> Vec<&'a str> {
        order.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn the_fixture_publishes_in_dependency_order() {
        let ws = fixture();
        let order = publish_order(&ws).unwrap();
        assert_eq!(
            names(&order),
            [
                "awsauth-core",
                "awsauth-http",
                "awsauth-sdk",
                "awsauth-static",
                "awsauth-sts",
                "awsauth-testkit",
                "awsauth-profile",
                "awsauth-chain",
                "awsauth",
                "awsauth-cli",
            ]
        );
    }

    #[test]
    fn every_crate_comes_after_what_it_needs_and_unpublishable_crates_are_left_out() {
        let ws = fixture();
        let order = names(&publish_order(&ws).unwrap());
        let position = |n: &str| order.iter().position(|p| *p == n);
        for package in ws.packages.iter().filter(|p| p.publishable) {
            let me = position(&package.name).unwrap();
            for dep in package
                .dependencies
                .iter()
                .filter(|d| d.survives_packaging())
            {
                if let Some(them) = position(&dep.name) {
                    assert!(them < me, "{} must come after {}", package.name, dep.name);
                }
            }
        }
        for hidden in ["awsauth-benches", "awsauth-tests", "xtask"] {
            assert!(position(hidden).is_none(), "{hidden} is publish = false");
        }
    }

    #[test]
    fn a_versioned_dev_dependency_orders_but_a_path_only_one_does_not() {
        let mut ws = fixture();
        // profile's dev-dependency on testkit carries a version: testkit first.
        let order = names(&publish_order(&ws).unwrap());
        let at = |o: &[&str], n: &str| o.iter().position(|p| *p == n).unwrap();
        assert!(at(&order, "awsauth-testkit") < at(&order, "awsauth-profile"));
        // Without the version, cargo strips it and profile no longer waits for testkit.
        let profile = ws
            .packages
            .iter_mut()
            .find(|p| p.name == "awsauth-profile")
            .unwrap();
        for dep in &mut profile.dependencies {
            if dep.name == "awsauth-testkit" {
                dep.req = "*".into();
            }
        }
        let order = names(&publish_order(&ws).unwrap());
        assert!(at(&order, "awsauth-profile") < at(&order, "awsauth-testkit"));
    }

    #[test]
    fn a_cycle_is_reported_with_its_path() {
        let mut ws = fixture();
        let core = ws
            .packages
            .iter_mut()
            .find(|p| p.name == "awsauth-core")
            .unwrap();
        core.dependencies.push(Dependency {
            name: "awsauth-sts".into(),
            req: "=0.1.0".into(),
            kind: DepKind::Dev,
        });
        let err = publish_order(&ws).unwrap_err();
        assert!(err.contains("cycle"), "{err}");
        assert!(
            err.contains("awsauth-core -> awsauth-sts -> awsauth-core")
                || err.contains("awsauth-sts -> awsauth-core -> awsauth-sts"),
            "{err}"
        );
    }
}
