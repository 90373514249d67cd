//! Reading requests the way the platforms read them: parameters from the query string and from
//! a form, multipart or JSON body, merged; the access token from `access_token` or an
//! `Authorization: Bearer`/`OAuth` header (docs/platform-rules.md §1.6 "Access token placement").
//!
//! # Guarantees
//! - Nothing here panics on client input: every malformed value becomes a [`GraphError`] with
//!   code 100 naming the parameter, never echoing a secret.

use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::errors::GraphError;
use super::tokens::Secret;

/// Request parameters in arrival order (query first, then body); a later value of the same name
/// wins, as in Graph.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

/// Why a request body could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BodyError {
    #[error("the request body is not valid JSON: {0}")]
    Json(String),
    #[error("a JSON request body must be an object")]
    NotAnObject,
    #[error("the multipart body has no boundary")]
    NoBoundary,
    #[error("the request body is not valid UTF-8")]
    Utf8,
}

/// Names whose values are secrets: redacted in logs, never echoed.
pub const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "client_secret",
    "code",
    "code_verifier",
    "fb_exchange_token",
    "refresh_token",
    "token",
    "upload_token",
    "appsecret_proof",
];

impl Params {
    #[cfg(test)]
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// Query string plus body, as Graph merges them.
    pub fn from_request(
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, BodyError> {
        let mut pairs = query.map(parse_urlencoded).unwrap_or_default();
        pairs.extend(parse_body(headers, body)?);
        Ok(Self(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value, or `None`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn require(&self, name: &str) -> Result<&str, GraphError> {
        self.text(name)
            .ok_or_else(|| GraphError::param_required(name))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every pair whose name starts with `prefix` (for `attached_media[0]`-style fields).
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A Graph boolean: `true`/`false`/`1`/`0`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, GraphError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(GraphError::invalid_param(format!(
                    "Param {name} must be a boolean"
                ))),
            },
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, GraphError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => {
                v.trim().parse::<i64>().map(Some).map_err(|_| {
                    GraphError::invalid_param(format!("Param {name} must be an integer"))
                })
            }
        }
    }

    /// A list given either JSON-encoded (`["1","2"]`, `[1,2]`) or comma-separated (`1,2`)
    /// (docs/platform-rules.md §1.6 "List parameters": a server must accept both).
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, GraphError> {
        let Some(raw) = self.text(name) else {
            return Ok(None);
        };
        parse_list(raw)
            .map(Some)
            .ok_or_else(|| GraphError::invalid_param(format!("Param {name} must be a list")))
    }

    /// The token from `access_token` (query or body) or the `Authorization` header.
    pub fn token(&self, headers: &HeaderMap) -> Option<Secret> {
        self.text("access_token")
            .map(Secret::from)
            .or_else(|| header_token(headers))
    }
}

/// A list in either accepted spelling; `None` if it is JSON but not a list of scalars.
pub fn parse_list(raw: &str) -> Option<Vec<String>> {
    let trimmed = raw.trim();
    if trimmed.starts_with('[') {
        let Ok(Value::Array(items)) = serde_json::from_str::<Value>(trimmed) else {
            return None;
        };
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    } else {
        Some(
            trimmed
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }
}

/// `Authorization: Bearer <t>` or `Authorization: OAuth <t>`.
pub fn header_token(headers: &HeaderMap) -> Option<Secret> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "oauth") && !token.is_empty())
        .then(|| Secret::from(token))
}

pub fn parse_urlencoded(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Body parameters by content type; a body without a content type is read as a form, as
/// `curl -d` sends it.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let ctype = content_type(headers);
    if ctype.starts_with("application/json") {
        json_pairs(body)
    } else if ctype.starts_with("multipart/form-data") {
        let raw = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        multipart_pairs(raw, body)
    } else {
        let text = std::str::from_utf8(body).map_err(|_| BodyError::Utf8)?;
        Ok(parse_urlencoded(text))
    }
}

fn json_pairs(body: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| BodyError::Json(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(BodyError::NotAnObject);
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

/// Text fields of a `multipart/form-data` body (`curl -F`); file parts are skipped.
fn multipart_pairs(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or(BodyError::NoBoundary)?;
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut pairs = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part.strip_prefix("\r\n").unwrap_or(part);
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("");
        if disposition.contains("filename=") {
            continue;
        }
        let Some(name) = disposition
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim() == "name")
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        pairs.push((name, value.to_owned()));
    }
    Ok(pairs)
}

