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
use std::path::{Path, PathBuf};

use crate::model::{Arena, FileKind, Origin, ProfileSet, Record, SectionData, Span, trim_ws};

/// How many warnings a set keeps (and logs); a garbage file must not flood the log.
const MAX_WARNINGS: usize = 50;

/// A syntax error, naming the file and the line:
/// `credentials file /home/u/.aws/credentials, line 7: expected "key = value" (…)`.
///
/// The offending line itself is never quoted, since it may hold a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} file {}, line {line}: {}", .path.display(), .problem.in_file(*.file))]
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
    /// Input of 4 GiB or more.
    TooLarge,
    /// Bytes that are not UTF-8, at this byte of the line.
    NotUtf8 {
        /// Byte offset in the line, from 0.
        column: usize,
    },
}

impl Problem {
    /// The problem as said about a file of `kind`: a hint quotes that file's section syntax
    /// (`[name]` in the credentials file, `[profile name]` in the config file).
    pub fn in_file(self, kind: FileKind) -> impl fmt::Display {
        struct InFile(Problem, FileKind);
        impl fmt::Display for InFile {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match (self.0, self.1) {
                    (Problem::NoSection, FileKind::Credentials) => f.write_str(
                        "a property before any section; start with \"[default]\" or \"[name]\" \
                         (Expected a profile definition)",
                    ),
                    (problem, _) => problem.fmt(f),
                }
            }
        }
        InFile(self, kind)
    }
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
            Self::TooLarge => f.write_str("the file is 4 GiB or larger; a profile file is a few kilobytes"),
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
        if u32::try_from(text.len()).is_err() {
            return Err(ParseError {
                file,
                path,
                line: 1,
                problem: Problem::TooLarge,
            });
        }
        let mut parsed = FileParser::new(file, &path, text.len()).run(text)?;
        parsed.files.push((file, path));
        self.absorb(parsed);
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
                let line_start = valid
                    .iter()
                    .rposition(|&b| b == b'\n' || b == b'\r')
                    .map_or(0, |i| i + 1);
                Err(ParseError {
                    file,
                    path,
                    line: line_number(line_breaks(valid)),
                    problem: Problem::NotUtf8 {
                        column: err.valid_up_to() - line_start,
                    },
                })
            }
        }
    }
}

/// 1-based line number from a count of preceding newlines.
fn line_number(preceding: usize) -> u32 {
    u32::try_from(preceding.saturating_add(1)).unwrap_or(u32::MAX)
}

/// Where the properties of the current section go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// No section header yet.
    Nothing,
    /// A section that is skipped (its properties are still checked for syntax).
    Ignored,
    Profile(u32),
    SsoSession(u32),
    Services(u32),
    /// `[default]` in the config file, kept apart until the end of the file because a
    /// `[profile default]` anywhere in the same file replaces it.
    UnprefixedDefault,
}

/// The property being read, already written at the end of the text buffer; continuation
/// lines append to its value there.
struct Pending {
    key: Span,
    value_start: u32,
    line: u32,
    sub_properties: bool,
}

struct FileParser<'p> {
    file: FileKind,
    path: &'p Path,
    out: ProfileSet,
    target: Target,
    /// `None` right after a section header: a continuation there is an error.
    pending: Option<Pending>,
    unprefixed_default: Option<SectionData>,
    unprefixed_default_line: u32,
    saw_prefixed_default: bool,
    line: u32,
    dropped_warnings: usize,
}

impl<'p> FileParser<'p> {
    fn new(file: FileKind, path: &'p Path, size: usize) -> Self {
        Self {
            file,
            path,
            out: ProfileSet {
                arena: Arena::with_capacity(size),
                ..ProfileSet::default()
            },
            target: Target::Nothing,
            pending: None,
            unprefixed_default: None,
            unprefixed_default_line: 0,
            saw_prefixed_default: false,
            line: 0,
            dropped_warnings: 0,
        }
    }

