//! The parser: text in, [`ProfileSet`] out, no I/O.
//!
//! The rules are the ones the AWS SDKs share (and test with `profile-parser-tests.json`):
//!
//! - A line whose first character is `#` or `;` is a comment; blank lines are skipped.
//! - `[…]` starts a section. A comment may follow the `]` directly.
//! - `key = value` defines a property. Keys are trimmed and lower-cased; values are trimmed, and
//!   `#` / `;` start a comment inside a value only after a space or tab.
//! - A line starting with a space or tab continues the previous property (joined with `\n`,
//!   comments included). After `key =` with an empty value the indented lines are
//!   sub-properties and must read `key = value` themselves.
//! - In the config file, profiles are `[profile name]` and `[default]`; `[profile default]`
//!   replaces any `[default]` of the same file; `[sso-session name]` and `[services name]` are
//!   kept apart; other bare `[name]` sections are ignored. In the credentials file, profiles
//!   are `[name]`; prefixed sections are ignored.
//! - Section and key names are limited to letters, digits and `- _ / . % @ : +`; others are
//!   skipped with a warning.
//!
//! The parser is one pass over the lines with no backtracking, so its time is linear in the
//! input size.

use std::fmt;
use std::path::PathBuf;

use crate::model::{FileKind, Origin, ProfileSet, Property, Section, SectionMap, WHITESPACE};

/// How many warnings a set keeps (and logs); a garbage file must not flood the log.
const MAX_WARNINGS: usize = 50;

/// A syntax error, naming the file and the line:
/// `credentials file /home/u/.aws/credentials, line 7: expected "key = value" (…)`.
///
/// The offending line itself is never quoted, since it may hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} file {}, line {line}: {problem}", .path.display())]
pub struct ParseError {
    /// Which file.
    pub file: FileKind,
    /// Its path, as given to the parser.
    pub path: PathBuf,
    /// The line, counting from 1.
    pub line: u32,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a line. The text in parentheses is the wording the AWS SDKs' shared test
/// suite expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A property before any `[section]`.
    NoSection,
    /// `[name` without the closing bracket.
    UnclosedSection,
    /// A property line without `=`.
    NoEquals,
    /// A property line starting with `=`.
    NoName,
    /// An indented line under `key =` without `=`.
    SubPropertyNoEquals,
    /// An indented line under `key =` starting with `=`.
    SubPropertyNoName,
    /// An indented line right after a section header: it continues nothing.
    ContinuationWithoutProperty,
    /// Bytes that are not UTF-8, at this byte of the line.
    NotUtf8 {
        /// Byte offset in the line, from 0.
        column: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSection => f.write_str(
                "a property before any section; start with \"[default]\" or \"[profile name]\" \
                 (Expected a profile definition)",
            ),
            Self::UnclosedSection => {
                f.write_str("expected \"[name]\" (Profile definition must end with ']')")
            }
            Self::NoEquals => {
                f.write_str("expected \"key = value\" (Expected an '=' sign defining a property)")
            }
            Self::NoName => f.write_str("expected \"key = value\" (Property did not have a name)"),
            Self::SubPropertyNoEquals => f.write_str(
                "expected an indented \"key = value\" (Expected an '=' sign defining a sub-property)",
            ),
            Self::SubPropertyNoName => f.write_str(
                "expected an indented \"key = value\" (Sub-property did not have a name)",
            ),
            Self::ContinuationWithoutProperty => f.write_str(
                "an indented line continues no property; remove the leading whitespace \
                 (Expected a property definition, found continuation)",
            ),
            Self::NotUtf8 { column } => write!(
                f,
                "not valid UTF-8 (at byte {column} of the line); save the file as UTF-8"
            ),
        }
    }
}

impl ProfileSet {
    /// Parses one file into a new set. `path` is used in errors and warnings only.
    ///
    /// ```
    /// use awsauth_profile::{FileKind, ProfileSet};
    /// let err = ProfileSet::parse(FileKind::Credentials, "/home/u/.aws/credentials", "[dev]\naws_access_key_id AKID\n")
    ///     .unwrap_err();
    /// assert!(err.to_string().starts_with("credentials file /home/u/.aws/credentials, line 2: expected \"key = value\""));
    /// ```
    pub fn parse(
        file: FileKind,
        path: impl Into<PathBuf>,
        text: &str,
    ) -> Result<ProfileSet, ParseError> {
        let mut set = ProfileSet::new();
        set.add_file(file, path, text)?;
        Ok(set)
    }

