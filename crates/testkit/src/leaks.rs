//! The leak scan: is a secret anywhere in a text — as itself, encoded, or in part?
//!
//! A secret rarely leaks verbatim. It is base64-encoded inside a `Basic` header or a JWT,
//! hex-dumped with a body, percent-encoded into a query string or a form body, escaped into a
//! JSON string or a `Debug` quote, or cut short ("the first 20 characters"). [`SecretScan`]
//! looks for every one of those:
//!
//! | form | what is searched |
//! |---|---|
//! | `plain` | the secret itself |
//! | `base64`, `base64url` | the secret encoded at each of the three byte alignments (so it is found inside a longer encoded value too), padding or not |
//! | `hex`, `HEX` | lower- and upper-case hex of its bytes |
//! | `percent`, `percent-lower`, `form` | RFC 3986 percent-encoding (upper- and lower-case digits), `application/x-www-form-urlencoded` |
//! | `json`, `json-slash`, `debug` | JSON string escaping (`serde_json`, and with `\/`), Rust's `{:?}` escaping |
//! | `bytes` | the `Debug` of its bytes (`119, 74, 97, …`), the whole secret only |
//!
//! Every form but `bytes` is also searched in every window of [`WINDOW`] bytes, so a secret
//! quoted in part, truncated or split over two lines is still found. A secret must therefore
//! be at least [`WINDOW`] bytes long (shorter ones would hit innocent text).
//!
//! [`ISSUED_SECRET_MARKERS`] are prefixes of every secret the fakes of this crate issue
//! themselves (random, so a test cannot name them); they are searched as prefixes, in every
//! form (an encoded prefix is cut where the unknown rest begins).
//!
//! ```
//! use awsauth_testkit::SecretScan;
//!
//! let scan = SecretScan::new(["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]);
//! // base64 of "user:<secret>", as a Basic authorization header would carry it.
//! let header = "authorization: Basic dXNlcjp3SmFsclhVdG5GRU1JL0s3TURFTkcrYlB4UmZpQ1lFWEFNUExFS0VZ";
//! let leaks = scan.find(header);
//! assert_eq!(leaks[0].form, "base64");
//! assert!(scan.find("a truncated quote: wJalrXUtnFEMI/K7…").len() == 1);
//! assert!(scan.find("AKIDEXAMPLE resolved from env").is_empty());
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// The window every form is searched in: any run of this many bytes of a form is a hit.
pub const WINDOW: usize = 12;

/// Prefixes of every secret the fakes issue: STS keys and tokens, the instance role's keys,
/// IMDSv2 session tokens, IAM Identity Center role credentials and access / refresh tokens.
pub const ISSUED_SECRET_MARKERS: &[&str] = &[
    "sts-secret-",
    "sts-token-",
    "imds-secret-",
    "imds-token-",
    "imds-session-",
    "sso-secret-",
    "sso-session-token-",
    "sso-access-",
    "sso-refresh-",
];

/// One hit of a [`SecretScan`].
#[derive(Clone, PartialEq, Eq)]
pub struct Leak {
    /// The 1-based number of the line the secret was found on.
    pub line_number: usize,
    /// The whole line.
    pub line: String,
    /// Which of the scan's secrets (its index in the list given to [`SecretScan::new`]), or
    /// `None` for one of the [`ISSUED_SECRET_MARKERS`].
    pub secret: Option<usize>,
    /// The form it was found in (`plain`, `base64`, `hex`, …; see the module docs).
    pub form: &'static str,
}

impl fmt::Debug for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = match self.secret {
            Some(i) => format!("secret #{i}"),
            None => "an issued secret".to_owned(),
        };
        write!(
            f,
            "line {}: {which} ({}): {}",
            self.line_number, self.form, self.line
        )
    }
}

/// What is searched for one piece of a form: the secret's index (or `None`: a marker) and
/// the form's name.
type Origin = (Option<usize>, &'static str);

/// A set of secrets, prepared for searching texts (see the module docs for what is found).
#[derive(Clone)]
pub struct SecretScan {
    /// Every [`WINDOW`]-byte run of every form of every secret.
    windows: HashMap<[u8; WINDOW], Origin>,
    /// The first two bytes of every window: most positions of a text are ruled out by one
    /// lookup here, before any hashing.
    starts: Box<[bool]>,
    /// Searched whole: the `bytes` form, and every form of every marker.
    whole: Vec<(String, Origin)>,
}

impl fmt::Debug for SecretScan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The windows are the secrets themselves: never printed.
        f.debug_struct("SecretScan")
            .field("windows", &self.windows.len())
            .field("whole", &self.whole.len())
            .finish()
    }
}

