//! Which host names are AWS's own STS endpoints: the rule a server applies before it lets a
//! caller-chosen endpoint receive a request signed with the server's credentials.

use awsauth_http::endpoint::is_region_name;

/// The DNS suffixes of the AWS partitions' regular endpoints (the ones [`resolve_endpoint`]
/// generates).
///
/// [`resolve_endpoint`]: crate::resolve_endpoint
const PARTITION_SUFFIXES: &[&str] = &[
    "amazonaws.com",
    "amazonaws.com.cn",
    "c2s.ic.gov",
    "sc2s.sgov.gov",
    "csp.hci.ic.gov",
    "cloud.adc-e.uk",
    "amazonaws.eu",
];

/// The dual-stack suffixes (`sts.<region>.api.aws`, China's `api.amazonwebservices.com.cn`).
const DUAL_STACK_SUFFIXES: &[&str] = &["api.aws", "api.amazonwebservices.com.cn"];

/// Whether `host` is one of AWS's STS endpoints:
///
/// - the global `sts.amazonaws.com`;
/// - regional and FIPS: `sts.<region>.<partition suffix>`, `sts-fips.<region>.<suffix>`
///   (`amazonaws.com`, `amazonaws.com.cn`, the ISO and sovereign partitions);
/// - dual-stack: `sts[-fips].<region>.api.aws`, `sts.<region>.api.amazonwebservices.com.cn`;
/// - interface VPC endpoints: `<endpoint id>.sts[-fips].<region>.vpce.amazonaws.com(.cn)`.
///
/// The match is on whole labels, case-insensitive, with a trailing dot ignored;
/// `sts.us-east-1.amazonaws.com.attacker.example` is not an AWS host.
///
/// ```
/// use awsauth_sts::is_aws_sts_host;
/// assert!(is_aws_sts_host("sts.eu-west-1.amazonaws.com"));
/// assert!(is_aws_sts_host("sts-fips.us-east-1.amazonaws.com"));
/// assert!(is_aws_sts_host("sts.cn-north-1.amazonaws.com.cn"));
/// assert!(is_aws_sts_host("sts.eu-west-1.api.aws"));
/// assert!(is_aws_sts_host("vpce-0a1b2c3d-4e5f.sts.eu-west-1.vpce.amazonaws.com"));
/// assert!(!is_aws_sts_host("sts.attacker.example"));
/// assert!(!is_aws_sts_host("sts.eu-west-1.amazonaws.com.attacker.example"));
/// ```
pub fn is_aws_sts_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host == "sts.amazonaws.com" {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    // A VPC endpoint name: one label (the endpoint id) before the regular form, with `vpce`
    // between the region and the suffix.
    if let [id, service, region, "vpce", suffix @ ..] = labels.as_slice() {
        return id.starts_with("vpce-")
            && is_label(id)
            && is_sts_label(service)
            && is_region(region)
            && ["amazonaws.com", "amazonaws.com.cn"].contains(&suffix.join(".").as_str());
    }
    let [service, region, suffix @ ..] = labels.as_slice() else {
        return false;
    };
    let suffix = suffix.join(".");
    is_sts_label(service)
        && is_region(region)
        && (PARTITION_SUFFIXES.contains(&suffix.as_str())
            || DUAL_STACK_SUFFIXES.contains(&suffix.as_str()))
}

fn is_sts_label(label: &str) -> bool {
    matches!(label, "sts" | "sts-fips")
}

/// A region label: a region name with a hyphen, ending in a digit (`eu-west-1`).
fn is_region(label: &str) -> bool {
    is_region_name(label)
        && label.contains('-')
        && label.bytes().last().is_some_and(|b| b.is_ascii_digit())
}

fn is_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_hosts() {
        for host in [
            "sts.amazonaws.com",
            "STS.US-EAST-1.AMAZONAWS.COM",
            "sts.us-east-1.amazonaws.com.",
            "sts.us-gov-west-1.amazonaws.com",
            "sts-fips.us-gov-east-1.amazonaws.com",
            "sts.cn-northwest-1.amazonaws.com.cn",
            "sts.us-iso-east-1.c2s.ic.gov",
            "sts-fips.us-east-2.api.aws",
            "sts.cn-north-1.api.amazonwebservices.com.cn",
            "vpce-1a2b3c4d-5e6f7a8b.sts.us-east-1.vpce.amazonaws.com",
            "vpce-1a2b3c4d-5e6f7a8b-us-east-1a.sts.us-east-1.vpce.amazonaws.com",
        ] {
            assert!(is_aws_sts_host(host), "{host}");
        }
    }

    #[test]
    fn foreign_hosts() {
        for host in [
            "",
            ".",
            "sts.attacker.example",
            "sts.amazonaws.com.attacker.example",
            "sts.eu-west-1.amazonaws.com.attacker.example",
            "attacker.example.sts.eu-west-1.amazonaws.com",
            "sts.eu-west-1.attacker.amazonaws.com",
            "monitoring.eu-west-1.amazonaws.com",
            "sts.localhost",
            "sts.eu-west.amazonaws.com",
            "sts.127.0.0.1",
            "127.0.0.1",
            "evil.sts.us-east-1.vpce.amazonaws.com",
            "vpce-1.sts.us-east-1.vpce.attacker.example",
            "vpce-1.monitoring.us-east-1.vpce.amazonaws.com",
            "sts.us-east-1.api.aws.attacker.example",
            "sts.eu-west-1.amazonaws.com:443",
        ] {
            assert!(!is_aws_sts_host(host), "{host}");
        }
    }
}
