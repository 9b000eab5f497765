//! [`DatasourceSettings`]: one data source's AWS settings, read from Grafana's JSON.

use std::fmt;

use awsauth_core::SecretString;
use serde_json::{Map, Value};

use crate::{AuthType, DatasourceError};

/// One data source's AWS settings.
///
/// Read from Grafana's data source JSON with [`from_json`](Self::from_json): `jsonData`
/// {`authType`, `profile`, `assumeRoleArn`, `externalId`, `endpoint`, `defaultRegion`,
/// `region`} and `secureJsonData` {`accessKey`, `secretKey`, `sessionToken`}, plus the legacy
/// top-level `database` (the profile of old data sources). Keys match case-insensitively, as
/// Grafana's Go decoder does (`assumeRoleARN` and `assumeRoleArn` both occur). Blank values
/// count as absent.
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