impl SecretScan {
    /// A scan for `secrets` and for the [`ISSUED_SECRET_MARKERS`].
    ///
    /// # Panics
    ///
    /// When a secret is shorter than [`WINDOW`] bytes: it could not be searched for without
    /// hitting innocent text. Give test secrets the length (and the `/`, `+`, `=`) of real ones.
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut scan = Self {
            windows: HashMap::new(),
            starts: vec![false; 1 << 16].into_boxed_slice(),
            whole: Vec::new(),
        };
        for (index, secret) in secrets.into_iter().enumerate() {
            let secret = secret.as_ref();
            assert!(
                secret.len() >= WINDOW,
                "secret #{index} ({} bytes) is shorter than the {WINDOW}-byte window of the leak \
                 scan: make it as long as a real one",
                secret.len()
            );
            for (form, text) in forms(secret.as_bytes(), false) {
                scan.add_windows(text.as_bytes(), (Some(index), form));
            }
            scan.whole
                .push((bytes_debug(secret.as_bytes()), (Some(index), "bytes")));
        }
        for marker in ISSUED_SECRET_MARKERS {
            for (form, text) in forms(marker.as_bytes(), true) {
                scan.whole.push((text, (None, form)));
            }
        }
        let mut seen = HashSet::new();
        scan.whole.retain(|(text, _)| seen.insert(text.clone()));
        scan
    }

    fn add_windows(&mut self, form: &[u8], origin: Origin) {
        for window in form.windows(WINDOW) {
            let mut key = [0u8; WINDOW];
            key.copy_from_slice(window);
            self.starts[start_index(window)] = true;
            self.windows.entry(key).or_insert(origin);
        }
    }

    /// Every line of `text` that holds a secret, with the form it was found in (the first
    /// found per line).
    pub fn find(&self, text: &str) -> Vec<Leak> {
        text.lines()
            .enumerate()
            .filter_map(|(i, line)| {
                self.find_in_line(line).map(|(secret, form)| Leak {
                    line_number: i + 1,
                    line: line.to_owned(),
                    secret,
                    form,
                })
            })
            .collect()
    }

    fn find_in_line(&self, line: &str) -> Option<Origin> {
        let bytes = line.as_bytes();
        for window in bytes.windows(WINDOW) {
            if !self.starts[start_index(window)] {
                continue;
            }
            let mut key = [0u8; WINDOW];
            key.copy_from_slice(window);
            if let Some(origin) = self.windows.get(&key) {
                return Some(*origin);
            }
        }
        self.whole
            .iter()
            .find(|(needle, _)| line.contains(needle.as_str()))
            .map(|(_, origin)| *origin)
    }

    /// Panics, listing every leaking line, when `text` holds a secret — or when `text` has no
    /// line at all: a scan of nothing proves nothing (the capture was installed where the code
    /// did not run, or a callsite cached "never").
    #[track_caller]
    pub fn assert_clean(&self, what: &str, text: &str) {
        assert!(
            text.lines().any(|l| !l.trim().is_empty()),
            "{what}: nothing was captured, so the leak scan would prove nothing (was the \
             capture installed on the thread that ran the code?)"
        );
        let leaks = self.find(text);
        assert!(
            leaks.is_empty(),
            "{what}: {} line(s) leak a secret:\n{}",
            leaks.len(),
            leaks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn start_index(window: &[u8]) -> usize {
    (usize::from(window[0]) << 8) | usize::from(window[1])
}

/// The encoded forms of `secret`. With `prefix`, `secret` is only the start of the real secret:
/// an encoded character that depends on what follows is left out.
fn forms(secret: &[u8], prefix: bool) -> Vec<(&'static str, String)> {
    let mut out = vec![("plain", String::from_utf8_lossy(secret).into_owned())];
    for (form, engine) in [
        ("base64", &STANDARD_NO_PAD),
        ("base64url", &URL_SAFE_NO_PAD),
    ] {
        // At byte offset k of a longer value, the characters fully inside the secret are the
        // same whatever the neighbours are: encode behind k zero bytes, keep only those.
        for k in 0..3usize {
            let mut padded = vec![0u8; k];
            padded.extend_from_slice(secret);
            let encoded = engine.encode(&padded);
            let first = (8 * k).div_ceil(6);
            let last = (8 * (k + secret.len())) / 6;
            if let Some(inner) = encoded.get(first..last) {
                out.push((form, inner.to_owned()));
            }
        }
    }
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    out.push(("HEX", hex.to_uppercase()));
    out.push(("hex", hex));
    let percent = percent_encode(secret);
    out.push(("percent-lower", lower_escapes(&percent)));
    out.push(("percent", percent));
    out.push((
        "form",
        form_urlencoded::byte_serialize(secret).collect::<String>(),
    ));
    let text = String::from_utf8_lossy(secret);
    let json = serde_json::to_string(&text).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let slashed = json.replace('/', "\\/");
    out.push(("json", json));
    out.push(("json-slash", slashed));
    let debug = format!("{text:?}");
    out.push(("debug", debug.trim_matches('"').to_owned()));
    if prefix {
        // The last escape of a prefix may be cut mid-way by what follows ("%2" of "%2F"):
        // drop a trailing partial escape, and anything under four characters.
        for (_, text) in &mut out {
            while text.ends_with('%') || text.ends_with('\\') {
                text.pop();
            }
        }
        out.retain(|(_, text)| text.len() >= 4);
    }
    out
}

/// RFC 3986: every byte but the unreserved ones as `%XX`.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%2F` → `%2f`, leaving everything else.
fn lower_escapes(percent: &str) -> String {
    let mut out = String::with_capacity(percent.len());
    let mut after_percent = 0;
    for c in percent.chars() {
        if c == '%' {
            after_percent = 2;
            out.push(c);
        } else if after_percent > 0 {
            after_percent -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `[119, 74]` without the brackets, as `{:?}` of a byte slice prints it.
fn bytes_debug(bytes: &[u8]) -> String {
    let debug = format!("{bytes:?}");
    debug.trim_matches(['[', ']']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=??>";

    fn found(text: &str) -> Option<&'static str> {
        SecretScan::new([SECRET]).find(text).first().map(|l| l.form)
    }

    #[test]
    fn every_form_is_found_whole_and_in_part_at_every_alignment() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let url = base64::engine::general_purpose::URL_SAFE;
        assert_ne!(
            b64.encode(SECRET),
            url.encode(SECRET),
            "a secret with `+` or `/` in base64"
        );
        for prefix in ["", "a", "ab", "abc"] {
            let value = format!("{prefix}{SECRET}");
            // Windows without `+` or `/` are the same in both alphabets.
            for encoded in [b64.encode(&value), url.encode(&value)] {
                let form = found(&format!("x={encoded}"));
                assert!(
                    form.is_some_and(|f| f.starts_with("base64")),
                    "{prefix:?}: {form:?}"
                );
            }
        }
        assert_eq!(found(&format!("k={SECRET} end")), Some("plain"));
        assert_eq!(found(&SECRET[5..5 + WINDOW]), Some("plain"));
        let hex: String = SECRET.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(found(&hex[10..40]), Some("hex"));
        assert_eq!(found(&hex.to_uppercase()), Some("HEX"));
        assert_eq!(
            found("X-Amz-Security-Token=%2FK7MDENG%2BbPxRf"),
            Some("percent")
        );
        assert_eq!(found("q=%2fK7MDENG%2bbPxRf"), Some("percent-lower"));
        assert_eq!(found(r#"{"s":"nFEMI\/K7MDENG"}"#), Some("json-slash"));
        let bytes = format!("{:?}", SECRET.as_bytes());
        assert_eq!(found(&format!("Zeroizing({bytes})")), Some("bytes"));
        // Split over two lines: each part is a window.
        assert!(
            SecretScan::new([SECRET])
                .find(&format!("{}\n{}", &SECRET[..20], &SECRET[20..]))
                .len()
                == 2
        );
    }

    #[test]
    fn escaped_forms_of_quotes_and_controls_are_found() {
        let secret = "pa\"ss\\word-with-\u{1}";
        let scan = SecretScan::new([secret]);
        let json = serde_json::to_string(secret).unwrap();
        assert!(json.contains("\\u0001"));
        assert_eq!(scan.find(&format!("body={json}")).len(), 1);
        // Rust writes the control character `\u{1}`, JSON `\u0001`: both forms are searched.
        let debug = format!("{secret:?}");
        assert_eq!(scan.find(&debug[debug.len() - 14..]).len(), 1, "{debug}");
        assert_eq!(scan.find(&json[json.len() - 14..]).len(), 1, "{json}");
    }

    #[test]
    fn issued_secrets_are_found_by_their_prefix_in_any_form() {
        let scan = SecretScan::new(Vec::<String>::new());
        let issued = "sts-secret-00ff00ff00ff00ff";
        assert!(!scan.find(issued).is_empty());
        let b64 = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab"] {
            let text = b64.encode(format!("{prefix}{issued}"));
            assert_eq!(scan.find(&text)[0].secret, None, "{text}");
        }
        assert!(!scan.find("imds-session-%3D").is_empty());
    }

    #[test]
    fn innocent_text_is_not_a_leak() {
        let scan = SecretScan::new([SECRET]);
        for text in [
            "",
            "AKIDEXAMPLE resolved from env",
            "wJalrXUtnFE",
            "secret_access_key=<redacted> session_token=<redacted>",
            "arn:aws:iam::123456789012:role/reader",
        ] {
            assert!(scan.find(text).is_empty(), "{text}");
        }
    }

    #[test]
    #[should_panic(expected = "nothing was captured")]
    fn a_scan_of_nothing_fails() {
        SecretScan::new([SECRET]).assert_clean("empty capture", "\n  \n");
    }

    #[test]
    #[should_panic(expected = "shorter than the 12-byte window")]
    fn a_short_secret_is_refused() {
        let _ = SecretScan::new(["hunter2"]);
    }

    #[test]
    fn debug_of_a_scan_shows_no_secret() {
        let scan = SecretScan::new([SECRET]);
        assert!(scan.find(&format!("{scan:?}")).is_empty());
    }
}