    fn run(mut self, text: &str) -> Result<ProfileSet, ParseError> {
        for line in Lines(text) {
            self.line = self.line.saturating_add(1);
            match line.as_bytes().first() {
                None | Some(b'#' | b';') => {}
                Some(b' ' | b'\t') => {
                    if !trim_ws(line).is_empty() {
                        self.continuation(line)?;
                    }
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
        let inner = trim_ws(inner);
        if swallowed_lines(inner) {
            // Not a header but several lines run together (lone CR line breaks, say): the text
            // may hold a secret, so the warning describes it without quoting it.
            self.warn(
                self.line,
                format_args!(
                    "a line starting with '[' and ending with ']' was ignored: it is not a section \
                     header, since it holds '=' or a control character (were line breaks lost, as \
                     with lone carriage returns?); its text is not shown because it may hold a secret"
                ),
            );
            self.target = Target::Ignored;
            return Ok(());
        }
        let (prefix, name) = match inner.split_once([' ', '\t']) {
            Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
            None => (None, inner.trim()),
        };
        let out = &mut self.out;
        self.target =
            match (self.file, prefix) {
                (FileKind::Config, Some(prefix)) if !is_identifier(name) => {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{prefix} {name}] ignored: \"{name}\" is not a valid name \
                     (letters, digits and - _ / . % @ : + only)"
                        ),
                    );
                    Target::Ignored
                }
                (FileKind::Config, Some("profile")) => {
                    if name == "default" {
                        self.saw_prefixed_default = true;
                    }
                    Target::Profile(out.profiles.index_of(name, self.file, &mut out.arena))
                }
                (FileKind::Config, Some("sso-session")) => {
                    Target::SsoSession(out.sso_sessions.index_of(name, self.file, &mut out.arena))
                }
                (FileKind::Config, Some("services")) => {
                    Target::Services(out.services.index_of(name, self.file, &mut out.arena))
                }
                (FileKind::Config, Some(prefix)) => {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{prefix} {name}] ignored: awsauth reads only \
                     [profile …], [sso-session …] and [services …] sections"
                        ),
                    );
                    Target::Ignored
                }
                (FileKind::Config, None) if name == "default" => {
                    if self.unprefixed_default.is_none() {
                        let name = out.arena.push("default");
                        self.unprefixed_default = Some(SectionData::new(name, self.file));
                        self.unprefixed_default_line = self.line;
                    }
                    Target::UnprefixedDefault
                }
                (FileKind::Config, None) => {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{name}] ignored: in the config file profiles are written \
                     [profile {name}] (only [default] may omit the prefix)"
                        ),
                    );
                    Target::Ignored
                }
                (FileKind::Credentials, Some("profile")) => {
                    self.warn(self.line, format_args!(
                    "section [profile {name}] ignored: in the credentials file profiles are \
                     written [{name}], without the \"profile\" prefix"
                ));
                    Target::Ignored
                }
                (FileKind::Credentials, None) if is_identifier(name) => {
                    Target::Profile(out.profiles.index_of(name, self.file, &mut out.arena))
                }
                (FileKind::Credentials, _) => {
                    self.warn(
                        self.line,
                        format_args!(
                            "section [{inner}] ignored: \"{inner}\" is not a valid profile name \
                     (letters, digits and - _ / . % @ : + only)"
                        ),
                    );
                    Target::Ignored
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
        let arena = &mut self.out.arena;
        let key = arena.push_lowercase(key);
        let value_start = arena.len();
        arena.push_str(value);
        self.pending = Some(Pending {
            key,
            value_start,
            line: self.line,
            sub_properties: value.is_empty(),
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
        self.out.arena.push_str("\n");
        self.out.arena.push_str(trim_ws(line));
        Ok(())
    }

    /// Stores the pending property in the current section, or drops its text.
    fn commit(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        if matches!(self.target, Target::Nothing | Target::Ignored) {
            self.out.arena.truncate(pending.key.start);
            return;
        }
        if !is_identifier(self.out.arena.get(pending.key)) {
            self.out.arena.truncate(pending.key.start);
            self.warn(
                pending.line,
                format_args!(
                    "a property was ignored: its name (before '=') may hold only letters, digits \
                 and - _ / . % @ : +"
                ),
            );
            return;
        }
        let record = Record {
            key: pending.key,
            value: Span {
                start: pending.value_start,
                len: self.out.arena.len() - pending.value_start,
            },
            origin: Origin {
                file: self.file,
                line: pending.line,
            },
        };
        let section = match self.target {
            Target::Nothing | Target::Ignored => None,
            Target::Profile(i) => self.out.profiles.get_mut(i),
            Target::SsoSession(i) => self.out.sso_sessions.get_mut(i),
            Target::Services(i) => self.out.services.get_mut(i),
            Target::UnprefixedDefault => self.unprefixed_default.as_mut(),
        };
        if let Some(section) = section {
            section.push(record);
        }
    }

    fn finish(&mut self) {
        let out = &mut self.out;
        for map in [&mut out.profiles, &mut out.sso_sessions, &mut out.services] {
            for section in &mut map.items {
                section.settle(&out.arena);
            }
        }
        if let Some(mut default) = self.unprefixed_default.take() {
            if self.saw_prefixed_default {
                self.warn(self.unprefixed_default_line, format_args!(
                    "section [default] ignored: [profile default] in the same file takes priority"
                ));
            } else {
                default.settle(&self.out.arena);
                self.out.profiles.add(default, &self.out.arena);
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

/// The lines of a text, split as the AWS CLI's parser (Python's universal newlines) splits
/// them: at `\n`, `\r\n` and a lone `\r`. A lone `\r` is a line break there, so it is one here:
/// `duration_seconds = 9\raws_secret_access_key = …` is two properties, never one value that
/// carries the second line along. (Unicode's other separators, U+2028 and friends, are not line
/// breaks in those files and stay inside values.) A plain byte scan: profile lines are short,
/// and a searcher set up again for every line costs more.
struct Lines<'t>(&'t str);

impl<'t> Iterator for Lines<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        if self.0.is_empty() {
            return None;
        }
        let text = self.0;
        match text.bytes().position(|b| b == b'\n' || b == b'\r') {
            Some(end) => {
                let width = if text.as_bytes().get(end..end + 2) == Some(b"\r\n") {
                    2
                } else {
                    1
                };
                // `\n` and `\r` are ASCII: slicing around them stays on character boundaries.
                self.0 = text.get(end + width..).unwrap_or("");
                Some(text.get(..end).unwrap_or(""))
            }
            None => {
                self.0 = "";
                Some(text)
            }
        }
    }
}

/// How many line breaks (`\n`, `\r\n`, a lone `\r`) `bytes` holds, as [`Lines`] counts them.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

enum Missing {
    Equals,
    Name,
}

/// `key = value` with the comment removed; the key is trimmed but not yet lower-cased.
fn split_property(line: &str) -> Result<(&str, &str), Missing> {
    let line = strip_comment(line, true);
    let (key, value) = line.split_once('=').ok_or(Missing::Equals)?;
    let key = trim_ws(key);
    if key.is_empty() {
        return Err(Missing::Name);
    }
    Ok((key, trim_ws(value)))
}

/// Trims the line and cuts it at the first `#` or `;` — in values only where whitespace
/// precedes it, so `secret=abc#def` keeps its `#`.
fn strip_comment(line: &str, needs_whitespace_before: bool) -> &str {
    let line = trim_ws(line);
    let bytes = line.as_bytes();
    if !has_comment_char(bytes) {
        return line;
    }
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
        Some(before) => trim_ws(before),
        None => line,
    }
}

