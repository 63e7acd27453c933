//! The bearer token that calls to `gazette.v1.EntityExtractor` must carry, and [`Guard`], the
//! interceptor in front of that service: the token check (when a token is set), then
//! [`super::Deadlines`]. JSON over HTTP ([`super::http`]) runs the same check ([`Guard::check`]).
//!
//! Only the extraction service is guarded: health and reflection stay open, so that Kubernetes
//! probes and `grpcurl list/describe` work without credentials (they reveal the contract and
//! whether the server is up, nothing of the data). The token is read once at start; rotating it
//! means restarting the server. Reading the file belongs to the command line's start-up, the
//! transport (TLS) to [`crate::server`].

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::{Request, Status};

use crate::error::{Error, Result};

/// The expected token, kept only as its SHA-256 digest: a call's token is hashed and the two
/// digests compared in constant time, so neither the comparison's time nor a memory dump tells
/// the token.
#[derive(Clone)]
pub struct Token {
    digest: [u8; 32],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    /// Reads the token from `path`: one token, surrounding whitespace ignored.
    pub fn load(path: &Path) -> Result<Token> {
        let bad = |message: String| Error::Credentials { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read the token file: {e}")))?;
        Token::new(&text).map_err(bad)
    }

    /// The token `text` (trimmed); it must be printable ASCII without spaces, as an HTTP header
    /// carries it. The error does not quote the text.
    pub fn new(text: &str) -> std::result::Result<Token, String> {
        let token = text.trim();
        if token.is_empty() {
            return Err("the token file is empty: put one token in it (say, `openssl rand -hex 32`)".into());
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the token must be one word of printable ASCII (no spaces, no control or non-ASCII characters)".into());
        }
        Ok(Token { digest: Sha256::digest(token.as_bytes()).into() })
    }

    /// Whether `header`, an `authorization` value, is `Bearer <this token>` (the scheme in any
    /// case, RFC 6750). Allocates nothing.
    fn check(&self, header: Option<&[u8]>) -> std::result::Result<(), Status> {
        const SCHEME: &[u8] = b"bearer ";
        let token = header
            .filter(|h| h.len() > SCHEME.len() && h[..SCHEME.len()].eq_ignore_ascii_case(SCHEME))
            .map(|h| h[SCHEME.len()..].trim_ascii())
            .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer token"))?;
        let digest: [u8; 32] = Sha256::digest(token).into();
        if bool::from(digest.ct_eq(&self.digest)) {
            Ok(())
        } else {
            Err(Status::unauthenticated("invalid token"))
        }
    }
}

/// The interceptor of the `EntityExtractor` service: with a token, a call without the right
/// `authorization: Bearer` header gets UNAUTHENTICATED before its message is read; then the
/// call's deadline is read ([`super::Deadlines`]).
#[derive(Debug, Clone, Default)]
pub struct Guard {
    token: Option<Arc<Token>>,
    deadlines: super::Deadlines,
}

impl Guard {
    /// A guard that requires `token`, or only reads deadlines when there is none.
    pub fn new(token: Option<Token>, deadlines: super::Deadlines) -> Guard {
        Guard { token: token.map(Arc::new), deadlines }
    }
}

impl Guard {
    /// The token check, then the deadline, of a call with `headers`: what the interceptor
    /// does, for JSON over HTTP ([`super::http`]), which has the same headers.
    pub(crate) fn check(&self, headers: &http::HeaderMap) -> std::result::Result<Option<super::Deadline>, Status> {
        if let Some(token) = &self.token {
            token.check(headers.get("authorization").map(|v| v.as_bytes()))?;
        }
        self.deadlines.read(headers)
    }
}

impl tonic::service::Interceptor for Guard {
    fn call(&mut self, mut request: Request<()>) -> std::result::Result<Request<()>, Status> {
        if let Some(deadline) = self.check(request.metadata().as_ref())? {
            request.extensions_mut().insert(deadline);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a header gets: admitted, or refused with this message.
    type Outcome = std::result::Result<(), &'static str>;

    /// (name, authorization header, outcome) for the token "s3cret-token".
    const HEADERS: &[(&str, Option<&[u8]>, Outcome)] = &[
        ("right", Some(b"Bearer s3cret-token"), Ok(())),
        ("scheme in lower case", Some(b"bearer s3cret-token"), Ok(())),
        ("extra spaces", Some(b"Bearer   s3cret-token  "), Ok(())),
        ("missing", None, Err("missing authorization: Bearer token")),
        ("empty", Some(b""), Err("missing authorization: Bearer token")),
        ("scheme only", Some(b"Bearer "), Err("missing authorization: Bearer token")),
        ("basic scheme", Some(b"Basic s3cret-token"), Err("missing authorization: Bearer token")),
        ("no scheme", Some(b"s3cret-token"), Err("missing authorization: Bearer token")),
        ("wrong", Some(b"Bearer s3cret-tokem"), Err("invalid token")),
        ("prefix", Some(b"Bearer s3cret"), Err("invalid token")),
        ("longer", Some(b"Bearer s3cret-token2"), Err("invalid token")),
        ("blank token", Some(b"Bearer    "), Err("invalid token")),
        ("not UTF-8", Some(b"Bearer \xff\xfe"), Err("invalid token")),
    ];

    #[test]
    fn header_table() {
        let token = Token::new("  s3cret-token\n").unwrap();
        for &(name, header, want) in HEADERS {
            let got = token.check(header);
            match (got, want) {
                (Ok(()), Ok(())) => {}
                (Err(status), Err(message)) => {
                    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{name}");
                    assert_eq!(status.message(), message, "{name}");
                }
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    /// (name, file content, accepted).
    const FILES: &[(&str, &str, bool)] = &[
        ("plain", "abc", true),
        ("newline", "abc\n", true),
        ("empty", "", false),
        ("blank", " \n\t\n", false),
        ("two words", "abc def", false),
        ("non-ASCII", "abcé", false),
    ];

    #[test]
    fn file_table() {
        for &(name, text, ok) in FILES {
            assert_eq!(Token::new(text).is_ok(), ok, "{name}");
        }
    }

    #[test]
    fn debug_does_not_show_the_token() {
        assert_eq!(format!("{:?}", Token::new("abc").unwrap()), "Token(..)");
    }
}
