//! The one fact about ARNs every source needs: which account one belongs to.

/// The account id inside an ARN (`arn:aws:sts::123456789012:assumed-role/…`,
/// `arn:aws:iam::123456789012:role/…`), if it is 12 digits.
///
/// ```
/// use awsauth_core::account_of_arn;
/// assert_eq!(account_of_arn("arn:aws:iam::123456789012:role/r"), Some("123456789012"));
/// assert_eq!(account_of_arn("arn:aws:iam::12345:role/r"), None);
/// assert_eq!(account_of_arn("not an arn"), None);
/// ```
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}