/// The path and query for the request log: the values of [`SECRET_PARAMS`], and any query
/// value or path segment `is_secret` recognises (a token under another name, or in the
/// path), replaced by `***`.
pub fn redacted_path_and_query(
    path: &str,
    query: Option<&str>,
    is_secret: impl Fn(&str) -> bool,
) -> String {
    let path = path
        .split('/')
        .map(|seg| if is_secret(seg) { "***" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path;
    };
    let shown: Vec<String> = parse_urlencoded(query)
        .into_iter()
        .map(|(k, v)| {
            let v = if SECRET_PARAMS.contains(&k.as_str()) || is_secret(&v) {
                "***".to_owned()
            } else {
                v
            };
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair(&k, &v);
            s.finish()
        })
        .collect();
    format!("{path}?{}", shown.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(ctype: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ctype).unwrap());
        h
    }

    #[test]
    fn lists_are_accepted_json_encoded_and_comma_separated() {
        for (raw, want) in [
            ("1,2,3", vec!["1", "2", "3"]),
            (" 1 , 2 ", vec!["1", "2"]),
            ("[\"1\",\"2\"]", vec!["1", "2"]),
            ("[17889615691921648,2]", vec!["17889615691921648", "2"]),
        ] {
            assert_eq!(parse_list(raw).unwrap(), want, "{raw}");
        }
        assert_eq!(parse_list("[{\"a\":1}]"), None);
        assert_eq!(parse_list("[1,"), None);
    }

    #[test]
    fn query_form_json_and_multipart_bodies_all_give_parameters() {
        let p = Params::from_request(
            Some("a=1&b=x%20y"),
            &headers("application/x-www-form-urlencoded"),
            b"b=2&c=3",
        )
        .unwrap();
        assert_eq!(
            (p.get("a"), p.get("b"), p.get("c")),
            (Some("1"), Some("2"), Some("3"))
        );

        let p = Params::from_request(
            None,
            &headers("application/json"),
            br#"{"children":["1","2"],"n":5,"t":true}"#,
        )
        .unwrap();
        assert_eq!(p.list("children").unwrap().unwrap(), vec!["1", "2"]);
        assert_eq!(p.int("n").unwrap(), Some(5));
        assert_eq!(p.bool("t").unwrap(), Some(true));

        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nabc#_\r\n--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--XyZ--\r\n";
        let p = Params::from_request(
            None,
            &headers("multipart/form-data; boundary=XyZ"),
            body.as_bytes(),
        )
        .unwrap();
        assert_eq!(p.get("code"), Some("abc#_"));
        assert_eq!(p.get("grant_type"), Some("authorization_code"));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(Params::from_request(None, &headers("application/json"), b"{nope").is_err());
        assert!(Params::from_request(None, &headers("application/json"), b"[1]").is_err());
        assert!(Params::from_request(None, &headers("multipart/form-data"), b"x").is_err());
        assert!(Params::from_request(None, &headers("text/plain"), &[0xff, 0xfe]).is_err());
        let p = Params::from_request(Some("x=%zz&&=&y"), &HeaderMap::new(), b"").unwrap();
        assert!(p.bool("x").is_err());
    }

    #[test]
    fn tokens_come_from_params_or_either_header_scheme() {
        let p = Params::from_pairs(vec![("access_token".into(), "T1".into())]);
        assert_eq!(p.token(&HeaderMap::new()).unwrap().expose(), "T1");
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer T2"));
        assert_eq!(Params::default().token(&h).unwrap().expose(), "T2");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("OAuth T3"));
        assert_eq!(Params::default().token(&h).unwrap().expose(), "T3");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert!(Params::default().token(&h).is_none());
    }

    #[test]
    fn secrets_are_redacted_from_logged_paths() {
        let shown = redacted_path_and_query(
            "/x",
            Some("access_token=SECRET&fields=id&client_secret=S2&code=C"),
            |_| false,
        );
        assert!(
            !shown.contains("SECRET") && !shown.contains("S2") && !shown.contains("=C"),
            "{shown}"
        );
        assert!(shown.contains("fields=id"));
    }

    #[test]
    fn known_secret_values_are_redacted_under_any_name_and_in_the_path() {
        let known = |v: &str| v == "IGAAStoken";
        let shown = redacted_path_and_query(
            "/graph.instagram.com/v23.0/IGAAStoken/media",
            Some("input_token=IGAAStoken&fields=id&note=IGAAStokenX"),
            known,
        );
        assert_eq!(
            shown,
            "/graph.instagram.com/v23.0/***/media?input_token=***&fields=id&note=IGAAStokenX"
        );
    }
}
