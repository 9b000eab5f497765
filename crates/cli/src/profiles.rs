//! `awsauth profiles`: the merged profiles of the shared config and credentials files, with
//! every secret value redacted.
//!
//! A credentials file that `resolve` refuses to use (writable by group or others) is still
//! listed, with the refusal as a warning: the user should see what is there while fixing it.

use awsauth::profile::{FileKind, FileLocations, ProfileSet, Section, load};
use awsauth::{Context, CredentialError, REDACTED};
use serde_json::{Map, Value, json};

use crate::args::{Format, ProfilesArgs};
use crate::error::CliError;

/// `awsauth profiles`.
pub(crate) fn profiles(args: &ProfilesArgs, cx: &Context) -> Result<String, CliError> {
    let locations = FileLocations::from_context(cx);
    let (set, mut warnings) = match load(cx, &locations) {
        Ok(loaded) => (loaded.set().clone(), Vec::new()),
        Err(refused) if credentials_writable_by_others(cx, &locations) => {
            let set = read_for_listing(cx, &locations)?;
            let warning = format!(
                "{}; listed here, but no command uses it for credentials",
                refused.message()
            );
            eprintln!("awsauth: warning: {warning}");
            (set, vec![warning])
        }
        Err(err) => return Err(err.into()),
    };
    warnings.extend(set.warnings().iter().cloned());
    if args.names {
        return Ok(set
            .profiles()
            .map(|section| format!("{}\n", section.name()))
            .collect());
    }
    let file = |kind: FileKind| {
        json!({
            "path": locations.path(kind).map(|p| p.display().to_string()),
            "found": set.path(kind).is_some(),
        })
    };
    let sections = |iter: &mut dyn Iterator<Item = Section<'_>>| -> Map<String, Value> {
        iter.map(|section| {
            (
                section.name().to_owned(),
                Value::Object(properties(section)),
            )
        })
        .collect()
    };
    let value = json!({
        "files": {"config": file(FileKind::Config), "credentials": file(FileKind::Credentials)},
        "profiles": sections(&mut set.profiles()),
        "sso_sessions": sections(&mut set.sso_sessions()),
        "services": sections(&mut set.all_services()),
        "warnings": warnings,
    });
    Ok(match args.format {
        Format::Json => {
            let mut text = value.to_string();
            text.push('\n');
            text
        }
        Format::Text => to_text(&value, &warnings),
    })
}

/// Whether the credentials file exists with a mode that lets group or others write it — the
/// one refusal `profiles` lists through.
fn credentials_writable_by_others(cx: &Context, locations: &FileLocations) -> bool {
    locations
        .path(FileKind::Credentials)
        .and_then(|path| cx.fs().metadata(path).ok())
        .and_then(|meta| meta.mode)
        .is_some_and(|mode| mode & 0o022 != 0)
}

/// Both files parsed without the permission check, for listing only (secrets are redacted
/// when printed, and nothing here resolves credentials).
fn read_for_listing(cx: &Context, locations: &FileLocations) -> Result<ProfileSet, CliError> {
    let mut set = ProfileSet::new();
    for kind in [FileKind::Config, FileKind::Credentials] {
        let Some(path) = locations.path(kind) else {
            continue;
        };
        let contents = match cx.fs().read_limited(path, awsauth::profile::MAX_FILE_SIZE) {
            Ok(contents) => contents,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(CliError::invalid(format!(
                    "cannot read {kind} file {}: {e}",
                    path.display()
                )));
            }
        };
        // The raw file holds secrets; `contents` wipes it when dropped.
        let parsed = set.add_file_bytes(kind, path, &contents.bytes);
        parsed.map_err(|e| {
            CliError::from(CredentialError::invalid_configuration(
                "profile",
                e.to_string(),
            ))
        })?;
    }
    Ok(set)
}

/// A section's properties, secrets redacted, values beyond their first line only where they
/// are blocks of nested settings ([`Property::shown`](awsauth::profile::Property::shown)). A
/// `credential_process` command line keeps its program's name (what `explain` shows too): the
/// rest of it may carry a token.
fn properties(section: Section<'_>) -> Map<String, Value> {
    section
        .properties()
        .map(|(key, property)| {
            let value = if key == "credential_process" {
                redacted_command(property.value())
            } else {
                property.shown()
            };
            (key.to_owned(), Value::from(value))
        })
        .collect()
}

/// `helper --token x` as `helper ** redacted **`; a line that is only its program stays as is.
fn redacted_command(line: &str) -> String {
    let program = awsauth::program_name(line);
    if program.is_empty() {
        REDACTED.to_owned()
    } else if line.trim() == program {
        program
    } else {
        format!("{program} {REDACTED}")
    }
}

fn to_text(value: &Value, warnings: &[String]) -> String {
    let mut out = String::new();
    for kind in ["config", "credentials"] {
        let file = &value["files"][kind];
        let path = file["path"]
            .as_str()
            .unwrap_or("(no location: HOME is not set)");
        let found = if file["found"].as_bool() == Some(true) {
            ""
        } else {
            " (not found)"
        };
        out.push_str(&format!("# {kind} file: {path}{found}\n"));
    }
    let empty = Map::new();
    for (group, header) in [
        ("profiles", "profile "),
        ("sso_sessions", "sso-session "),
        ("services", "services "),
    ] {
        for (name, props) in value[group].as_object().unwrap_or(&empty) {
            let shown = if group == "profiles" && name == "default" {
                "default".to_owned()
            } else {
                format!("{header}{name}")
            };
            out.push_str(&format!("\n[{shown}]\n"));
            for (key, v) in props.as_object().unwrap_or(&empty) {
                let text = v.as_str().unwrap_or_default();
                if text.contains('\n') {
                    out.push_str(&format!("{key} =\n"));
                    for line in text.lines() {
                        out.push_str(&format!("  {line}\n"));
                    }
                } else {
                    out.push_str(&format!("{key} = {text}\n"));
                }
            }
        }
    }
    for warning in warnings {
        out.push_str(&format!("\n# warning: {warning}\n"));
    }
    out
}
