//! [`DatasourceSettings`]: one data source's AWS settings, read from Grafana's JSON.

use std::fmt;

use awsauth_core::SecretString;
use serde_json::{Map, Value};

use crate::{AuthType, DatasourceError};

/// One data source's AWS settings.
///
/// Read from Grafana's data source JSON with [`from_json`](Self::from_json): `jsonData`
/// {`authType`, `profile`, `assumeRoleArn`, `externalId`, `grafanaExternalId`,
/// `usePerDatasourceExternalId`, `endpoint`, `defaultRegion`, `region`, `proxyType`,
/// `proxyUrl`, `proxyUsername`} and `secureJsonData` {`accessKey`, `secretKey`,
/// `sessionToken`, `proxyPassword`}, plus the legacy top-level `database` (the profile of old
/// data sources). Keys match case-insensitively, as Grafana's Go decoder does (`assumeRoleARN`
/// and `assumeRoleArn` both occur). Blank values count as absent. Keys Grafana would not read
/// — a flat `{"authType": …, "accessKey": …}`, `snake_case` spellings, a secret inside
/// `jsonData` — are reported by [`parse_json`](Self::parse_json), never silently dropped.
///
/// Or built in code: start from [`Default`] and set the fields.
///
/// `Debug` redacts the secret key and the session token.
///
/// ```
/// use awsauth_datasource::{AuthType, DatasourceSettings};
/// let settings = DatasourceSettings::from_json(r#"{
///     "jsonData": {"authType": "keys", "assumeRoleARN": "arn:aws:iam::123456789012:role/reader",
///                  "defaultRegion": "eu-west-1", "region": "default"},
///     "secureJsonData": {"accessKey": "AKIDEXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG"}
/// }"#).unwrap();
/// assert_eq!(settings.auth_type, AuthType::Keys);
/// assert_eq!(settings.resolved_region(), Some("eu-west-1"));
/// assert!(!format!("{settings:?}").contains("wJalr"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasourceSettings {
    /// How the data source authenticates.
    pub auth_type: AuthType,
    /// The profile for the `credentials` auth type (`jsonData.profile`, else `database`).
    pub profile: Option<String>,
    /// The role to assume on top of the base credentials (`jsonData.assumeRoleArn`).
    pub assume_role_arn: Option<String>,
    /// The external id sent with AssumeRole (`jsonData.externalId`).
    pub external_id: Option<String>,
    /// A custom endpoint (`jsonData.endpoint`); see [`crate::Endpoints`] for how it is used.
    pub endpoint: Option<String>,
    /// The data source's region as set (`jsonData.region`); `"default"` or absent means
    /// [`default_region`](Self::default_region). See [`resolved_region`](Self::resolved_region).
    pub region: Option<String>,
    /// The fallback region (`jsonData.defaultRegion`).
    pub default_region: Option<String>,
    /// The access key id for `keys` (`secureJsonData.accessKey`).
    pub access_key: Option<String>,
    /// The secret access key for `keys` (`secureJsonData.secretKey`).
    pub secret_key: Option<SecretString>,
    /// A session token for temporary keys (`secureJsonData.sessionToken`).
    pub session_token: Option<SecretString>,
    /// The per-data-source external id for `grafana_assume_role`
    /// (`jsonData.grafanaExternalId`); sent only when
    /// [`use_per_datasource_external_id`](Self::use_per_datasource_external_id) is `true`.
    pub grafana_external_id: Option<String>,
    /// `jsonData.usePerDatasourceExternalId`: `Some(true)` sends
    /// [`grafana_external_id`](Self::grafana_external_id) with `grafana_assume_role`; `false`
    /// or unset (legacy data sources) sends the server's stack external id.
    pub use_per_datasource_external_id: Option<bool>,
    /// The data source's HTTP proxy for credential calls (`jsonData.proxyType`, `proxyUrl`,
    /// `proxyUsername`, `secureJsonData.proxyPassword`); honoured only when the server enables
    /// per-data-source proxies.
    pub proxy: DatasourceProxy,
}

/// `jsonData.proxyType`: how a data source's credential calls reach the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProxyType {
    /// The proxy environment variables, as any other call (Grafana's default).
    #[default]
    Env,
    /// No proxy at all, whatever the environment says.
    None,
    /// The data source's `proxyUrl`.
    Url,
}

