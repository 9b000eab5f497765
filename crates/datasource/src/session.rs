//! [`SessionCache`]: one session per distinct data source settings, bounded and O(1).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awsauth_core::{Clock, SystemClock};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{
    AuthSettings, CacheTotals, DatasourceError, DatasourceSettings, Session, SessionReport,
    SourceFactory, build_session,
};

/// A SHA-256 over every field that changes the outcome. Only the digest is kept, so the cache
/// holds no copy of a secret key or session token as a map key.
type Key = [u8; 32];

/// Slot indices are `u32` to keep nodes small; `NIL` marks "no neighbour".
const NIL: u32 = u32::MAX;

/// Default idle time after which an unused session is dropped.
pub const DEFAULT_IDLE_TTL: Duration = Duration::from_secs(30 * 60);
/// Default maximum number of sessions kept.
pub const DEFAULT_MAX_ENTRIES: usize = 10_000;

/// Sessions per data source, the way Grafana keeps one AWS session per data source settings.
///
/// [`get`](Self::get) checks the gate, then returns the session for these exact settings,
/// building it on first use. The key hashes **every** field that changes the outcome — auth
/// type, access key, secret key, session token, profile, ARN, external id, endpoint, region,
/// default region, the per-data-source external id and its switch, and the proxy (type, URL,
/// user name, password) — each length-prefixed, so editing any setting yields a new session at once
/// and no two different settings can share one.
///
/// Bounded: a session unused for the idle TTL is dropped, and beyond the maximum number of
/// entries the least recently used one goes. Lookups, inserts and evictions are O(1) (a hash
/// map over an intrusive LRU list). Time comes from the injected clock.
///
/// ```
/// # use std::{path::Path, sync::Arc};
/// # use awsauth_core::CredentialSource;
/// # use awsauth_datasource::*;
/// # #[derive(Debug)] struct Unused;
/// # impl SourceFactory for Unused {
/// #   fn profile(&self, _: Option<&str>, _: Option<&Path>, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
/// #   fn assume_role(&self, _: Arc<dyn CredentialSource>, _: AssumeRoleParams) -> Arc<dyn CredentialSource> { unimplemented!() }
/// # }
/// let cache = SessionCache::new(AuthSettings::new(), Arc::new(Unused));
/// let mut settings = DatasourceSettings::new(AuthType::Keys);
/// settings.access_key = Some("AKIDEXAMPLE".into());
/// settings.secret_key = Some("secret".into());
/// let a = cache.get(&settings).unwrap();
/// assert!(Arc::ptr_eq(&a, &cache.get(&settings).unwrap()));
/// settings.secret_key = Some("rotated".into());
/// assert!(!Arc::ptr_eq(&a, &cache.get(&settings).unwrap()));
/// ```
pub struct SessionCache {
    policy: AuthSettings,
    factory: Arc<dyn SourceFactory>,
    clock: Arc<dyn Clock>,
    idle_ttl: Duration,
    max_entries: usize,
    inner: Mutex<Lru>,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("policy", &self.policy)
            .field("factory", &self.factory)
            .field("idle_ttl", &self.idle_ttl)
            .field("max_entries", &self.max_entries)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl SessionCache {
    /// A cache with the system clock, a 30-minute idle TTL and at most 10,000 sessions.
    pub fn new(policy: AuthSettings, factory: Arc<dyn SourceFactory>) -> Self {
        Self {
            policy,
            factory,
            clock: Arc::new(SystemClock),
            idle_ttl: DEFAULT_IDLE_TTL,
            max_entries: DEFAULT_MAX_ENTRIES,
            inner: Mutex::new(Lru::default()),
        }
    }

    /// A cache whose sessions are built by the [`StandardFactory`](crate::StandardFactory):
    /// awsauth's real sources. Same defaults as [`new`](Self::new).
    ///
    /// ```
    /// use awsauth_datasource::{AuthSettings, SessionCache};
    /// let cache = SessionCache::standard(AuthSettings::new());
    /// assert!(cache.is_empty());
    /// ```
    pub fn standard(policy: AuthSettings) -> Self {
        Self::new(policy, crate::StandardFactory::shared())
    }

    /// Uses another clock (pass the context's, `cx.clock_handle()`).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Drops sessions unused for `ttl`.
    pub fn idle_ttl(mut self, ttl: Duration) -> Self {
        self.idle_ttl = ttl;
        self
    }

    /// Keeps at most `max` sessions (at least one, at most `u32::MAX - 1`).
    pub fn max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.clamp(1, (u32::MAX - 1) as usize);
        self
    }

