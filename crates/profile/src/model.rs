//! The parsed model: a [`ProfileSet`] of [`Section`]s holding [`Property`] values.
//!
//! All keys, values and section names of a set live in one text buffer (allocated once, at
//! most the size of the input, wiped when dropped); sections hold small fixed-size records
//! pointing into it. [`Section`] and [`Property`] are cheap borrowed views. This keeps parsing
//! to a handful of allocations per section instead of several per property.
//!
//! Parsing ([`ProfileSet::parse`], [`ProfileSet::add_file`]) lives in `parse.rs`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::{Path, PathBuf};

use awsauth_core::REDACTED;

/// Which of the two shared files a piece of text comes from; the two differ in how sections are
/// named (`[profile dev]` in `config`, `[dev]` in `credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// `~/.aws/config` (or `AWS_CONFIG_FILE`).
    Config,
    /// `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    Credentials,
}

impl FileKind {
    /// `config` or `credentials`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Credentials => "credentials",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        match self {
            Self::Config => 1,
            Self::Credentials => 2,
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a property was defined: the file and the (1-based) line of its `key = value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file.
    pub file: FileKind,
    /// The line, counting from 1.
    pub line: u32,
}

/// Spaces and tabs: the only characters the profile format treats as whitespace.
pub(crate) fn trim_ws(s: &str) -> &str {
    let bytes = s.as_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    // Space and tab are ASCII, so both ends are character boundaries.
    s.get(start..end).unwrap_or("")
}

/// Keys whose values must not be printed. `credential_process` is a command line, which may
/// carry a password.
pub(crate) fn is_sensitive_key(key: &str) -> bool {
    key == "credential_process"
        || key.contains("secret")
        || key.contains("password")
        || (key.contains("token") && !key.ends_with("_file"))
}

/// A range of the text buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// The text of every key, value and section name of a set. Sized once from the input so it
/// never reallocates (a reallocation would leave a copy of the secrets in freed memory), and
/// wiped when dropped.
#[derive(Default)]
pub(crate) struct Arena(String);

impl Arena {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self(String::with_capacity(bytes))
    }

    pub(crate) fn len(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX)
    }

    pub(crate) fn get(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.0.get(start..start + span.len as usize).unwrap_or("")
    }

    pub(crate) fn push(&mut self, text: &str) -> Span {
        let start = self.len();
        self.0.push_str(text);
        Span {
            start,
            len: self.len() - start,
        }
    }

    /// Appends `text` with ASCII letters lower-cased.
    pub(crate) fn push_lowercase(&mut self, text: &str) -> Span {
        let start = self.len();
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            self.0.extend(text.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            self.0.push_str(text);
        }
        Span {
            start,
            len: self.len() - start,
        }
    }

    pub(crate) fn push_str(&mut self, text: &str) {
        self.0.push_str(text);
    }

    /// Drops everything from `len` on (always a boundary this module wrote).
    pub(crate) fn truncate(&mut self, len: u32) {
        let len = len as usize;
        if self.0.is_char_boundary(len) {
            self.0.truncate(len);
        }
    }
}

impl Clone for Arena {
    fn clone(&self) -> Self {
        let mut copy = Self::with_capacity(self.0.len());
        copy.0.push_str(&self.0);
        copy
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

/// One `key = value` of a section, as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub(crate) key: Span,
    pub(crate) value: Span,
    pub(crate) origin: Origin,
}

impl Record {
    fn rebased(mut self, offset: u32) -> Self {
        self.key.start += offset;
        self.value.start += offset;
        self
    }
}

/// Sections up to this many records are de-duplicated by comparing every pair (cheap for the
/// usual handful of keys); larger ones by sorting, so a huge section stays `O(n log n)`.
const SMALL_SECTION: usize = 16;

/// A section as stored: its name and its records in definition order, one per key once
/// settled.
#[derive(Debug, Clone)]
pub(crate) struct SectionData {
    pub(crate) name: Span,
    pub(crate) records: Vec<Record>,
    pub(crate) files: u8,
}

impl SectionData {
    pub(crate) fn new(name: Span, file: FileKind) -> Self {
        Self {
            name,
            records: Vec::new(),
            files: file.bit(),
        }
    }

    pub(crate) fn push(&mut self, record: Record) {
        if self.records.capacity() == 0 {
            self.records.reserve_exact(8);
        }
        self.records.push(record);
    }

    /// Keeps only the last definition of each key, in definition order. Records are appended
    /// in the order they were read, so a later definition has a later key offset.
    pub(crate) fn settle(&mut self, arena: &Arena) {
        let records = &mut self.records;
        if records.len() < 2 {
            return;
        }
        let same =
            |a: &Record, b: &Record| a.key.len == b.key.len && arena.get(a.key) == arena.get(b.key);
        if records.len() <= SMALL_SECTION {
            let mut keep = [true; SMALL_SECTION];
            let mut any = false;
            for (i, a) in records.iter().enumerate() {
                let redefined_later = records
                    .get(i + 1..)
                    .unwrap_or_default()
                    .iter()
                    .any(|b| same(a, b));
                if redefined_later && let Some(k) = keep.get_mut(i) {
                    *k = false;
                    any = true;
                }
            }
            if any {
                let mut i = 0;
                records.retain(|_| {
                    let kept = keep.get(i).copied().unwrap_or(true);
                    i += 1;
                    kept
                });
            }
        } else {
            records.sort_by(|a, b| {
                arena
                    .get(a.key)
                    .cmp(arena.get(b.key))
                    .then(b.key.start.cmp(&a.key.start))
            });
            records.dedup_by(|later_in_order, kept| same(later_in_order, kept));
            records.sort_by_key(|r| r.key.start);
        }
    }

    fn find(&self, arena: &Arena, key: &str) -> Option<&Record> {
        self.records
            .iter()
            .find(|r| r.key.len as usize == key.len() && arena.get(r.key) == key)
    }
}

/// Sections in order of first appearance, found by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct SectionMap {
    pub(crate) items: Vec<SectionData>,
    index: HashMap<Box<str>, u32>,
}

impl SectionMap {
    pub(crate) fn find(&self, name: &str) -> Option<&SectionData> {
        self.index
            .get(name)
            .and_then(|&i| self.items.get(i as usize))
    }

    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut SectionData> {
        self.items.get_mut(index as usize)
    }

    /// The index of section `name`, created empty (its name written to `arena`) if new.
    pub(crate) fn index_of(&mut self, name: &str, file: FileKind, arena: &mut Arena) -> u32 {
        let next = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        // One hash per header; a repeated header costs a wasted small allocation, which is rare.
        match self.index.entry(name.into()) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                entry.insert(next);
                self.items.push(SectionData::new(arena.push(name), file));
                next
            }
        }
    }

    /// Adds a complete section; merges into an existing one of the same name (`section`'s
    /// keys win).
    pub(crate) fn add(&mut self, mut section: SectionData, arena: &Arena) {
        let name = arena.get(section.name);
        match self.index.get(name) {
            Some(&i) => {
                if let Some(existing) = self.items.get_mut(i as usize) {
                    existing.files |= section.files;
                    existing.records.append(&mut section.records);
                    existing.settle(arena);
                }
            }
            None => {
                let i = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
                self.index.insert(name.into(), i);
                self.items.push(section);
            }
        }
    }

    /// Merges `other`, whose spans are relative to `offset` in `arena`.
    fn absorb(&mut self, other: SectionMap, offset: u32, arena: &Arena) {
        for mut section in other.items {
            section.name.start += offset;
            for record in &mut section.records {
                *record = record.rebased(offset);
            }
            self.add(section, arena);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

/// The profiles, `sso-session`s and `services` sections of the shared files, merged: sections
/// of the same name are merged (the later definition of a key wins) and a file added later
/// overrides an earlier one key by key — add the config file first, then the credentials file.
///
/// ```
/// use awsauth_profile::{FileKind, ProfileSet};
/// let mut set = ProfileSet::parse(
///     FileKind::Config,
///     "/home/u/.aws/config",
///     "[profile dev]\nregion = eu-west-1\noutput = json\n",
/// )
/// .unwrap();
/// set.add_file(FileKind::Credentials, "/home/u/.aws/credentials", "[dev]\nregion = us-east-2\n")
///     .unwrap();
/// let dev = set.profile("dev").unwrap();
/// assert_eq!(dev.get("region"), Some("us-east-2"));
/// assert_eq!(dev.get("output"), Some("json"));
/// ```
#[derive(Clone, Default)]
pub struct ProfileSet {
    pub(crate) arena: Arena,
    pub(crate) profiles: SectionMap,
    pub(crate) sso_sessions: SectionMap,
    pub(crate) services: SectionMap,
    pub(crate) files: Vec<(FileKind, PathBuf)>,
    pub(crate) warnings: Vec<String>,
}

impl ProfileSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn view<'a>(&'a self, data: &'a SectionData) -> Section<'a> {
        Section { set: self, data }
    }