impl ProxyType {
    /// The name in the data source JSON: `env`, `none`, `url`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::None => "none",
            Self::Url => "url",
        }
    }
}

/// A data source's own HTTP proxy settings. `Debug` redacts the password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasourceProxy {
    /// `jsonData.proxyType`; unset means [`ProxyType::Env`].
    pub proxy_type: ProxyType,
    /// `jsonData.proxyUrl` (`http://proxy.internal:3128`), for [`ProxyType::Url`].
    pub url: Option<String>,
    /// `jsonData.proxyUsername`.
    pub username: Option<String>,
    /// `secureJsonData.proxyPassword`.
    pub password: Option<SecretString>,
}

/// A key of a data source JSON that Grafana would not read, reported by
/// [`DatasourceSettings::parse_json`]. Names the key, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IgnoredSetting {
    /// Where it is: `accessKey` (top level), `jsonData.access_key`, `jsonData.secretKey`.
    pub path: String,
    /// Where Grafana reads it, when it is one of the data source's AWS settings misplaced or
    /// misspelled: `secureJsonData.accessKey`, `jsonData.assumeRoleArn`.
    pub belongs: Option<&'static str>,
    /// It looks like a secret and sits outside `secureJsonData` (where Grafana keeps secrets
    /// encrypted): a tool should refuse such a file rather than carry on.
    pub misplaced_secret: bool,
}

impl fmt::Display for IgnoredSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.belongs, self.misplaced_secret) {
            (Some(home), true) => write!(
                f,
                "`{}` looks like a secret outside secureJsonData and is not read; it belongs in `{home}`",
                self.path
            ),
            (None, true) => write!(
                f,
                "`{}` looks like a secret outside secureJsonData and is not read; secrets belong in secureJsonData",
                self.path
            ),
            (Some(home), false) => {
                write!(f, "`{}` is not read; Grafana reads `{home}`", self.path)
            }
            (None, false) => write!(f, "`{}` is not a setting Grafana reads", self.path),
        }
    }
}

/// A data source's settings and the keys of its JSON that were not read
/// ([`DatasourceSettings::parse_json`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ParsedSettings {
    /// The settings.
    pub settings: DatasourceSettings,
    /// The keys Grafana would not read, in the order found.
    pub ignored: Vec<IgnoredSetting>,
}

impl ParsedSettings {
    /// The ignored keys that look like secrets outside `secureJsonData`.
    pub fn misplaced_secrets(&self) -> impl Iterator<Item = &IgnoredSetting> {
        self.ignored.iter().filter(|i| i.misplaced_secret)
    }
}

impl fmt::Debug for DatasourceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatasourceSettings")
            .field("auth_type", &self.auth_type)
            .field("profile", &self.profile)
            .field("assume_role_arn", &self.assume_role_arn)
            .field("external_id", &self.external_id)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("default_region", &self.default_region)
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("session_token", &self.session_token)
            .field("grafana_external_id", &self.grafana_external_id)
            .field(
                "use_per_datasource_external_id",
                &self.use_per_datasource_external_id,
            )
            .field("proxy", &self.proxy)
            .finish()
    }
}

impl DatasourceSettings {
    /// Settings of the given auth type, everything else unset.
    pub fn new(auth_type: AuthType) -> Self {
        Self {
            auth_type,
            ..Self::default()
        }
    }

