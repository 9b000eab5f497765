//! Values read from a file, a setting or the environment: when one counts as set
//! ([`nonblank`]), and how one is shown in an error, a plan or a log line ([`quoted`]).

use std::fmt;

/// The value trimmed of white space, or `None` when nothing is left: a blank setting is an
/// unset one, everywhere.
///
/// ```
/// use awsauth_core::nonblank;
/// assert_eq!(nonblank("  eu-west-1 "), Some("eu-west-1"));
/// assert_eq!(nonblank(" \t"), None);
/// ```
pub fn nonblank(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

/// Characters shown of a value's first line before it is cut with `…`.
pub const MAX_QUOTED_CHARS: usize = 100;

/// A value for an error, a plan or a log line: in double quotes, its first line only, at most
/// [`MAX_QUOTED_CHARS`] characters, control characters escaped.
///
/// Only the first line, because what follows a line break in a profile value is a
/// continuation line, which may be another setting run together with this one — an indented
/// `aws_secret_access_key = …` under `role_arn`. Every line break form counts (`\n`, `\r\n`, a
/// lone `\r`, and the vertical white space a terminal or log viewer may break at: `\x0b`,
/// `\x0c`, U+0085, U+2028, U+2029).
///
/// ```
/// use awsauth_core::quoted;
/// let value = "arn:aws:iam::123456789012:role/r\naws_secret_access_key = wJalr";
/// assert_eq!(quoted(value).to_string(), r#""arn:aws:iam::123456789012:role/r" (and 1 more line, not shown)"#);
/// assert_eq!(quoted("9\raws_secret_access_key = wJalr").to_string(), r#""9" (and 1 more line, not shown)"#);
/// assert_eq!(quoted("a\tb").to_string(), r#""a\tb""#);
/// ```
pub fn quoted(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// See [`quoted`].
#[derive(Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl Quoted<'_> {
    /// The first line of the value (uncut, unescaped).
    pub fn first_line(&self) -> &str {
        first_line(self.0).0
    }

    /// How many lines follow the first (never shown).
    pub fn more_lines(&self) -> usize {
        first_line(self.0).1
    }
}

/// The text before the first line break, and how many more lines follow.
fn first_line(value: &str) -> (&str, usize) {
    let end = value.find(is_line_break).unwrap_or(value.len());
    let (first, rest) = value.split_at(end);
    let mut breaks = 0usize;
    let mut after_cr = false;
    for c in rest.chars() {
        if c == '\n' && after_cr {
            after_cr = false;
            continue;
        }
        after_cr = c == '\r';
        if is_line_break(c) {
            breaks += 1;
        }
    }
    // The last break of a value that ends with one opens no line.
    let trailing = rest.ends_with(is_line_break);
    (first, breaks.saturating_sub(usize::from(trailing)))
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\x0b' | '\x0c' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether `c` is never shown as it is in an error, a plan or a log line: control characters,
/// line and paragraph separators, and the invisible marks that reorder or hide text (the
/// bidirectional overrides and isolates, LRM, RLM, the BOM). The one rule for [`quoted`] and
/// for the data source layer's tenant text.
///
/// ```
/// assert!(awsauth_core::must_escape('\u{202e}'));
/// assert!(!awsauth_core::must_escape('é'));
/// ```
pub fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{feff}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, more) = first_line(self.0);
        f.write_str("\"")?;
        for (i, c) in first.chars().enumerate() {
            if i == MAX_QUOTED_CHARS {
                f.write_str("…")?;
                break;
            }
            if c == '"' || c == '\\' || must_escape(c) {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_fmt(format_args!("{c}"))?;
            }
        }
        f.write_str("\"")?;
        match more {
            0 => Ok(()),
            1 => f.write_str(" (and 1 more line, not shown)"),
            n => write!(f, " (and {n} more lines, not shown)"),
        }
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_form_ends_the_first_line() {
        for (value, first, more) in [
            ("", "", 0),
            ("a", "a", 0),
            ("a\n", "a", 0),
            ("a\nb", "a", 1),
            ("a\r\nb\r\nc", "a", 2),
            ("a\rb", "a", 1),
            ("a\r", "a", 0),
            ("a\n\n", "a", 1),
            ("a\u{2028}b", "a", 1),
            ("a\u{85}b\x0bc\x0cd\u{2029}e", "a", 4),
        ] {
            let q = quoted(value);
            assert_eq!((q.first_line(), q.more_lines()), (first, more), "{value:?}");
        }
    }

    #[test]
    fn marks_that_reorder_text_are_escaped() {
        // "role/evil" shown as "role/live" by a right-to-left override, were it raw.
        let shown = quoted("arn:aws:iam::1:role/\u{202e}live\u{2066}").to_string();
        assert_eq!(shown, r#""arn:aws:iam::1:role/\u{202e}live\u{2066}""#);
        assert!(!shown.contains('\u{202e}'));
    }

    #[test]
    fn long_values_are_cut_and_control_characters_escaped() {
        let long = "x".repeat(150);
        let shown = quoted(&long).to_string();
        assert_eq!(
            shown.chars().filter(|&c| c == 'x').count(),
            MAX_QUOTED_CHARS
        );
        assert!(shown.ends_with("…\""));
        assert_eq!(quoted("a\u{1b}[2Jb\"c").to_string(), r#""a\u{1b}[2Jb\"c""#);
    }
}
