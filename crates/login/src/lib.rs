//! # awsauth-login
//!
//! Console sign-in credentials: the `login_session` profiles that `aws login` sets up.
//!
//! `aws login` signs a person in through the browser and leaves a token in the login token
//! cache: `~/.aws/login/cache/<hex SHA-256 of the session ARN>.json` (the directory is
//! `AWS_LOGIN_CACHE_DIRECTORY` when set). [`LoginSource`] reads it:
//!
//! - `accessToken` {`accessKeyId`, `secretAccessKey`, `sessionToken`, `accountId`,
//!   `expiresAt`} are the credentials; `refreshToken`, `clientId` and `dpopKey` (an EC P-256
//!   private key, PEM, SEC1 as `aws login` writes it or PKCS#8) renew them; `idToken` and
//!   `signInRegion` are optional. A missing or malformed field is an error naming the file
//!   and the field.
//! - Within 5 minutes of `expiresAt` (both SDKs' threshold) the credentials are renewed with
//!   the sign-in service's OAuth2 token call, `POST <endpoint>/v1/token` with the
//!   `refresh_token` grant and a DPoP proof ([`dpop`]: an ES256 JWT over the exact URL and
//!   method, signed with `dpopKey`), and the new tokens are written back atomically (mode
//!   0600), keeping every other field of the file.
//! - The endpoint follows the SDKs' service-specific rules (`AWS_ENDPOINT_URL_SIGNIN`, then
//!   `AWS_ENDPOINT_URL`, then the profile's `services` section and `endpoint_url`; see
//!   [`awsauth_http::endpoint`]), else `https://{region}.signin.aws.amazon.com`, the region
//!   being the token's `signInRegion`, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else the
//!   profile's `region`.
//! - The refresh token, the id token and the DPoP key are [`SecretString`](awsauth_core::SecretString)s:
//!   never in `Debug`, an error or a log.
#![forbid(unsafe_code)]

mod cache;
pub mod dpop;
mod source;
mod token;

pub use cache::{ENV_LOGIN_CACHE_DIRECTORY, LoginCacheError, cache_file_name, check_cache_file};
pub use source::{LoginSource, REFRESH_WINDOW, SIGNIN};
pub use token::{TokenResponse, parse_token_response};