    /// Reads Grafana's data source JSON (an object with `jsonData`, `secureJsonData` and
    /// optionally `database`). Unknown keys are ignored.
    ///
    /// Errors name the field (`jsonData.region`) or, for malformed JSON, the line and column;
    /// they never repeat a value from `secureJsonData`.
    pub fn from_json(text: &str) -> Result<Self, DatasourceError> {
        let mut value: Value = serde_json::from_str(text).map_err(|e| {
            // serde_json's syntax errors describe the grammar, never the content; still, only
            // the category and position are passed on.
            DatasourceError::settings(
                "json",
                format!(
                    "{} at line {} column {}",
                    syntax_category(&e),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let settings = Self::from_value(&value);
        // The parsed tree holds copies of the secrets; the settings keep their own, zeroized.
        wipe(&mut value);
        settings
    }

    /// Like [`from_json`](Self::from_json), and reports the keys Grafana would not read: a
    /// top-level key other than Grafana's own data source fields, a misspelled or misplaced
    /// AWS setting (`jsonData.access_key`, a flat `{"authType": …}`), a secret-looking key
    /// outside `secureJsonData`. Other plugins' `jsonData` keys are not reported.
    ///
    /// ```
    /// use awsauth_datasource::DatasourceSettings;
    /// let parsed = DatasourceSettings::parse_json(
    ///     r#"{"authType": "keys", "jsonData": {"assume_role_arn": "arn:aws:iam::1:role/r", "secretKey": "x"}}"#,
    /// ).unwrap();
    /// let report: Vec<String> = parsed.ignored.iter().map(|i| i.to_string()).collect();
    /// assert_eq!(report, [
    ///     "`authType` is not read; Grafana reads `jsonData.authType`",
    ///     "`jsonData.assume_role_arn` is not read; Grafana reads `jsonData.assumeRoleArn`",
    ///     "`jsonData.secretKey` looks like a secret outside secureJsonData and is not read; it belongs in `secureJsonData.secretKey`",
    /// ]);
    /// assert_eq!(parsed.misplaced_secrets().count(), 1);
    /// ```
    pub fn parse_json(text: &str) -> Result<ParsedSettings, DatasourceError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            DatasourceError::settings(
                "json",
                format!(
                    "{} at line {} column {}",
                    syntax_category(&e),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        Self::parse_value(&value)
    }

    /// [`parse_json`](Self::parse_json) for an already parsed value.
    pub fn parse_value(value: &Value) -> Result<ParsedSettings, DatasourceError> {
        let settings = Self::from_value(value)?;
        let ignored = value.as_object().map(ignored_keys).unwrap_or_default();
        Ok(ParsedSettings { settings, ignored })
    }

    /// Reads an already parsed data source JSON value; see [`from_json`](Self::from_json).
    pub fn from_value(value: &Value) -> Result<Self, DatasourceError> {
        let root = value.as_object().ok_or_else(|| {
            DatasourceError::settings("$", format!("expected an object, found {}", kind(value)))
        })?;
        let json_data = object_field(root, "jsonData")?;
        let secure = object_field(root, "secureJsonData")?;

        let text = |field: &str| -> Result<Option<String>, DatasourceError> {
            match &json_data {
                Some(map) => plain_string(map, "jsonData", field),
                None => Ok(None),
            }
        };
        let secret = |field: &str| -> Result<Option<SecretString>, DatasourceError> {
            match &secure {
                Some(map) => secret_string(map, field),
                None => Ok(None),
            }
        };

        let auth_type = match text("authType")? {
            Some(name) => AuthType::parse(&name)?,
            None => AuthType::Default,
        };
        let profile = match text("profile")? {
            Some(p) => Some(p),
            None => plain_string(root, "", "database")?,
        };

        let use_per_datasource_external_id = match &json_data {
            Some(map) => plain_bool(map, "jsonData", "usePerDatasourceExternalId")?,
            None => None,
        };
        let proxy_type = match text("proxyType")? {
            None => ProxyType::Env,
            Some(name) => match name.to_ascii_lowercase().as_str() {
                "env" => ProxyType::Env,
                "none" => ProxyType::None,
                "url" => ProxyType::Url,
                _ => {
                    return Err(DatasourceError::settings(
                        "jsonData.proxyType",
                        format!("unknown proxy type {name:?}; expected none, env or url"),
                    ));
                }
            },
        };

        Ok(Self {
            auth_type,
            profile,
            assume_role_arn: text("assumeRoleArn")?,
            external_id: text("externalId")?,
            endpoint: text("endpoint")?,
            region: text("region")?,
            default_region: text("defaultRegion")?,
            access_key: secret("accessKey")?.map(|k| k.expose_secret().trim().to_owned()),
            secret_key: secret("secretKey")?,
            session_token: secret("sessionToken")?,
            grafana_external_id: text("grafanaExternalId")?,
            use_per_datasource_external_id,
            proxy: DatasourceProxy {
                proxy_type,
                url: text("proxyUrl")?,
                username: text("proxyUsername")?,
                password: secret("proxyPassword")?,
            },
        })
    }

    /// The region to use: `region`, unless it is absent or `"default"`, then `defaultRegion`.
    pub fn resolved_region(&self) -> Option<&str> {
        match self.region.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() && r != "default" => Some(r),
            _ => self
                .default_region
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty() && *r != "default"),
        }
    }

    /// The assume-role ARN, if set and not blank.
    pub fn role_arn(&self) -> Option<&str> {
        nonblank(self.assume_role_arn.as_deref())
    }

    /// The data source's external id, if set and not blank.
    pub fn external_id(&self) -> Option<&str> {
        nonblank(self.external_id.as_deref())
    }

    /// The profile name, if set and not blank.
    pub fn profile_name(&self) -> Option<&str> {
        nonblank(self.profile.as_deref())
    }

    /// The external id `grafana_assume_role` sends: the data source's `grafanaExternalId`
    /// when `usePerDatasourceExternalId` is `true` and it is not blank, else `stack` (the
    /// server's external id) — Grafana's rule, so legacy data sources keep the stack's id even
    /// with a dormant `grafanaExternalId` stored.
    ///
    /// ```
    /// use awsauth_datasource::{AuthType, DatasourceSettings};
    /// let mut s = DatasourceSettings::new(AuthType::GrafanaAssumeRole);
    /// s.grafana_external_id = Some("ds-7".into());
    /// assert_eq!(s.grafana_assume_role_external_id(Some("stack-1")), Some("stack-1"));
    /// s.use_per_datasource_external_id = Some(true);
    /// assert_eq!(s.grafana_assume_role_external_id(Some("stack-1")), Some("ds-7"));
    /// ```
    pub fn grafana_assume_role_external_id<'a>(
        &'a self,
        stack: Option<&'a str>,
    ) -> Option<&'a str> {
        match (
            self.use_per_datasource_external_id,
            nonblank(self.grafana_external_id.as_deref()),
        ) {
            (Some(true), Some(own)) => Some(own),
            _ => nonblank(stack),
        }
    }
}

/// Grafana's own fields of a data source object (its API's shape), besides `jsonData`,
/// `secureJsonData` and `database`: never reported as ignored.
const ENVELOPE: [&str; 21] = [
    "id",
    "uid",
    "orgId",
    "name",
    "type",
    "typeName",
    "typeLogoUrl",
    "access",
    "url",
    "user",
    "basicAuth",
    "basicAuthUser",
    "withCredentials",
    "isDefault",
    "version",
    "readOnly",
    "secureJsonFields",
    "apiVersion",
    "jsonData",
    // Grafana's own legacy basic-auth fields (not AWS settings).
    "password",
    "basicAuthPassword",
];

/// The `jsonData` keys read, in Grafana's spelling.
const JSON_DATA_KEYS: [&str; 12] = [
    "authType",
    "profile",
    "assumeRoleArn",
    "externalId",
    "grafanaExternalId",
    "usePerDatasourceExternalId",
    "endpoint",
    "region",
    "defaultRegion",
    "proxyType",
    "proxyUrl",
    "proxyUsername",
];

/// The `secureJsonData` keys read.
const SECURE_KEYS: [&str; 4] = ["accessKey", "secretKey", "sessionToken", "proxyPassword"];

/// Other spellings people write for the secure keys (the AWS CLI's names among them).
const SECURE_ALIASES: [(&str, &str); 6] = [
    ("awsaccesskeyid", "accessKey"),
    ("accesskeyid", "accessKey"),
    ("awssecretaccesskey", "secretKey"),
    ("secretaccesskey", "secretKey"),
    ("awssessiontoken", "sessionToken"),
    ("token", "sessionToken"),
];

/// A key folded for comparison: lower case, without `_` and `-`.
fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The secure key `key` spells, if any.
fn secure_home(key: &str) -> Option<&'static str> {
    let folded = fold(key);
    SECURE_KEYS
        .iter()
        .find(|k| fold(k) == folded)
        .copied()
        .or_else(|| {
            SECURE_ALIASES
                .iter()
                .find(|(alias, _)| *alias == folded)
                .map(|(_, k)| *k)
        })
}