    /// The policy every data source is checked against.
    pub fn policy(&self) -> &AuthSettings {
        &self.policy
    }

    /// The session for `settings`: the gate first, then the cached session for these exact
    /// settings, or a new one.
    pub fn get(&self, settings: &DatasourceSettings) -> Result<Arc<Session>, DatasourceError> {
        self.lookup(None, settings)
    }

    /// [`get`](Self::get), naming the data source (its uid or name) so that
    /// [`sessions`](Self::sessions) and the tracing spans of the session's upstream calls
    /// carry the label. Data sources with identical settings share one session, which keeps
    /// the first label. The label is the operator's; it must not be a secret.
    pub fn get_labeled(
        &self,
        label: &str,
        settings: &DatasourceSettings,
    ) -> Result<Arc<Session>, DatasourceError> {
        self.lookup(Some(label), settings)
    }

    fn lookup(
        &self,
        label: Option<&str>,
        settings: &DatasourceSettings,
    ) -> Result<Arc<Session>, DatasourceError> {
        self.policy.check(settings)?;
        let key = cache_key(settings);
        let now = self.clock.now();
        {
            let mut lru = self.lock();
            if let Some(session) = lru.touch(&key, now) {
                lru.totals.hits += 1;
                lru.evict(now, self.idle_ttl, self.max_entries);
                drop(lru);
                if let Some(label) = label {
                    session.label(label);
                }
                return Ok(session);
            }
        }
        // Built outside the lock: construction does no I/O, but the factory is foreign code.
        let session = Arc::new(build_session(settings, &self.policy, &*self.factory)?);
        if let Some(label) = label {
            session.label(label);
        }
        let mut lru = self.lock();
        lru.totals.misses += 1;
        let session = lru.insert(key, session, now);
        lru.evict(now, self.idle_ttl, self.max_entries);
        Ok(session)
    }

    /// What every cached session did, most recently used first: label, auth type, provenance,
    /// expiry, last refresh, last error (kind and message), upstream calls. No secret; one
    /// short lock for the list, then each session's own.
    ///
    /// ```
    /// # use std::{path::Path, sync::Arc};
    /// # use awsauth_core::CredentialSource;
    /// # use awsauth_datasource::*;
    /// # #[derive(Debug)] struct Unused;
    /// # impl SourceFactory for Unused {
    /// #   fn profile(&self, _: Option<&str>, _: Option<&Path>, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
    /// #   fn ec2_iam_role(&self) -> Arc<dyn CredentialSource> { unimplemented!() }
    /// #   fn default_chain(&self, _: &StsOptions) -> Arc<dyn CredentialSource> { unimplemented!() }
    /// #   fn assume_role(&self, _: Arc<dyn CredentialSource>, _: AssumeRoleParams) -> Arc<dyn CredentialSource> { unimplemented!() }
    /// # }
    /// let cache = SessionCache::new(AuthSettings::new(), Arc::new(Unused));
    /// let mut settings = DatasourceSettings::new(AuthType::Keys);
    /// settings.access_key = Some("AKIDEXAMPLE".into());
    /// settings.secret_key = Some("secret".into());
    /// cache.get_labeled("cloudwatch-prod", &settings).unwrap();
    /// cache.get_labeled("cloudwatch-prod", &settings).unwrap();
    /// let sessions = cache.sessions();
    /// assert_eq!(sessions[0].label.as_deref(), Some("cloudwatch-prod"));
    /// assert_eq!(sessions[0].auth_type, AuthType::Keys);
    /// let totals = cache.totals();
    /// assert_eq!((totals.sessions, totals.hits, totals.misses), (1, 1, 1));
    /// ```
    pub fn sessions(&self) -> Vec<SessionReport> {
        let sessions: Vec<Arc<Session>> = {
            let lru = self.lock();
            let mut list = Vec::with_capacity(lru.map.len());
            let mut index = lru.newest;
            while let Some(node) = lru.node(index) {
                if let Some(session) = &node.session {
                    list.push(Arc::clone(session));
                }
                index = node.older;
            }
            list
        };
        sessions.iter().map(|s| s.report()).collect()
    }