    /// Parses one more file and merges it in; its keys override the set's. On error the set is
    /// unchanged.
    pub fn add_file(
        &mut self,
        file: FileKind,
        path: impl Into<PathBuf>,
        text: &str,
    ) -> Result<(), ParseError> {
        let path = path.into();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parsed = FileParser::new(file, &path).run(text)?;
        self.absorb(parsed, file, path);
        Ok(())
    }

    /// Like [`add_file`](Self::add_file) for raw bytes: content that is not UTF-8 is an error
    /// naming the file and line.
    pub fn add_file_bytes(
        &mut self,
        file: FileKind,
        path: impl Into<PathBuf>,
        bytes: &[u8],
    ) -> Result<(), ParseError> {
        let path = path.into();
        match std::str::from_utf8(bytes) {
            Ok(text) => self.add_file(file, path, text),
            Err(err) => {
                let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
                let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                Err(ParseError {
                    file,
                    path,
                    line: line_number(valid.iter().filter(|&&b| b == b'\n').count()),
                    problem: Problem::NotUtf8 {
                        column: err.valid_up_to() - line_start,
                    },
                })
            }
        }
    }

    fn absorb(&mut self, parsed: Parsed, file: FileKind, path: PathBuf) {
        self.profiles.absorb(parsed.profiles);
        self.sso_sessions.absorb(parsed.sso_sessions);
        self.services.absorb(parsed.services);
        for warning in parsed.warnings {
            if self.warnings.len() < MAX_WARNINGS {
                self.warnings.push(warning);
            }
        }
        self.files.push((file, path));
    }
}

/// 1-based line number from a count of preceding newlines.
fn line_number(preceding: usize) -> u32 {
    u32::try_from(preceding.saturating_add(1)).unwrap_or(u32::MAX)
}

/// One file's sections before merging.
#[derive(Default)]
struct Parsed {
    profiles: SectionMap,
    sso_sessions: SectionMap,
    services: SectionMap,
    warnings: Vec<String>,
}

/// Where the properties of the current section go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No section header yet.
    Nothing,
    /// A section that is skipped (its properties are still checked for syntax).
    Ignored,
    Profile(usize),
    SsoSession(usize),
    Services(usize),
    /// `[default]` in the config file, kept apart until the end of the file because a
    /// `[profile default]` anywhere in the same file replaces it.
    UnprefixedDefault,
}

/// The property being read; continuation lines append to it.
struct Pending {
    key: String,
    value: String,
    line: u32,
    sub_properties: bool,
}

struct FileParser<'p> {
    file: FileKind,
    path: &'p std::path::Path,
    out: Parsed,
    target: Target,
    /// `None` right after a section header: a continuation there is an error.
    pending: Option<Pending>,
    unprefixed_default: Option<Section>,
    saw_prefixed_default: bool,
    unprefixed_default_line: u32,
    line: u32,
    dropped_warnings: usize,
}

impl<'p> FileParser<'p> {
    fn new(file: FileKind, path: &'p std::path::Path) -> Self {
        Self {
            file,
            path,
            out: Parsed::default(),
            target: Target::Nothing,
            pending: None,
            unprefixed_default: None,
            saw_prefixed_default: false,
            unprefixed_default_line: 0,
            line: 0,
            dropped_warnings: 0,
        }
    }

    fn run(mut self, text: &str) -> Result<Parsed, ParseError> {
        for line in text.lines() {
            self.line = self.line.saturating_add(1);
            let first = line.as_bytes().first().copied();
            match first {
                None | Some(b'#' | b';') => continue,
                Some(b' ' | b'\t') => {
                    if line.trim_matches(WHITESPACE).is_empty() {
                        continue;
                    }
                    self.continuation(line)?;
                }
                Some(b'[') => {
                    self.commit();
                    self.section(line)?;
                }
                Some(_) => {
                    self.commit();
                    self.property(line)?;
                }
            }
        }
        self.commit();
        self.finish();
        Ok(self.out)
    }

    fn error(&self, problem: Problem) -> ParseError {
        ParseError {
            file: self.file,
            path: self.path.to_path_buf(),
            line: self.line,
            problem,
        }
    }

