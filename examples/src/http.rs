//! The example tests' HTTP client: hyper-util's client over a plain `HttpConnector`, with the
//! answer's body collected by http-body-util. Copy it freely; it is the usual hyper setup.

use std::collections::HashMap;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// An answer: status, headers (names lower-cased) and body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

pub async fn get(url: &str) -> std::io::Result<Response> {
    request("GET", url, "").await
}

pub async fn post(url: &str, body: &str) -> std::io::Result<Response> {
    request("POST", url, body).await
}

pub async fn delete(url: &str) -> std::io::Result<Response> {
    request("DELETE", url, "").await
}

/// A client for one request. Each scenario test runs on its own tokio runtime, and a client's
/// pooled connections are tasks of the runtime they were opened on, so a client kept across
/// tests could hand out a connection whose runtime is gone.
fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends `method url` with `body` (as text/plain) and reads the whole answer.
pub async fn request(method: &str, url: &str, body: &str) -> std::io::Result<Response> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {url}"));
    let uri: Uri = url.parse().map_err(|e| invalid(format!("not a URL ({e})")))?;
    let method: Method = method.parse().map_err(|e| invalid(format!("not a method ({e})")))?;
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(CONTENT_TYPE, HeaderValue::from_static("text/plain"))
        .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
        .map_err(|e| invalid(e.to_string()))?;
    let response = client().request(request).await.map_err(std::io::Error::other)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let body = response.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
    Ok(Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}