    /// Totals since the cache was made: lookups (hits, misses), upstream refreshes and
    /// failures (of evicted sessions too), evictions, and the sessions cached now.
    pub fn totals(&self) -> CacheTotals {
        let lru = self.lock();
        let (mut calls, mut failures) = (lru.totals.retired_calls, lru.totals.retired_failures);
        for node in &lru.nodes {
            if let Some(session) = &node.session {
                let (session_calls, session_failures) = session.upstream_counts();
                calls += session_calls;
                failures += session_failures;
            }
        }
        CacheTotals {
            sessions: lru.map.len() as u64,
            hits: lru.totals.hits,
            misses: lru.totals.misses,
            refreshes: calls.saturating_sub(failures),
            failures,
            evictions: lru.totals.evictions,
        }
    }

    /// Drops idle sessions now (they are also dropped as a side effect of [`get`](Self::get)).
    pub fn evict_idle(&self) {
        let now = self.clock.now();
        self.lock().evict(now, self.idle_ttl, self.max_entries);
    }

    /// How many sessions are cached.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when no session is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every session (counted as evictions).
    pub fn clear(&self) {
        let mut lru = self.lock();
        while lru.oldest != NIL {
            let index = lru.oldest;
            lru.remove(index);
        }
        let totals = lru.totals;
        *lru = Lru::default();
        lru.totals = totals;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // Every mutation of the LRU completes without calling foreign code, so a poisoned lock
        // cannot hold a half-updated list.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The cache key: every field that changes the built session, each tagged and length-prefixed.
pub(crate) fn cache_key(settings: &DatasourceSettings) -> Key {
    Sha256::digest(key_bytes(settings).as_slice()).into()
}

/// What [`cache_key`] hashes.
fn key_bytes(settings: &DatasourceSettings) -> Zeroizing<Vec<u8>> {
    // Laid out in one buffer and hashed in one call (many small `update` calls cost more than
    // the hashing). The buffer holds secrets, so it is wiped when dropped — and sized for
    // every field up front, so it never grows: a growing buffer leaves the old allocation, a
    // session token included, unwiped.
    let fields = [
        Some(settings.auth_type.as_str()),
        settings.access_key.as_deref(),
        settings.secret_key.as_ref().map(|s| s.expose_secret()),
        settings.session_token.as_ref().map(|s| s.expose_secret()),
        settings.profile.as_deref(),
        settings.assume_role_arn.as_deref(),
        settings.external_id.as_deref(),
        settings.endpoint.as_deref(),
        settings.region.as_deref(),
        settings.default_region.as_deref(),
        settings.grafana_external_id.as_deref(),
        settings
            .use_per_datasource_external_id
            .map(|on| if on { "true" } else { "false" }),
        Some(settings.proxy.proxy_type.as_str()),
        settings.proxy.url.as_deref(),
        settings.proxy.username.as_deref(),
        settings.proxy.password.as_ref().map(|p| p.expose_secret()),
    ];
    let size = fields
        .iter()
        .map(|f| 2 + f.map_or(0, |v| 8 + v.len()))
        .sum();
    let mut buffer = Zeroizing::new(Vec::with_capacity(size));
    let mut field = |tag: u8, value: Option<&str>| {
        buffer.push(tag);
        match value {
            None => buffer.push(0),
            Some(v) => {
                buffer.push(1);
                buffer.extend_from_slice(&(v.len() as u64).to_le_bytes());
                buffer.extend_from_slice(v.as_bytes());
            }
        }
    };
    for (tag, value) in (1u8..).zip(fields) {
        field(tag, value);
    }
    buffer
}

struct Node {
    key: Key,
    /// `None` once removed, so an evicted session is dropped at once, not when the slot is
    /// reused.
    session: Option<Arc<Session>>,
    /// Milliseconds since the Unix epoch (8 bytes instead of a 16-byte `SystemTime`).
    last_used: u64,
    /// Towards the most recently used end.
    newer: u32,
    /// Towards the least recently used end.
    older: u32,
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis().min(u128::from(u64::MAX)) as u64)
        .unwrap_or(0)
}

/// A slab of nodes linked from most to least recently used, indexed by a hash map.
struct Lru {
    map: HashMap<Key, u32>,
    nodes: Vec<Node>,
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
    totals: Totals,
}

/// Counters kept under the cache's lock (lookups take it anyway), and what evicted sessions
/// had counted.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    hits: u64,
    misses: u64,
    evictions: u64,
    retired_calls: u64,
    retired_failures: u64,
}