/// The `jsonData` key `key` spells, if any (`assume_role_arn` → `assumeRoleArn`).
fn json_data_home(key: &str) -> Option<&'static str> {
    let folded = fold(key);
    JSON_DATA_KEYS.iter().find(|k| fold(k) == folded).copied()
}

/// Whether a key's name says it holds a secret.
fn looks_secret(key: &str) -> bool {
    let folded = fold(key);
    secure_home(key).is_some()
        || folded.contains("secret")
        || folded.contains("password")
        || folded.ends_with("token")
}

fn qualified(section: &'static str, key: &'static str) -> &'static str {
    // The homes are few and fixed; spelled out so the report can hold `&'static str`s.
    match (section, key) {
        ("secureJsonData", "accessKey") => "secureJsonData.accessKey",
        ("secureJsonData", "secretKey") => "secureJsonData.secretKey",
        ("secureJsonData", "sessionToken") => "secureJsonData.sessionToken",
        ("secureJsonData", "proxyPassword") => "secureJsonData.proxyPassword",
        ("jsonData", "authType") => "jsonData.authType",
        ("jsonData", "profile") => "jsonData.profile",
        ("jsonData", "assumeRoleArn") => "jsonData.assumeRoleArn",
        ("jsonData", "externalId") => "jsonData.externalId",
        ("jsonData", "grafanaExternalId") => "jsonData.grafanaExternalId",
        ("jsonData", "usePerDatasourceExternalId") => "jsonData.usePerDatasourceExternalId",
        ("jsonData", "endpoint") => "jsonData.endpoint",
        ("jsonData", "region") => "jsonData.region",
        ("jsonData", "defaultRegion") => "jsonData.defaultRegion",
        ("jsonData", "proxyType") => "jsonData.proxyType",
        ("jsonData", "proxyUrl") => "jsonData.proxyUrl",
        ("jsonData", "proxyUsername") => "jsonData.proxyUsername",
        _ => "jsonData",
    }
}