/// True when a `#` or `;` occurs. Most lines have none; the fixed-size chunks without an early
/// exit inside let the compiler check many bytes per instruction.
fn has_comment_char(bytes: &[u8]) -> bool {
    let hit = |b: u8| u8::from(b == b'#') | u8::from(b == b';');
    let chunks = bytes.chunks_exact(16);
    let rest = chunks.remainder();
    chunks
        .map(|chunk| chunk.iter().fold(0u8, |found, &b| found | hit(b)))
        .chain(std::iter::once(
            rest.iter().fold(0u8, |found, &b| found | hit(b)),
        ))
        .any(|found| found != 0)
}

/// The bytes allowed in section and key names.
const IDENTIFIER: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
        b += 1;
    }
    table
};

/// Section and key names: `[A-Za-z0-9_\-/.%@:+]+`.
/// True for the inside of a `[…]` line that cannot be a section header however it is read: it
/// holds `=` or a control character other than the tab that may separate a prefix from the
/// name, so it is more likely property lines run together.
fn swallowed_lines(inner: &str) -> bool {
    inner
        .chars()
        .any(|c| c == '=' || (c.is_control() && c != '\t'))
}

pub(crate) fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| IDENTIFIER[usize::from(b)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_that_swallowed_lines_is_ignored_without_quoting_it() {
        // Lines run together into one that starts with '[' and ends with ']'. (Lone CRs are
        // line breaks, as in the AWS CLI: they no longer run lines together.)
        for (file, text) in [
            (
                FileKind::Config,
                "[profile a aws_secret_access_key = wJalrSECRET]",
            ),
            (
                FileKind::Credentials,
                "[sso-session s\u{0}aws_session_token = wJalrSECRET\u{0}p]",
            ),
        ] {
            let set = ProfileSet::parse(file, "/f", text).unwrap();
            assert!(set.is_empty(), "{text:?}");
            let warnings = set.warnings().join("\n");
            assert!(warnings.contains("/f, line 1"), "{warnings}");
            assert!(warnings.contains("not shown"), "{warnings}");
            assert!(!warnings.contains("wJalr"), "{warnings}");
            assert!(!format!("{:?}", set.plan("default")).contains("wJalr"));
        }
        for text in [
            "[default]\raws_secret_access_key = wJalrSECRET\r[other]",
            "[default]\r\naws_secret_access_key = wJalrSECRET\r\n[other]",
        ] {
            let set = ProfileSet::parse(FileKind::Credentials, "/f", text).unwrap();
            let default = set.profile("default").unwrap();
            assert_eq!(
                default.get("aws_secret_access_key"),
                Some("wJalrSECRET"),
                "{text:?}"
            );
            assert!(set.profile("other").is_some(), "{text:?}");
        }
        // Ordinary invalid names are still quoted, so the user sees which section it was.
        let set = ProfileSet::parse(FileKind::Config, "/f", "[profile my profile]\n").unwrap();
        assert!(
            set.warnings()[0].contains("\"my profile\""),
            "{:?}",
            set.warnings()
        );
    }

    #[test]
    fn lines_split_at_every_line_break_the_aws_cli_knows() {
        for (text, lines) in [
            ("", &[][..]),
            ("a", &["a"][..]),
            ("a\n", &["a"]),
            ("a\r\nb", &["a", "b"]),
            ("a\r\n", &["a"]),
            ("\n\n", &["", ""]),
            ("a\rb\n", &["a", "b"]),
            ("a\r", &["a"]),
            ("\r\n\r\n", &["", ""]),
            ("\r\r\n\n", &["", "", ""]),
            ("é\r\nü", &["é", "ü"]),
            ("a\u{2028}b", &["a\u{2028}b"]),
        ] {
            assert_eq!(Lines(text).collect::<Vec<_>>(), lines, "{text:?}");
            assert_eq!(
                line_breaks(text.as_bytes()),
                {
                    let ends_open = !text.is_empty() && !text.ends_with(['\n', '\r']);
                    lines.len() - usize::from(ends_open)
                },
                "{text:?}"
            );
        }
    }

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