    /// The profile `name` (`default` for `[default]` / `[profile default]`).
    pub fn profile(&self, name: &str) -> Option<Section<'_>> {
        self.profiles.find(name).map(|data| self.view(data))
    }

    /// All profiles, in order of first appearance.
    pub fn profiles(&self) -> impl Iterator<Item = Section<'_>> {
        self.profiles.items.iter().map(|data| self.view(data))
    }

    /// The profile names, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles().map(|s| s.name()).collect();
        names.sort_unstable();
        names
    }

    /// The `[sso-session name]` section.
    pub fn sso_session(&self, name: &str) -> Option<Section<'_>> {
        self.sso_sessions.find(name).map(|data| self.view(data))
    }

    /// All `[sso-session …]` sections.
    pub fn sso_sessions(&self) -> impl Iterator<Item = Section<'_>> {
        self.sso_sessions.items.iter().map(|data| self.view(data))
    }

    /// The `[services name]` section.
    pub fn services(&self, name: &str) -> Option<Section<'_>> {
        self.services.find(name).map(|data| self.view(data))
    }

    /// All `[services …]` sections.
    pub fn all_services(&self) -> impl Iterator<Item = Section<'_>> {
        self.services.items.iter().map(|data| self.view(data))
    }

    /// How many profiles.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when there is no profile.
    pub fn is_empty(&self) -> bool {
        self.profiles.len() == 0
    }

    /// The files added, in order.
    pub fn files(&self) -> impl Iterator<Item = (FileKind, &Path)> {
        self.files
            .iter()
            .map(|(kind, path)| (*kind, path.as_path()))
    }

    /// The path of the file of this kind that was added last, if any.
    pub fn path(&self, file: FileKind) -> Option<&Path> {
        self.files
            .iter()
            .rev()
            .find(|(kind, _)| *kind == file)
            .map(|(_, path)| path.as_path())
    }

    /// What was skipped while parsing (invalid section or key names, sections of the wrong
    /// form for their file), each naming the file and line. Also logged with `tracing`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Merges a set parsed from one more file; its keys win.
    pub(crate) fn absorb(&mut self, other: ProfileSet) {
        if self.files.is_empty() && self.profiles.len() == 0 {
            let mut other = other;
            other.files.splice(0..0, self.files.drain(..));
            other.warnings.splice(0..0, self.warnings.drain(..));
            *self = other;
            return;
        }
        let ProfileSet {
            arena: other_arena,
            profiles,
            sso_sessions,
            services,
            files,
            warnings,
        } = other;
        // One new buffer for both, so neither grows in place (see `Arena`).
        let offset = self.arena.len();
        let mut arena = Arena::with_capacity(self.arena.0.len() + other_arena.0.len());
        arena.push_str(&self.arena.0);
        arena.push_str(&other_arena.0);
        self.arena = arena;
        self.profiles.absorb(profiles, offset, &self.arena);
        self.sso_sessions.absorb(sso_sessions, offset, &self.arena);
        self.services.absorb(services, offset, &self.arena);
        self.files.extend(files);
        self.warnings.extend(warnings);
    }

    /// The files a section appears in, for messages: `/home/u/.aws/credentials`.
    pub(crate) fn where_defined(&self, section: Section<'_>) -> String {
        let paths: Vec<String> = [FileKind::Config, FileKind::Credentials]
            .into_iter()
            .filter(|kind| section.appears_in(*kind))
            .filter_map(|kind| self.path(kind))
            .map(|p| p.display().to_string())
            .collect();
        if paths.is_empty() {
            "the profile files".to_owned()
        } else {
            paths.join(" and ")
        }
    }

    /// The file and line a property came from, for messages.
    pub(crate) fn file_of(&self, property: Property<'_>) -> String {
        match self.path(property.origin.file) {
            Some(path) => format!("{}, line {}", path.display(), property.origin.line),
            None => format!(
                "{} file, line {}",
                property.origin.file, property.origin.line
            ),
        }
    }
}

