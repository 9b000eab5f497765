//! Versions in lockstep: pure functions over the text of the root `Cargo.toml` and of
//! `CHANGELOG.md`, so they are tested on strings and the files keep their comments and layout.

use std::fmt;

/// A release version `major.minor.patch` (pre-releases are not produced by `bump`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
}

/// Which part `release bump` increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Major,
    Minor,
    Patch,
}

impl Part {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "major" => Ok(Part::Major),
            "minor" => Ok(Part::Minor),
            "patch" => Ok(Part::Patch),
            other => Err(format!(
                "bump what? expected major, minor or patch, got {other:?}"
            )),
        }
    }
}

impl Version {
    /// Parses `1.2.3`; anything else (pre-release, build metadata, missing parts) is an error.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |s: &str| -> Result<u64, String> {
            if s.is_empty()
                || !s.bytes().all(|b| b.is_ascii_digit())
                || (s.len() > 1 && s.starts_with('0'))
            {
                return Err(format!(
                    "version {text:?} is not major.minor.patch (pre-releases are edited by hand)"
                ));
            }
            s.parse()
                .map_err(|_| format!("version {text:?}: {s} is too large"))
        };
        match parts.as_slice() {
            [major, minor, patch] => Ok(Self {
                major: number(major)?,
                minor: number(minor)?,
                patch: number(patch)?,
            }),
            _ => Err(format!("version {text:?} is not major.minor.patch")),
        }
    }

    /// The next version. Semantic Versioning: bumping a part resets the parts after it.
    pub(crate) fn bump(self, part: Part) -> Self {
        match part {
            Part::Major => Self {
                major: self.major + 1,
                minor: 0,
                patch: 0,
            },
            Part::Minor => Self {
                minor: self.minor + 1,
                patch: 0,
                ..self
            },
            Part::Patch => Self {
                patch: self.patch + 1,
                ..self
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A line of a TOML file, as far as these edits care.
enum Line<'a> {
    /// `[section]` or `[[array]]`, with the name.
    Header(&'a str),
    /// `key = value` with the key (unquoted) and the value text.
    KeyValue(&'a str, &'a str),
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let trimmed = line.trim();
    if let Some(inner) = trimmed.strip_prefix('[') {
        let inner = inner.trim_start_matches('[');
        let name = inner.split(']').next().unwrap_or("").trim();
        return Line::Header(name);
    }
    if trimmed.starts_with('#') {
        return Line::Other;
    }
    match trimmed.split_once('=') {
        Some((key, value)) => Line::KeyValue(key.trim().trim_matches('"'), value.trim()),
        None => Line::Other,
    }
}

/// The quoted string a TOML value starts with (`"0.1.0" # comment` → `0.1.0`).
fn quoted(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('"')?;
    rest.split('"').next()
}

/// `workspace.package.version` of the root manifest.
pub(crate) fn workspace_version(manifest: &str) -> Result<Version, String> {
    let mut section = "";
    for line in manifest.lines() {
        match classify(line) {
            Line::Header(name) => section = name,
            Line::KeyValue("version", value) if section == "workspace.package" => {
                let text =
                    quoted(value).ok_or("[workspace.package] version is not a quoted string")?;
                return Version::parse(text);
            }
            _ => {}
        }
    }
    Err("the root Cargo.toml has no [workspace.package] version".to_owned())
}

/// What [`bump_manifest`] changed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Bumped {
    /// The new manifest text.
    pub(crate) text: String,
    /// The internal crates whose `=version` pin was moved.
    pub(crate) pins: Vec<String>,
}

/// Moves the root manifest from `old` to `new`: `[workspace.package] version` and every
/// `version = "=old"` pin of an internal crate (a name in `internal`) in
/// `[workspace.dependencies]`, written inline (`x = { path = …, version = "=old" }`) or as a
/// table (`[workspace.dependencies.x]`). An internal pin that is not `=old` is an error: the
/// versions were not in lockstep before, and `release check` says where.
pub(crate) fn bump_manifest(
    manifest: &str,
    old: Version,
    new: Version,
    internal: &[&str],
) -> Result<Bumped, String> {
    let old_pin = format!("\"={old}\"");
    let new_pin = format!("\"={new}\"");
    let mut out = String::with_capacity(manifest.len() + 16);
    let mut section = String::new();
    let mut pins = Vec::new();
    let mut saw_version = false;
    for line in manifest.split_inclusive('\n') {
        let mut edited = None;
        match classify(line) {
            Line::Header(name) => section = name.to_owned(),
            Line::KeyValue("version", value) if section == "workspace.package" => {
                if quoted(value) != Some(old.to_string().as_str()) {
                    return Err(format!(
                        "[workspace.package] version is {value}, expected \"{old}\""
                    ));
                }
                edited = Some(line.replacen(&format!("\"{old}\""), &format!("\"{new}\""), 1));
                saw_version = true;
            }
            Line::KeyValue(key, value)
                if section == "workspace.dependencies"
                    && internal.contains(&key)
                    && value.contains("version") =>
            {
                edited = Some(move_pin(line, key, &old_pin, &new_pin)?);
                pins.push(key.to_owned());
            }
            Line::KeyValue("version", _) => {
                if let Some(crate_name) = section.strip_prefix("workspace.dependencies.")
                    && internal.contains(&crate_name)
                {
                    edited = Some(move_pin(line, crate_name, &old_pin, &new_pin)?);
                    pins.push(crate_name.to_owned());
                }
            }
            _ => {}
        }
        out.push_str(edited.as_deref().unwrap_or(line));
    }
    if !saw_version {
        return Err("the root Cargo.toml has no [workspace.package] version".to_owned());
    }
    Ok(Bumped { text: out, pins })
}

fn move_pin(line: &str, crate_name: &str, old_pin: &str, new_pin: &str) -> Result<String, String> {
    if line.contains(old_pin) {
        Ok(line.replacen(old_pin, new_pin, 1))
    } else {
        Err(format!(
            "the pin of {crate_name} in [workspace.dependencies] is not {old_pin}: {}",
            line.trim()
        ))
    }
}

/// Adds `## [new] - date` to a Keep-a-Changelog file: what was under `## [Unreleased]` moves
/// under the new heading, and `## [Unreleased]` stays on top, empty. An existing heading for
/// `new` is an error (the bump already happened).
pub(crate) fn changelog_add(changelog: &str, new: Version, date: &str) -> Result<String, String> {
    if has_entry(changelog, &new.to_string()) {
        return Err(format!("CHANGELOG.md already has an entry for {new}"));
    }
    let lines: Vec<&str> = changelog.split_inclusive('\n').collect();
    let unreleased = lines
        .iter()
        .position(|l| heading_version(l).is_some_and(|v| v.eq_ignore_ascii_case("unreleased")))
        .ok_or("CHANGELOG.md has no `## [Unreleased]` heading to release from")?;
    let next = lines
        .iter()
        .skip(unreleased + 1)
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |i| unreleased + 1 + i);
    let moved: String = lines.get(unreleased + 1..next).unwrap_or_default().concat();
    let moved = moved.trim_matches('\n');
    let mut out = String::with_capacity(changelog.len() + 64);
    out.push_str(&lines.get(..=unreleased).unwrap_or_default().concat());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("\n## [{new}] - {date}\n"));
    if !moved.is_empty() {
        out.push('\n');
        out.push_str(moved);
        out.push('\n');
    }
    if next < lines.len() {
        out.push('\n');
        out.push_str(&lines.get(next..).unwrap_or_default().concat());
    }
    Ok(out)
}

