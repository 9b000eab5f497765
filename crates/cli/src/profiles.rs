//! `awsauth profiles`: the merged profiles of the shared config and credentials files, with
//! every secret value redacted.

use awsauth::profile::{FileKind, FileLocations, Section, load};
use awsauth::{Context, REDACTED};
use serde_json::{Map, Value, json};

use crate::args::Format;
use crate::error::CliError;
use crate::resolve::text_or_json;

/// `awsauth profiles`.
pub(crate) fn profiles(format: Format, cx: &Context) -> Result<String, CliError> {
    text_or_json(format, "profiles")?;
    let locations = FileLocations::from_context(cx);
    let loaded = load(cx, &locations)?;
    let set = loaded.set();
    let file = |kind: FileKind| {
        json!({
            "path": locations.path(kind).map(|p| p.display().to_string()),
            "found": loaded.found(kind),
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
    });
    Ok(match format {
        Format::Json => {
            let mut text = value.to_string();
            text.push('\n');
            text
        }
        _ => to_text(&value, set.warnings()),
    })
}

/// A section's properties, secrets redacted. A `credential_process` command line keeps its
/// program's name (what `explain` shows too): the rest of it may carry a token.
fn properties(section: Section<'_>) -> Map<String, Value> {
    section
        .properties()
        .map(|(key, property)| {
            let value = if key == "credential_process" {
                redacted_command(property.value())
            } else if property.is_sensitive() {
                REDACTED.to_owned()
            } else {
                property.value().to_owned()
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
