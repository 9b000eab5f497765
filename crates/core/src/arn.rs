//! Small AWS wire facts every source shares: which account an ARN belongs to, which host
//! names are loopback.

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

/// `localhost`, 127.0.0.0/8 or `::1` (brackets allowed): the one loopback rule, for "plain
/// http only to loopback", "never proxy loopback" and "only a loopback Host header". A name
/// only; nothing is resolved.
///
/// ```
/// use awsauth_core::is_loopback_host;
/// assert!(is_loopback_host("127.0.0.2") && is_loopback_host("[::1]") && is_loopback_host("LocalHost"));
/// assert!(!is_loopback_host("169.254.169.254") && !is_loopback_host("localhost.example.com"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