impl fmt::Debug for ProfileSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileSet")
            .field("profiles", &self.profiles().collect::<Vec<_>>())
            .field("sso_sessions", &self.sso_sessions().collect::<Vec<_>>())
            .field("services", &self.all_services().collect::<Vec<_>>())
            .field("files", &self.files)
            .finish()
    }
}

/// A named section of a [`ProfileSet`]: a profile, an `sso-session` or a `services` block.
/// Keys are lower-case; a key defined twice keeps its last value.
#[derive(Clone, Copy)]
pub struct Section<'a> {
    set: &'a ProfileSet,
    data: &'a SectionData,
}

impl<'a> Section<'a> {
    /// The name, without any `profile ` prefix.
    pub fn name(&self) -> &'a str {
        self.set.arena.get(self.data.name)
    }

    /// The value of `key` (case-insensitive), trimmed; an empty value counts as absent here
    /// (use [`property`](Self::property) to see it).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.property(key)
            .map(|p| p.value)
            .filter(|v| !v.is_empty())
    }

    /// The property `key` (case-insensitive).
    pub fn property(&self, key: &str) -> Option<Property<'a>> {
        let lowered;
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            lowered = key.to_ascii_lowercase();
            lowered.as_str()
        } else {
            key
        };
        self.data
            .find(&self.set.arena, key)
            .map(|r| self.property_of(r))
    }

    fn property_of(&self, record: &Record) -> Property<'a> {
        let arena = &self.set.arena;
        Property {
            value: arena.get(record.value),
            origin: record.origin,
            sensitive: is_sensitive_key(arena.get(record.key)),
        }
    }

    /// All properties, in the order of their (last) definition.
    pub fn properties(&self) -> impl Iterator<Item = (&'a str, Property<'a>)> + 'a {
        let this = *self;
        self.data
            .records
            .iter()
            .map(move |r| (this.set.arena.get(r.key), this.property_of(r)))
    }

    /// How many properties.
    pub fn len(&self) -> usize {
        self.data.records.len()
    }

    /// True when the section has no properties (`[profile empty]` alone is still a profile).
    pub fn is_empty(&self) -> bool {
        self.data.records.is_empty()
    }

    /// True when a section of this name appeared in a file of this kind.
    pub fn appears_in(&self, file: FileKind) -> bool {
        self.data.files & file.bit() != 0
    }
}