impl Default for Lru {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            nodes: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
            totals: Totals::default(),
        }
    }
}

impl Lru {
    fn node(&self, index: u32) -> Option<&Node> {
        self.nodes.get(index as usize)
    }

    fn node_mut(&mut self, index: u32) -> Option<&mut Node> {
        self.nodes.get_mut(index as usize)
    }

    fn touch(&mut self, key: &Key, now: SystemTime) -> Option<Arc<Session>> {
        let index = *self.map.get(key)?;
        self.unlink(index);
        self.push_newest(index);
        let node = self.node_mut(index)?;
        node.last_used = millis(now);
        node.session.clone()
    }

    /// Inserts unless another caller got there first; returns the session that is cached.
    fn insert(&mut self, key: Key, session: Arc<Session>, now: SystemTime) -> Arc<Session> {
        if let Some(existing) = self.touch(&key, now) {
            return existing;
        }
        let node = Node {
            key,
            session: Some(Arc::clone(&session)),
            last_used: millis(now),
            newer: NIL,
            older: NIL,
        };
        let index = match self.free.pop() {
            Some(i) => {
                if let Some(slot) = self.node_mut(i) {
                    *slot = node;
                }
                i
            }
            None => {
                // `max_entries` is capped below `u32::MAX`, so the slab never outgrows `u32`.
                let i = u32::try_from(self.nodes.len()).unwrap_or(NIL);
                self.nodes.push(node);
                i
            }
        };
        self.map.insert(key, index);
        self.push_newest(index);
        session
    }

    fn evict(&mut self, now: SystemTime, idle_ttl: Duration, max_entries: usize) {
        while self.oldest != NIL {
            let index = self.oldest;
            let Some(node) = self.node(index) else {
                break;
            };
            // A clock that went backwards makes nothing idle.
            let idle = Duration::from_millis(millis(now).saturating_sub(node.last_used));
            if idle < idle_ttl && self.map.len() <= max_entries {
                break;
            }
            self.remove(index);
        }
    }

    fn remove(&mut self, index: u32) {
        self.unlink(index);
        let Some(node) = self.node_mut(index) else {
            return;
        };
        let key = node.key;
        let session = node.session.take();
        self.map.remove(&key);
        if let Some(session) = session {
            self.totals.evictions += 1;
            let (calls, failures) = session.upstream_counts();
            self.totals.retired_calls += calls;
            self.totals.retired_failures += failures;
        }
        self.free.push(index);
        if self.map.is_empty() {
            // Give the memory back when the cache empties.
            self.nodes.clear();
            self.free.clear();
        }
    }

    fn unlink(&mut self, index: u32) {
        let (newer, older) = match self.node(index) {
            Some(n) => (n.newer, n.older),
            None => return,
        };
        match self.node_mut(newer) {
            Some(n) => n.older = older,
            None => self.newest = older,
        }
        match self.node_mut(older) {
            Some(n) => n.newer = newer,
            None => self.oldest = newer,
        }
        if let Some(n) = self.node_mut(index) {
            n.newer = NIL;
            n.older = NIL;
        }
    }

    fn push_newest(&mut self, index: u32) {
        let previous = self.newest;
        if let Some(n) = self.node_mut(index) {
            n.older = previous;
            n.newer = NIL;
        }
        match self.node_mut(previous) {
            Some(n) => n.newer = index,
            None => self.oldest = index,
        }
        self.newest = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_buffer_never_grows_so_no_copy_of_a_secret_is_left_unwiped() {
        // A real session token is ~1 KiB; the old 256-byte buffer grew (and freed the
        // allocation holding the secret key, unwiped) for every one of them.
        let token = "IQoJb3JpZ2luX2VjE".repeat(64);
        let json = format!(
            r#"{{"jsonData":{{"authType":"keys","assumeRoleArn":"arn:aws:iam::123456789012:role/r"}},
                "secureJsonData":{{"accessKey":"AKIDEXAMPLE","secretKey":"wJalrXUtnFEMI","sessionToken":"{token}"}}}}"#
        );
        let settings = DatasourceSettings::from_json(&json).unwrap();
        let bytes = key_bytes(&settings);
        assert!(bytes.len() > token.len());
        assert_eq!(bytes.capacity(), bytes.len());
    }
}