/// The bracketed version of a `## [x] ...` heading.
fn heading_version(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("## ")?.trim_start();
    let rest = rest.strip_prefix('[')?;
    rest.split(']').next()
}

/// Whether the changelog has a `## [version]` heading.
pub(crate) fn has_entry(changelog: &str, version: &str) -> bool {
    changelog
        .lines()
        .any(|l| heading_version(l) == Some(version))
}

/// Whether the `## [version]` heading carries a release date (`## [1.2.0] - 2026-12-24`), as
/// opposed to a placeholder such as `- unreleased`.
pub(crate) fn entry_is_dated(changelog: &str, version: &str) -> bool {
    changelog.lines().any(|line| {
        heading_version(line) == Some(version)
            && line
                .split_once(']')
                .map(|(_, rest)| rest.trim().trim_start_matches('-').trim())
                .is_some_and(is_iso_date)
    })
}

fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// `YYYY-MM-DD` (UTC) for seconds since the Unix epoch (Howard Hinnant's civil-from-days).
pub(crate) fn date_from_unix(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0"  # moved by cargo xtask release bump
edition = "2024"

[workspace.dependencies]
# Internal crates.
awsauth-core = { path = "crates/core", version = "=0.1.0" }
awsauth-http = { path = "crates/http", version = "=0.1.0" }

# Third-party crates.
serde = { version = "=0.1.0", features = ["derive"] }
tokio = { version = "1.47", default-features = false }

[workspace.dependencies.awsauth-cli]
path = "crates/cli"
version = "=0.1.0"

[profile.dev]
opt-level = 0
"#;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn versions_parse_and_bump_by_semver() {
        assert_eq!(v("0.1.0").bump(Part::Patch), v("0.1.1"));
        assert_eq!(v("0.1.7").bump(Part::Minor), v("0.2.0"));
        assert_eq!(v("0.9.3").bump(Part::Major), v("1.0.0"));
        assert_eq!(v("1.2.3").to_string(), "1.2.3");
        for bad in ["1.2", "1.2.3-rc.1", "01.2.3", "a.b.c", "", "1.2.3.4"] {
            assert!(Version::parse(bad).is_err(), "{bad:?} must not parse");
        }
        assert!(Part::parse("huge").is_err());
    }

    #[test]
    fn the_workspace_version_is_read_from_workspace_package() {
        assert_eq!(workspace_version(MANIFEST).unwrap(), v("0.1.0"));
        assert!(workspace_version("[package]\nversion = \"1.0.0\"\n").is_err());
    }

    #[test]
    fn bump_moves_the_workspace_version_and_every_internal_pin_and_nothing_else() {
        let internal = ["awsauth-core", "awsauth-http", "awsauth-cli"];
        let bumped = bump_manifest(MANIFEST, v("0.1.0"), v("0.2.0"), &internal).unwrap();
        assert_eq!(bumped.pins, ["awsauth-core", "awsauth-http", "awsauth-cli"]);
        let expected = MANIFEST
            .replace(
                "version = \"0.1.0\"  # moved",
                "version = \"0.2.0\"  # moved",
            )
            .replace(
                "crates/core\", version = \"=0.1.0\"",
                "crates/core\", version = \"=0.2.0\"",
            )
            .replace(
                "crates/http\", version = \"=0.1.0\"",
                "crates/http\", version = \"=0.2.0\"",
            )
            .replace(
                "path = \"crates/cli\"\nversion = \"=0.1.0\"",
                "path = \"crates/cli\"\nversion = \"=0.2.0\"",
            );
        assert_eq!(bumped.text, expected);
        assert!(
            bumped.text.contains("serde = { version = \"=0.1.0\""),
            "a third-party exact pin is not ours to move"
        );
        assert_eq!(workspace_version(&bumped.text).unwrap(), v("0.2.0"));
    }

    #[test]
    fn bump_refuses_versions_that_were_not_in_lockstep() {
        let skewed = MANIFEST.replace(
            "crates/http\", version = \"=0.1.0\"",
            "crates/http\", version = \"=0.0.9\"",
        );
        let err = bump_manifest(&skewed, v("0.1.0"), v("0.1.1"), &["awsauth-http"]).unwrap_err();
        assert!(err.contains("awsauth-http"), "{err}");
        let err = bump_manifest(MANIFEST, v("0.3.0"), v("0.3.1"), &[]).unwrap_err();
        assert!(err.contains("expected \"0.3.0\""), "{err}");
    }

    const CHANGELOG: &str = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n- the cache\n\n## [0.1.0] - 2026-11-01\n\n### Added\n- core\n";

    #[test]
    fn the_changelog_gets_a_heading_with_the_unreleased_notes_under_it() {
        let out = changelog_add(CHANGELOG, v("0.2.0"), "2026-12-24").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-24\n\n### Added\n- the cache\n\n## [0.1.0] - 2026-11-01\n\n### Added\n- core\n"
        );
        assert!(has_entry(&out, "0.2.0"));
        assert!(has_entry(&out, "0.1.0"));
        assert!(!has_entry(&out, "0.3.0"));
        assert!(
            changelog_add(&out, v("0.2.0"), "2026-12-25").is_err(),
            "twice is an error"
        );
        assert!(changelog_add("# Changelog\n", v("0.2.0"), "x").is_err());
    }

    #[test]
    fn an_empty_unreleased_section_at_the_end_still_gets_its_heading() {
        let out =
            changelog_add("# Changelog\n\n## [Unreleased]\n", v("1.0.0"), "2027-01-01").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2027-01-01\n"
        );
    }

    #[test]
    fn only_a_heading_with_a_date_counts_as_released() {
        let text = "## [Unreleased]\n\n## [0.2.0] - 2026-12-24\n\n## [0.1.0] - unreleased\n";
        assert!(entry_is_dated(text, "0.2.0"));
        assert!(!entry_is_dated(text, "0.1.0"));
        assert!(!entry_is_dated(text, "0.3.0"));
        assert!(!entry_is_dated("## [1.0.0] - 2026-1-2\n", "1.0.0"));
    }

    #[test]
    fn dates_are_civil_utc_dates() {
        assert_eq!(date_from_unix(0), "1970-01-01");
        assert_eq!(date_from_unix(951_782_400), "2000-02-29");
        assert_eq!(date_from_unix(1_767_225_599), "2025-12-31");
        assert_eq!(date_from_unix(1_767_225_600), "2026-01-01");
    }
}