impl fmt::Debug for Section<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name())
            .field("properties", &DebugProperties(*self))
            .finish()
    }
}

struct DebugProperties<'a>(Section<'a>);

impl fmt::Debug for DebugProperties<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.properties()).finish()
    }
}

/// One `key = value` of a section. Continuation lines are joined with `\n`; a property whose
/// first line has an empty value (`s3 =`) keeps its indented `key = value` lines as its value
/// (see [`sub_properties`](Self::sub_properties)).
///
/// `Debug` redacts values whose key names a secret (`aws_secret_access_key`,
/// `aws_session_token`, anything with `secret`, `password` or a `token` that is not a `…_file`
/// path).
#[derive(Clone, Copy)]
pub struct Property<'a> {
    value: &'a str,
    origin: Origin,
    sensitive: bool,
}

impl<'a> Property<'a> {
    /// The value, trimmed of spaces and tabs.
    pub fn value(&self) -> &'a str {
        self.value
    }

    /// Where it was defined.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// True when the key names a secret, so the value must never be printed.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The value as a listing may show it: [`REDACTED`] for a secret; for a block of nested
    /// settings (`s3 =` then indented `key = value` lines) each line whose key is not a
    /// secret; for any other value its first line only, with how many continuation lines were
    /// left out (they may be other settings run together with it, secrets included).
    ///
    /// ```
    /// use awsauth_profile::{FileKind, ProfileSet};
    /// let text = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n  aws_secret_access_key = wJalr\n";
    /// let set = ProfileSet::parse(FileKind::Config, "config", text).unwrap();
    /// let shown = set.profile("default").unwrap().property("role_arn").unwrap().shown();
    /// assert_eq!(shown, "arn:aws:iam::123456789012:role/r (and 1 continuation line, not shown)");
    /// ```
    pub fn shown(&self) -> String {
        if self.sensitive {
            REDACTED.to_owned()
        } else {
            shown_value(self.value)
        }
    }

    /// The nested `key = value` pairs of a property written as
    ///
    /// ```ini
    /// s3 =
    ///   max_concurrent_requests = 20
    /// ```
    ///
    /// Lines without `=` are skipped. Keys and values are trimmed; keys keep their case.
    ///
    /// ```
    /// use awsauth_profile::{FileKind, ProfileSet};
    /// let set = ProfileSet::parse(FileKind::Config, "config", "[default]\ns3 =\n  max_concurrent_requests = 20\n").unwrap();
    /// let s3 = set.profile("default").unwrap().property("s3").unwrap();
    /// assert_eq!(s3.sub_properties(), vec![("max_concurrent_requests", "20")]);
    /// ```
    pub fn sub_properties(&self) -> Vec<(&'a str, &'a str)> {
        self.value
            .split('\n')
            .filter_map(|line| {
                let (key, value) = line.split_once('=')?;
                let key = trim_ws(key);
                (!key.is_empty()).then(|| (key, trim_ws(value)))
            })
            .collect()
    }
}

