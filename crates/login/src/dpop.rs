//! DPoP proofs (RFC 9449) for the sign-in service's token call: an ES256 JWT with the key's
//! public JWK in its header and the request's method and exact URL in its claims, signed with
//! the session's `dpopKey`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::DecodePrivateKey;
use zeroize::Zeroizing;

/// An EC P-256 private key read from the cache's `dpopKey`. `Debug` shows nothing of it.
pub struct DpopKey {
    key: SigningKey,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DpopKey(** redacted **)")
    }
}

/// `dpopKey` is not an EC P-256 private key in PEM (SEC1 or PKCS#8). Says nothing of the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an EC P-256 private key in PEM (SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`)")]
pub struct BadDpopKey;

impl DpopKey {
    /// Reads a PEM key: SEC1 (`-----BEGIN EC PRIVATE KEY-----`, what `aws login` writes) or
    /// PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Literal `\n` sequences count as line breaks, as
    /// a key pasted into JSON by hand may have them.
    pub fn from_pem(pem: &str) -> Result<Self, BadDpopKey> {
        let pem = Zeroizing::new(pem.trim().replace("\\n", "\n"));
        let secret = p256::SecretKey::from_sec1_pem(&pem)
            .or_else(|_| p256::SecretKey::from_pkcs8_pem(&pem))
            .map_err(|_| BadDpopKey)?;
        Ok(Self {
            key: SigningKey::from(&secret),
        })
    }

    /// The public key as a JWK's `x` and `y`: base64url of the 32-byte affine coordinates.
    pub fn public_xy(&self) -> (String, String) {
        let point = self.key.verifying_key().as_affine().to_sec1_point(false);
        let bytes = point.as_bytes();
        // An uncompressed point is 0x04 || x (32) || y (32).
        let (x, y) = bytes
            .get(1..)
            .unwrap_or_default()
            .split_at(32.min(bytes.len().saturating_sub(1)));
        (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y))
    }

    /// A proof for one request: header `{"typ":"dpop+jwt","alg":"ES256","jwk":{…}}`, claims
    /// `{"jti","htm","htu","iat"}`, signature r‖s (64 bytes) in base64url.
    ///
    /// ```
    /// let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIImPrxP4tOYSNQTkUYfZXXANva+s4T0CRvCnt8k5H+NnoAoGCCqGSM49\nAwEHoUQDQgAE/CqO73XDdE4arUaxD7e+oJDR9O5EK3pNfVwaqs5AMPpmk0NVKKnQ\nYmI7rArmt8TSpntR0J+2kdY7HxQYxm+egg==\n-----END EC PRIVATE KEY-----\n";
    /// let key = awsauth_login::dpop::DpopKey::from_pem(pem).unwrap();
    /// let proof = key.proof("POST", "https://us-east-1.signin.aws.amazon.com/v1/token", 1_700_000_000, "jti-1");
    /// assert_eq!(proof.split('.').count(), 3);
    /// assert!(!format!("{key:?}").contains("MHcC"));
    /// ```
    pub fn proof(&self, htm: &str, htu: &str, iat: u64, jti: &str) -> String {
        let (x, y) = self.public_xy();
        let header = serde_json::json!({
            "typ": "dpop+jwt",
            "alg": "ES256",
            "jwk": {"kty": "EC", "x": x, "y": y, "crv": "P-256"},
        });
        let claims = serde_json::json!({"jti": jti, "htm": htm, "htu": htu, "iat": iat});
        let mut jwt = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: p256::ecdsa::Signature = self.key.sign(jwt.as_bytes());
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        jwt
    }
}

/// A UUIDv4 string from two random words (the proof's `jti`).
pub(crate) fn uuid_v4(a: u64, b: u64) -> String {
    let a = (a & !0xf000) | 0x4000; // version 4 in bits 12-15 of the third group
    let b = (b & !(0b11 << 62)) | (0b10 << 62); // the RFC 4122 variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}