/// Every key of a data source object Grafana would not read (see
/// [`DatasourceSettings::parse_json`]).
fn ignored_keys(root: &Map<String, Value>) -> Vec<IgnoredSetting> {
    let mut ignored = Vec::new();
    let is = |key: &str, name: &str| key.eq_ignore_ascii_case(name);
    for (key, value) in root {
        if ENVELOPE.iter().any(|e| is(key, e)) || is(key, "secureJsonData") || is(key, "database") {
            continue;
        }
        let secure = secure_home(key);
        let belongs = secure
            .map(|k| qualified("secureJsonData", k))
            .or_else(|| json_data_home(key).map(|k| qualified("jsonData", k)));
        ignored.push(IgnoredSetting {
            path: key.clone(),
            belongs,
            misplaced_secret: looks_secret(key) && !value_is_blank(value),
        });
    }
    if let Some(Value::Object(json_data)) =
        root.iter().find(|(k, _)| is(k, "jsonData")).map(|(_, v)| v)
    {
        for (key, value) in json_data {
            if JSON_DATA_KEYS.iter().any(|k| is(key, k)) {
                continue;
            }
            if let Some(home) = secure_home(key) {
                ignored.push(IgnoredSetting {
                    path: format!("jsonData.{key}"),
                    belongs: Some(qualified("secureJsonData", home)),
                    misplaced_secret: !value_is_blank(value),
                });
            } else if let Some(home) = json_data_home(key) {
                ignored.push(IgnoredSetting {
                    path: format!("jsonData.{key}"),
                    belongs: Some(qualified("jsonData", home)),
                    misplaced_secret: false,
                });
            } else if looks_secret(key) && !value_is_blank(value) {
                ignored.push(IgnoredSetting {
                    path: format!("jsonData.{key}"),
                    belongs: None,
                    misplaced_secret: true,
                });
            }
            // Any other key is another plugin's (CloudWatch's `logsTimeout`, …): not ours.
        }
    }
    if let Some(Value::Object(secure)) = root
        .iter()
        .find(|(k, _)| is(k, "secureJsonData"))
        .map(|(_, v)| v)
    {
        for key in secure.keys() {
            if SECURE_KEYS.iter().any(|k| is(key, k)) {
                continue;
            }
            ignored.push(IgnoredSetting {
                path: format!("secureJsonData.{key}"),
                belongs: secure_home(key).map(|k| qualified("secureJsonData", k)),
                misplaced_secret: false,
            });
        }
    }
    ignored
}