impl fmt::Debug for Property<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Property");
        if self.sensitive {
            s.field("value", &format_args!("{REDACTED}"));
        } else {
            s.field("value", &shown_value(self.value));
        }
        s.field("origin", &self.origin).finish()
    }
}

/// A value for `Debug` and listings. A block of nested settings (`s3 =` then indented
/// `key = value` lines) shows each line whose key is not a secret. Any other value shows its
/// first line only: the lines after it are continuation lines, which may be other settings
/// run together with it (an indented `aws_session_token = …` under `region` is part of
/// region's value as the file is written, and still a secret).
fn shown_value(value: &str) -> String {
    let quoted = awsauth_core::quoted(value);
    let first = quoted.first_line();
    if !first.is_empty() || quoted.more_lines() == 0 {
        return match quoted.more_lines() {
            0 => first.to_owned(),
            1 => format!("{first} (and 1 continuation line, not shown)"),
            n => format!("{first} (and {n} continuation lines, not shown)"),
        };
    }
    let mut shown = String::new();
    for line in value.split('\n').skip(1) {
        shown.push('\n');
        match line.split_once('=') {
            Some((key, _)) if !is_sensitive_key(&trim_ws(key).to_ascii_lowercase()) => {
                shown.push_str(awsauth_core::quoted(line).first_line());
            }
            _ => shown.push_str(REDACTED),
        }
    }
    shown
}
