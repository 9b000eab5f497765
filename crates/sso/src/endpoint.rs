//! The portal's and the OIDC service's endpoints: [`awsauth_http::endpoint`]'s rules, with
//! these two services' own generated host names.

use awsauth_core::Context;
use awsauth_http::endpoint::{
    EndpointError, EndpointSettings, Service, ServiceEndpoint, Variant, resolve_service_endpoint,
};

/// The IAM Identity Center portal (`GetRoleCredentials`): `AWS_ENDPOINT_URL_SSO`, key `sso`.
pub const PORTAL: Service = Service::new("SSO", "SSO", "sso");
/// SSO OIDC (`CreateToken`): `AWS_ENDPOINT_URL_SSO_OIDC`, key `sso_oidc`.
pub const OIDC: Service = Service::new("SSO OIDC", "SSO_OIDC", "sso_oidc");

/// True when the host needs its `-fips` label: FIPS asked for, except in GovCloud without
/// dual-stack, whose regular endpoints already are the FIPS ones (the endpoint rules keep the
/// plain host there).
fn fips_label(v: &Variant<'_>) -> bool {
    v.fips && (v.dual_stack || v.partition.name != "aws-us-gov")
}

/// `https://portal.sso[-fips].{region}.{suffix}`.
fn portal_url(v: &Variant<'_>) -> String {
    let host = if fips_label(v) {
        "portal.sso-fips"
    } else {
        "portal.sso"
    };
    format!("https://{host}.{}.{}", v.region, v.dns_suffix())
}

/// `https://oidc[-fips].{region}.{suffix}`.
fn oidc_url(v: &Variant<'_>) -> String {
    let host = if fips_label(v) { "oidc-fips" } else { "oidc" };
    format!("https://{host}.{}.{}", v.region, v.dns_suffix())
}

/// The portal's endpoint for `region`.
pub(crate) fn portal(
    cx: &Context,
    settings: &EndpointSettings,
    region: &str,
) -> Result<ServiceEndpoint, EndpointError> {
    resolve_service_endpoint(cx, &PORTAL, settings, region, portal_url)
}

/// The OIDC service's endpoint for `region`.
pub(crate) fn oidc(
    cx: &Context,
    settings: &EndpointSettings,
    region: &str,
) -> Result<ServiceEndpoint, EndpointError> {
    resolve_service_endpoint(cx, &OIDC, settings, region, oidc_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsauth_core::MapEnv;

    fn urls(region: &str, fips: bool, dual: bool) -> (String, String) {
        let mut settings = EndpointSettings::default();
        settings.use_fips = Some(fips);
        settings.use_dual_stack = Some(dual);
        let cx = Context::builder().build();
        (
            portal(&cx, &settings, region).unwrap().to_string(),
            oidc(&cx, &settings, region).unwrap().to_string(),
        )
    }

    /// The cases of botocore's endpoint-rule tests for `sso` and `sso-oidc`.
    #[test]
    fn generated_endpoints_follow_the_endpoint_rules() {
        let cases = [
            (
                "us-east-1",
                false,
                false,
                "https://portal.sso.us-east-1.amazonaws.com/",
                "https://oidc.us-east-1.amazonaws.com/",
            ),
            (
                "us-east-1",
                true,
                false,
                "https://portal.sso-fips.us-east-1.amazonaws.com/",
                "https://oidc-fips.us-east-1.amazonaws.com/",
            ),
            (
                "us-east-1",
                false,
                true,
                "https://portal.sso.us-east-1.api.aws/",
                "https://oidc.us-east-1.api.aws/",
            ),
            (
                "us-east-1",
                true,
                true,
                "https://portal.sso-fips.us-east-1.api.aws/",
                "https://oidc-fips.us-east-1.api.aws/",
            ),
            (
                "cn-north-1",
                false,
                false,
                "https://portal.sso.cn-north-1.amazonaws.com.cn/",
                "https://oidc.cn-north-1.amazonaws.com.cn/",
            ),
            (
                "cn-north-1",
                true,
                false,
                "https://portal.sso-fips.cn-north-1.amazonaws.com.cn/",
                "https://oidc-fips.cn-north-1.amazonaws.com.cn/",
            ),
            (
                "cn-north-1",
                false,
                true,
                "https://portal.sso.cn-north-1.api.amazonwebservices.com.cn/",
                "https://oidc.cn-north-1.api.amazonwebservices.com.cn/",
            ),
            (
                "us-gov-east-1",
                true,
                false,
                "https://portal.sso.us-gov-east-1.amazonaws.com/",
                "https://oidc.us-gov-east-1.amazonaws.com/",
            ),
            (
                "us-gov-east-1",
                true,
                true,
                "https://portal.sso-fips.us-gov-east-1.api.aws/",
                "https://oidc-fips.us-gov-east-1.api.aws/",
            ),
        ];
        for (region, fips, dual, portal, oidc) in cases {
            assert_eq!(
                urls(region, fips, dual),
                (portal.to_owned(), oidc.to_owned()),
                "{region} fips={fips} dual-stack={dual}"
            );
        }
    }

    #[test]
    fn each_service_has_its_own_variable() {
        let cx = Context::builder()
            .env(MapEnv::from([
                ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:1/portal"),
                ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:2/oidc"),
            ]))
            .build();
        let settings = EndpointSettings::default();
        assert_eq!(
            portal(&cx, &settings, "eu-west-1").unwrap().to_string(),
            "http://127.0.0.1:1/portal"
        );
        assert_eq!(
            oidc(&cx, &settings, "eu-west-1").unwrap().to_string(),
            "http://127.0.0.1:2/oidc"
        );
    }
}
