//! The parsed model: a [`ProfileSet`] of [`Section`]s holding [`Property`] values.
//!
//! Parsing ([`ProfileSet::parse`], [`ProfileSet::add_file`]) lives in `parse.rs`; this module is
//! the data and its accessors.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use awsauth_core::{REDACTED, SecretString};

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

    fn bit(self) -> u8 {
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

/// One `key = value` of a section. Continuation lines are joined with `\n`; a property whose
/// first line has an empty value (`s3 =`) keeps its indented `key = value` lines as its value
/// (see [`sub_properties`](Self::sub_properties)).
///
/// Values are zeroized when dropped. `Debug` redacts values whose key names a secret
/// (`aws_secret_access_key`, `aws_session_token`, anything with `secret`, `password` or a
/// `token` that is not a `…_file` path).
#[derive(Clone)]
pub struct Property {
    value: SecretString,
    origin: Origin,
    sensitive: bool,
}

impl Property {
    pub(crate) fn new(key: &str, value: String, origin: Origin) -> Self {
        Self {
            value: SecretString::from(value),
            origin,
            sensitive: is_sensitive_key(key),
        }
    }

    /// The value, trimmed of spaces and tabs.
    pub fn value(&self) -> &str {
        self.value.expose_secret()
    }

    /// Where it was defined.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// True when the key names a secret, so the value must never be printed.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
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
    pub fn sub_properties(&self) -> Vec<(&str, &str)> {
        self.value()
            .split('\n')
            .filter_map(|line| {
                let (key, value) = line.split_once('=')?;
                let key = key.trim_matches(WHITESPACE);
                (!key.is_empty()).then(|| (key, value.trim_matches(WHITESPACE)))
            })
            .collect()
    }
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Property");
        if self.sensitive {
            s.field("value", &format_args!("{REDACTED}"));
        } else {
            s.field("value", &self.value());
        }
        s.field("origin", &self.origin).finish()
    }
}

/// Spaces and tabs: the only characters the profile format treats as whitespace.
pub(crate) const WHITESPACE: &[char] = &[' ', '\t'];

fn is_sensitive_key(key: &str) -> bool {
    key.contains("secret")
        || key.contains("password")
        || (key.contains("token") && !key.ends_with("_file"))
}

/// A named section: a profile, an `sso-session` or a `services` block. Keys are lower-case;
/// a key defined twice keeps its last value.
#[derive(Clone)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
    files: u8,
}

impl Section {
    pub(crate) fn new(name: String, file: FileKind) -> Self {
        Self {
            name,
            properties: BTreeMap::new(),
            files: file.bit(),
        }
    }

    /// The name, without any `profile ` prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` (case-insensitive), trimmed; an empty value counts as absent here
    /// (use [`property`](Self::property) to see it).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key)
            .map(Property::value)
            .filter(|v| !v.is_empty())
    }

    /// The property `key` (case-insensitive).
    pub fn property(&self, key: &str) -> Option<&Property> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.properties.get(&key.to_ascii_lowercase())
        } else {
            self.properties.get(key)
        }
    }

    /// All properties, sorted by key.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many properties.
    pub fn len(&self) -> usize {
        self.properties.len()
    }

    /// True when the section has no properties (`[profile empty]` alone is still a profile).
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// True when a section of this name appeared in a file of this kind.
    pub fn appears_in(&self, file: FileKind) -> bool {
        self.files & file.bit() != 0
    }

    pub(crate) fn insert(&mut self, key: String, property: Property) {
        self.properties.insert(key, property);
    }

    /// Moves `other`'s properties in; `other` wins on equal keys.
    pub(crate) fn absorb(&mut self, other: Section) {
        self.files |= other.files;
        if self.properties.is_empty() {
            self.properties = other.properties;
        } else {
            self.properties.extend(other.properties);
        }
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("properties", &self.properties)
            .finish()
    }
}

/// Sections in order of first appearance, found by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct SectionMap {
    items: Vec<Section>,
    index: HashMap<Box<str>, usize>,
}

impl SectionMap {
    pub(crate) fn get(&self, name: &str) -> Option<&Section> {
        self.index.get(name).and_then(|&i| self.items.get(i))
    }

    pub(crate) fn get_mut_by_index(&mut self, index: usize) -> Option<&mut Section> {
        self.items.get_mut(index)
    }

    /// The index of section `name`, created empty (and marked as seen in `file`) if new.
    pub(crate) fn index_of(&mut self, name: &str, file: FileKind) -> usize {
        if let Some(&i) = self.index.get(name) {
            if let Some(section) = self.items.get_mut(i) {
                section.files |= file.bit();
            }
            return i;
        }
        let i = self.items.len();
        self.items.push(Section::new(name.to_owned(), file));
        self.index.insert(name.into(), i);
        i
    }

    pub(crate) fn absorb(&mut self, other: SectionMap) {
        if self.items.is_empty() {
            *self = other;
            return;
        }
        for section in other.items {
            match self.index.get(section.name.as_str()) {
                Some(&i) => {
                    if let Some(existing) = self.items.get_mut(i) {
                        existing.absorb(section);
                    }
                }
                None => {
                    self.index
                        .insert(section.name.as_str().into(), self.items.len());
                    self.items.push(section);
                }
            }
        }
    }

    pub(crate) fn insert_or_absorb(&mut self, section: Section) {
        let mut single = SectionMap::default();
        single.index.insert(section.name.as_str().into(), 0);
        single.items.push(section);
        self.absorb(single);
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Section> {
        self.items.iter()
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
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
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

    /// The profile `name` (`default` for `[default]` / `[profile default]`).
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// All profiles, in order of first appearance.
    pub fn profiles(&self) -> impl Iterator<Item = &Section> {
        self.profiles.iter()
    }

    /// The profile names, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.iter().map(Section::name).collect();
        names.sort_unstable();
        names
    }

    /// The `[sso-session name]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// All `[sso-session …]` sections.
    pub fn sso_sessions(&self) -> impl Iterator<Item = &Section> {
        self.sso_sessions.iter()
    }

    /// The `[services name]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// All `[services …]` sections.
    pub fn all_services(&self) -> impl Iterator<Item = &Section> {
        self.services.iter()
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

    /// The path of the file of this kind that was added, if any.
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

    /// The files a section appears in, for messages: `/home/u/.aws/credentials`.
    pub(crate) fn where_defined(&self, section: &Section) -> String {
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

    /// The path of the file a property came from, for messages.
    pub(crate) fn file_of(&self, property: &Property) -> String {
        match self.path(property.origin.file) {
            Some(path) => format!("{}, line {}", path.display(), property.origin.line),
            None => format!(
                "{} file, line {}",
                property.origin.file, property.origin.line
            ),
        }
    }
}