fn value_is_blank(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
}

pub(crate) fn nonblank(value: Option<&str>) -> Option<&str> {
    value.and_then(awsauth_core::nonblank)
}

fn syntax_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Data => "unexpected value",
    }
}

/// Overwrites every string of a parsed tree with zeros before it is freed (object keys are
/// field names, not secrets, and cannot be changed in place).
fn wipe(value: &mut Value) {
    use zeroize::Zeroize;
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The value under `name`, matched case-insensitively like Go's `encoding/json`. When several
/// spellings occur (`assumeRoleARN` and `assumeRoleArn`), the non-blank ones must agree.
fn lookup<'a>(
    map: &'a Map<String, Value>,
    parent: &str,
    name: &str,
) -> Result<Option<(&'a str, &'a Value)>, DatasourceError> {
    let mut found: Option<(&str, &Value)> = None;
    for (key, value) in map.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)) {
        let blank = |v: &Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
        match found {
            None => found = Some((key, value)),
            Some((_, previous)) if blank(previous) => found = Some((key, value)),
            Some(_) if blank(value) => {}
            Some((other, previous)) if previous != value => {
                return Err(DatasourceError::settings(
                    path(parent, name),
                    format!("both `{other}` and `{key}` are set and differ; keep one"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(found)
}

fn path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn object_field<'a>(
    root: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, DatasourceError> {
    match lookup(root, "", name)? {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::Object(map))) => Ok(Some(map)),
        Some((key, other)) => Err(DatasourceError::settings(
            key,
            format!("expected an object, found {}", kind(other)),
        )),
    }
}

/// A non-secret string field; blank means absent.
fn plain_string(
    map: &Map<String, Value>,
    parent: &str,
    name: &str,
) -> Result<Option<String>, DatasourceError> {
    match lookup(map, parent, name)? {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::String(s))) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some((key, other)) => Err(DatasourceError::settings(
            path(parent, key),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

/// A boolean field (Go's `*bool`): absent or null is `None`.
fn plain_bool(
    map: &Map<String, Value>,
    parent: &str,
    name: &str,
) -> Result<Option<bool>, DatasourceError> {
    match lookup(map, parent, name)? {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::Bool(b))) => Ok(Some(*b)),
        Some((key, other)) => Err(DatasourceError::settings(
            path(parent, key),
            format!("expected true or false, found {}", kind(other)),
        )),
    }
}

/// A `secureJsonData` field: the error names the field and the JSON type, never the value.
fn secret_string(
    map: &Map<String, Value>,
    name: &str,
) -> Result<Option<SecretString>, DatasourceError> {
    const PARENT: &str = "secureJsonData";
    match lookup(map, PARENT, name)? {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::String(s))) => {
            Ok(Some(SecretString::from(s.as_str())).filter(|s| !s.is_blank()))
        }
        Some((key, other)) => Err(DatasourceError::settings(
            path(PARENT, key),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

impl<'de> serde::Deserialize<'de> for DatasourceSettings {
    /// Deserializes Grafana's data source JSON; see [`DatasourceSettings::from_json`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_default_falls_back() {
        let mut s = DatasourceSettings::new(AuthType::Default);
        assert_eq!(s.resolved_region(), None);
        s.default_region = Some("us-west-2".into());
        assert_eq!(s.resolved_region(), Some("us-west-2"));
        s.region = Some("default".into());
        assert_eq!(s.resolved_region(), Some("us-west-2"));
        s.region = Some("eu-north-1".into());
        assert_eq!(s.resolved_region(), Some("eu-north-1"));
    }

    #[test]
    fn duplicate_spellings_must_agree() {
        let err = DatasourceSettings::from_json(
            r#"{"jsonData": {"assumeRoleARN": "arn:a", "assumeRoleArn": "arn:b"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("jsonData.assumeRoleArn"), "{err}");
        let ok = DatasourceSettings::from_json(
            r#"{"jsonData": {"assumeRoleARN": "arn:a", "assumeRoleArn": ""}}"#,
        )
        .unwrap();
        assert_eq!(ok.role_arn(), Some("arn:a"));
    }
}
