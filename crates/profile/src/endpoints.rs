//! [`ProfileSet::service_endpoint`]: what a profile says about the endpoint of one service — its
//! `services` section, `endpoint_url`, `ignore_configured_endpoint_urls`, `use_fips_endpoint`
//! and `use_dualstack_endpoint` — as plain values ([`ProfileEndpoint`], core's type), for the
//! HTTP crate's endpoint rules (`awsauth_http::endpoint`) to weigh against the environment.

use awsauth_core::ProfileEndpoint;

use crate::model::ProfileSet;

/// The keys read here.
mod keys {
    pub(super) const SERVICES: &str = "services";
    pub(super) const ENDPOINT_URL: &str = "endpoint_url";
    pub(super) const IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "ignore_configured_endpoint_urls";
    pub(super) const USE_FIPS_ENDPOINT: &str = "use_fips_endpoint";
    pub(super) const USE_DUALSTACK_ENDPOINT: &str = "use_dualstack_endpoint";
}

impl ProfileSet {
    /// What profile `profile` says about the endpoint of the service whose key in a
    /// `[services]` section is `service_key` (`sso`, `sso_oidc`, `signin`, `sts`). A missing
    /// profile says nothing.
    ///
    /// ```
    /// use awsauth_profile::{FileKind, ProfileSet};
    /// let set = ProfileSet::parse(FileKind::Config, "/home/u/.aws/config", "
    /// [profile dev]
    /// services = local
    /// endpoint_url = https://everything.example.com
    /// [services local]
    /// sso =
    ///   endpoint_url = http://127.0.0.1:4566
    /// ").unwrap();
    /// let sso = set.service_endpoint("dev", "sso");
    /// assert_eq!(sso.service_endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
    /// assert_eq!(sso.endpoint_url.as_deref(), Some("https://everything.example.com"));
    /// assert_eq!(set.service_endpoint("dev", "sso_oidc").service_endpoint_url, None);
    /// ```
    pub fn service_endpoint(&self, profile: &str, service_key: &str) -> ProfileEndpoint {
        let mut config = ProfileEndpoint::new(profile);
        let Some(section) = self.profile(profile) else {
            return config;
        };
        let get = |key: &str| section.get(key).map(str::to_owned);
        config.endpoint_url = get(keys::ENDPOINT_URL);
        config.ignore_configured_endpoint_urls = get(keys::IGNORE_CONFIGURED_ENDPOINT_URLS);
        config.use_fips_endpoint = get(keys::USE_FIPS_ENDPOINT);
        config.use_dualstack_endpoint = get(keys::USE_DUALSTACK_ENDPOINT);
        if let Some(name) = section.get(keys::SERVICES) {
            config.services_section = Some(name.to_owned());
            match self.services(name) {
                Some(services) => {
                    config.service_endpoint_url = services
                        .property(service_key)
                        .and_then(|block| {
                            block
                                .sub_properties()
                                .into_iter()
                                .rev()
                                .find(|(key, _)| key.eq_ignore_ascii_case(keys::ENDPOINT_URL))
                                .map(|(_, value)| value.to_owned())
                        })
                        .filter(|v| !v.is_empty());
                }
                None => {
                    config.problem = Some(format!(
                        "profile \"{profile}\" is configured to use the services section, but \
                         the \"{}\" services configuration does not exist (no [services {}] \
                         in {})",
                        first_line(name),
                        first_line(name),
                        self.searched()
                    ));
                }
            }
        }
        config
    }
}

/// The first line of a value, at most 100 characters (continuation lines are never shown).
fn first_line(value: &str) -> String {
    awsauth_core::quoted(value)
        .first_line()
        .chars()
        .take(100)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::{FileKind, ProfileSet};

    #[test]
    fn every_key_is_read_from_the_selected_profile_and_a_missing_section_is_a_problem() {
        let set = ProfileSet::parse(
            FileKind::Config,
            "/c",
            "[profile dev]\nservices = gone\nuse_fips_endpoint = true\nuse_dualstack_endpoint = false\n\
             ignore_configured_endpoint_urls = false\n[profile ok]\nservices = s\n\
             [services s]\nsso_oidc =\n  endpoint_url = https://oidc.example.com\n",
        )
        .unwrap();
        let dev = set.service_endpoint("dev", "sso");
        assert_eq!(dev.use_fips_endpoint.as_deref(), Some("true"));
        assert_eq!(dev.use_dualstack_endpoint.as_deref(), Some("false"));
        assert_eq!(
            dev.ignore_configured_endpoint_urls.as_deref(),
            Some("false")
        );
        let problem = dev.problem.unwrap();
        assert!(
            problem.contains("\"gone\" services configuration does not exist"),
            "{problem}"
        );
        let ok = set.service_endpoint("ok", "sso_oidc");
        assert_eq!(
            ok.service_endpoint_url.as_deref(),
            Some("https://oidc.example.com")
        );
        assert_eq!(ok.problem, None);
        assert_eq!(
            set.service_endpoint("missing", "sso"),
            awsauth_core::ProfileEndpoint::new("missing")
        );
    }
}