    fn warn(&mut self, line: u32, message: std::fmt::Arguments<'_>) {
        if self.out.warnings.len() >= MAX_WARNINGS {
            self.dropped_warnings += 1;
            return;
        }
        let text = format!(
            "{} file {}, line {line}: {message}",
            self.file,
            self.path.display(),
        );
        tracing::warn!("{text}");
        self.out.warnings.push(text);
    }

    fn section(&mut self, line: &str) -> Result<(), ParseError> {
        let line = strip_comment(line, false);
        let inner = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .ok_or_else(|| self.error(Problem::UnclosedSection))?;
        let inner = inner.trim_matches(WHITESPACE);
        let (prefix, name) = match inner.split_once(WHITESPACE) {
            Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
            None => (None, inner.trim()),
        };
        self.target = match (self.file, prefix) {
            (FileKind::Config, Some(prefix)) => {
                if !is_identifier(name) {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{prefix} {name}] ignored: \"{name}\" is not a valid name \
                         (letters, digits and - _ / . % @ : + only)"
                        ),
                    );
                    Target::Ignored
                } else {
                    match prefix {
                        "profile" => {
                            if name == "default" {
                                self.saw_prefixed_default = true;
                            }
                            Target::Profile(self.out.profiles.index_of(name, self.file))
                        }
                        "sso-session" => {
                            Target::SsoSession(self.out.sso_sessions.index_of(name, self.file))
                        }
                        "services" => Target::Services(self.out.services.index_of(name, self.file)),
                        _ => {
                            self.warn(
                                self.line,
                                format_args!(
                                    "section [{prefix} {name}] ignored: awsauth reads only \
                                 [profile …], [sso-session …] and [services …] sections"
                                ),
                            );
                            Target::Ignored
                        }
                    }
                }
            }
            (FileKind::Config, None) => {
                if name == "default" {
                    if self.unprefixed_default.is_none() {
                        self.unprefixed_default = Some(Section::new("default".into(), self.file));
                        self.unprefixed_default_line = self.line;
                    }
                    Target::UnprefixedDefault
                } else {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{name}] ignored: in the config file profiles are written \
                         [profile {name}] (only [default] may omit the prefix)"
                        ),
                    );
                    Target::Ignored
                }
            }
            (FileKind::Credentials, Some("profile")) => {
                self.warn(
                    self.line,
                    format_args!(
                        "section [profile {name}] ignored: in the credentials file profiles are \
                     written [{name}], without the \"profile\" prefix"
                    ),
                );
                Target::Ignored
            }
            (FileKind::Credentials, Some(_)) => {
                self.warn(
                    self.line,
                    format_args!(
                        "section [{inner}] ignored: \"{inner}\" is not a valid profile name \
                     (letters, digits and - _ / . % @ : + only)"
                    ),
                );
                Target::Ignored
            }
            (FileKind::Credentials, None) => {
                if is_identifier(name) {
                    Target::Profile(self.out.profiles.index_of(name, self.file))
                } else {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{name}] ignored: \"{name}\" is not a valid profile name \
                         (letters, digits and - _ / . % @ : + only)"
                        ),
                    );
                    Target::Ignored
                }
            }
        };
        Ok(())
    }

    fn property(&mut self, line: &str) -> Result<(), ParseError> {
        if self.target == Target::Nothing {
            return Err(self.error(Problem::NoSection));
        }
        let (key, value) = split_property(line).map_err(|missing| {
            self.error(match missing {
                Missing::Equals => Problem::NoEquals,
                Missing::Name => Problem::NoName,
            })
        })?;
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            key.to_ascii_lowercase()
        } else {
            key.to_owned()
        };
        self.pending = Some(Pending {
            key,
            sub_properties: value.is_empty(),
            value: value.to_owned(),
            line: self.line,
        });
        Ok(())
    }

    fn continuation(&mut self, line: &str) -> Result<(), ParseError> {
        if self.target == Target::Nothing {
            return Err(self.error(Problem::NoSection));
        }
        let Some(pending) = self.pending.as_ref() else {
            return Err(self.error(Problem::ContinuationWithoutProperty));
        };
        if pending.sub_properties {
            split_property(line).map_err(|missing| {
                self.error(match missing {
                    Missing::Equals => Problem::SubPropertyNoEquals,
                    Missing::Name => Problem::SubPropertyNoName,
                })
            })?;
        }
        if let Some(pending) = self.pending.as_mut() {
            pending.value.push('\n');
            pending.value.push_str(line.trim_matches(WHITESPACE));
        }
        Ok(())
    }

    /// Stores the pending property in the current section.
    fn commit(&mut self) {
        let Some(Pending {
            key, value, line, ..
        }) = self.pending.take()
        else {
            return;
        };
        if matches!(self.target, Target::Nothing | Target::Ignored) {
            return;
        }
        if !is_identifier(&key) {
            self.warn(
                line,
                format_args!(
                    "a property was ignored: its name (before '=') may hold only letters, digits \
                 and - _ / . % @ : +"
                ),
            );
            return;
        }
        let origin = Origin {
            file: self.file,
            line,
        };
        let property = Property::new(&key, value, origin);
        let section = match self.target {
            Target::Nothing | Target::Ignored => None,
            Target::Profile(i) => self.out.profiles.get_mut_by_index(i),
            Target::SsoSession(i) => self.out.sso_sessions.get_mut_by_index(i),
            Target::Services(i) => self.out.services.get_mut_by_index(i),
            Target::UnprefixedDefault => self.unprefixed_default.as_mut(),
        };
        if let Some(section) = section {
            section.insert(key, property);
        }
    }

    fn finish(&mut self) {
        if let Some(default) = self.unprefixed_default.take() {
            if self.saw_prefixed_default {
                self.warn(self.unprefixed_default_line, format_args!(
                    "section [default] ignored: [profile default] in the same file takes priority"
                ));
            } else {
                self.out.profiles.insert_or_absorb(default);
            }
        }
        if self.dropped_warnings > 0 {
            let dropped = self.dropped_warnings;
            self.out.warnings.push(format!(
                "{} file {}: {dropped} more warnings not shown",
                self.file,
                self.path.display()
            ));
        }
    }
}

enum Missing {
    Equals,
    Name,
}

/// `key = value` with the comment removed; the key is trimmed but not yet lower-cased.
fn split_property(line: &str) -> Result<(&str, &str), Missing> {
    let line = strip_comment(line, true);
    let (key, value) = line.split_once('=').ok_or(Missing::Equals)?;
    let key = key.trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(Missing::Name);
    }
    Ok((key, value.trim_matches(WHITESPACE)))
}

/// Trims the line and cuts it at the first `#` or `;` — in values only where whitespace
/// precedes it, so `secret=abc#def` keeps its `#`.
fn strip_comment(line: &str, needs_whitespace_before: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let bytes = line.as_bytes();
    let mut cut = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' || b == b';' {
            // Any Unicode whitespace counts here, as in the other SDKs' parsers.
            let after_whitespace = || {
                line.get(..i)
                    .and_then(|before| before.chars().next_back())
                    .is_some_and(char::is_whitespace)
            };
            if !needs_whitespace_before || after_whitespace() {
                cut = Some(i);
                break;
            }
        }
    }
    match cut.and_then(|i| line.get(..i)) {
        Some(before) => before.trim_matches(WHITESPACE),
        None => line,
    }
}

/// Section and key names: `[A-Za-z0-9_\-/.%@:+]+`.
pub(crate) fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_in_values_need_whitespace_before_them() {
        assert_eq!(strip_comment("a = b#c", true), "a = b#c");
        assert_eq!(strip_comment("a = b #c", true), "a = b");
        assert_eq!(strip_comment("a = b\t;c", true), "a = b");
        assert_eq!(strip_comment("[x]#c", false), "[x]");
    }

    #[test]
    fn non_utf8_names_line_and_byte() {
        let err = ProfileSet::new()
            .add_file_bytes(
                FileKind::Config,
                "/c",
                b"[default]\nregion = eu\xff-west-1\n",
            )
            .unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.problem, Problem::NotUtf8 { column: 11 });
        assert!(
            err.to_string()
                .starts_with("config file /c, line 2: not valid UTF-8")
        );
    }

    #[test]
    fn a_failed_file_leaves_the_set_unchanged() {
        let mut set = ProfileSet::parse(FileKind::Config, "/c", "[default]\na = 1\n").unwrap();
        assert!(
            set.add_file(FileKind::Credentials, "/k", "[default]\na = 2\nbroken\n")
                .is_err()
        );
        assert_eq!(set.profile("default").unwrap().get("a"), Some("1"));
        assert_eq!(set.files().count(), 1);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let set =
            ProfileSet::parse(FileKind::Credentials, "/k", "\u{feff}[default]\na = 1\n").unwrap();
        assert_eq!(set.profile("default").unwrap().get("a"), Some("1"));
    }
}
