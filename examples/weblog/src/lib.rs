//! weblog: the examples' realistic service. A small HTTP API for notes, stored in PostgreSQL and
//! cached in Redis, which the example scenario runs in containers and tests through HTTP.
//!
//! Configuration (environment):
//! - `PORT`: port to listen on, on 0.0.0.0 (default 8080);
//! - `DATABASE_URL`: `postgres://user:pass@host:5432/db` (required);
//! - `REDIS_URL`: `redis://host:6379` (required).
//!
//! On start it connects to both (retrying for up to 30 s), creates the `notes` table if missing,
//! then listens and prints `weblog listening on 0.0.0.0:PORT` on stdout. One line per request on
//! stdout; connection trouble on stderr. SIGTERM or SIGINT ends it at once (exit 0).
//!
//! | request               | answer                                                               |
//! |-----------------------|----------------------------------------------------------------------|
//! | `GET /health`         | 200 `ok` if Postgres (`SELECT 1`) and Redis (`PING`) answer, else 503 naming the failed ones (`redis: ...`) |
//! | `POST /notes`         | body = the note (UTF-8 text, at most 1 MiB): 201, body = new id, `location: /notes/{id}`; 400 not UTF-8, 413 too large |
//! | `GET /notes`          | 200, body = number of notes                                          |
//! | `GET /notes/{id}`     | 200 + note body, or 404; header `x-cache: hit` (from Redis key `note:{id}`), `miss` (read from Postgres, then cached), or `bypass` (Redis failed; read from Postgres) |
//! | `DELETE /notes/{id}`  | 204 if it existed, 404 if not; key `note:{id}` is deleted either way |
//!
//! A non-numeric id is 400, a known path with another method 405 (with `allow`), anything else
//! 404, a backend failure or timeout 503 naming the backend. Bodies are `text/plain`, no newline.

use std::convert::Infallible;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, LOCATION};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// How long start-up keeps retrying its connections to Postgres and Redis.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);
/// One connection attempt, and one backend call of a request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const BACKEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Health probes answer quickly or count as failed.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_NOTE_BYTES: usize = 1 << 20;
/// Cached notes expire, so a stale entry (a read racing a delete) does not live forever.
const CACHE_TTL_SECS: u64 = 300;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS notes (\
    id BIGSERIAL PRIMARY KEY, \
    body TEXT NOT NULL, \
    created_at TIMESTAMPTZ NOT NULL DEFAULT now())";

// ---------------------------------------------------------------------------------------------
// Configuration

#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    port: u16,
    database_url: String,
    redis_url: String,
}

impl Config {
    /// Reads the configuration through `var` (the environment in `main`, a map in tests).
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let port = match var("PORT").filter(|p| !p.trim().is_empty()) {
            None => 8080,
            Some(p) => p.trim().parse().map_err(|_| format!("PORT must be a port number, not {p:?}"))?,
        };
        let required =
            |name: &str| var(name).filter(|v| !v.trim().is_empty()).ok_or_else(|| format!("{name} is not set"));
        Ok(Config { port, database_url: required("DATABASE_URL")?, redis_url: required("REDIS_URL")? })
    }
}

// ---------------------------------------------------------------------------------------------
// Routing (pure)

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Health,
    CountNotes,
    CreateNote,
    GetNote(i64),
    DeleteNote(i64),
    /// `/notes/{id}` whose id is not a number.
    BadId,
    /// A known path, another method; the value is the `allow` header.
    MethodNotAllowed(&'static str),
    NotFound,
}

fn route(method: &Method, path: &str) -> Route {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    match segments.as_slice() {
        ["health"] => match *method {
            Method::GET => Route::Health,
            _ => Route::MethodNotAllowed("GET"),
        },
        ["notes"] => match *method {
            Method::GET => Route::CountNotes,
            Method::POST => Route::CreateNote,
            _ => Route::MethodNotAllowed("GET, POST"),
        },
        ["notes", id] => {
            let allowed = matches!(*method, Method::GET | Method::DELETE);
            match (allowed, parse_id(id)) {
                (false, _) => Route::MethodNotAllowed("GET, DELETE"),
                (true, None) => Route::BadId,
                (true, Some(id)) if *method == Method::GET => Route::GetNote(id),
                (true, Some(id)) => Route::DeleteNote(id),
            }
        }
        _ => Route::NotFound,
    }
}

/// Note ids are BIGSERIAL: positive, plain decimal digits.
fn parse_id(segment: &str) -> Option<i64> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse().ok().filter(|id| *id > 0)
}

fn cache_key(id: i64) -> String {
    format!("note:{id}")
}

// ---------------------------------------------------------------------------------------------
// Backends: one Postgres client and one multiplexed Redis connection, replaced when they break
// (a restarted dependency is picked up again by the next request).

#[derive(Debug)]
enum Failure {
    Postgres(String),
    Redis(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Postgres(e) => write!(f, "postgres: {e}"),
            Failure::Redis(e) => write!(f, "redis: {e}"),
        }
    }
}

/// An error and its causes on one line (tokio-postgres keeps the server's message in `source`).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

async fn timed<T, E: std::error::Error>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(chain(&e)),
        Err(_) => Err(format!("no answer within {} ms", limit.as_millis())),
    }
}

struct Postgres {
    config: tokio_postgres::Config,
    client: Mutex<Option<Arc<tokio_postgres::Client>>>,
}

impl Postgres {
    fn new(url: &str) -> Result<Postgres, String> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("DATABASE_URL: {}", chain(&e)))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("weblog");
        Ok(Postgres { config, client: Mutex::new(None) })
    }

    /// The open client, connecting first if there is none or it was closed.
    async fn client(&self) -> Result<Arc<tokio_postgres::Client>, String> {
        self.connect().await.map_err(|e| e.message)
    }

    async fn connect(&self) -> Result<Arc<tokio_postgres::Client>, StartError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        *slot = None;
        let (client, connection) =
            match tokio::time::timeout(CONNECT_TIMEOUT, self.config.connect(tokio_postgres::NoTls)).await {
                Ok(Ok(connected)) => connected,
                // Wrong credentials (SQLSTATE class 28) do not heal by waiting.
                Ok(Err(e)) => {
                    let retry = !e.code().is_some_and(|code| code.code().starts_with("28"));
                    return Err(StartError { message: chain(&e), retry });
                }
                Err(_) => return Err(format!("no answer within {} ms", CONNECT_TIMEOUT.as_millis()).into()),
            };
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("weblog: postgres connection closed: {}", chain(&e));
            }
        });
        let client = Arc::new(client);
        *slot = Some(client.clone());
        Ok(client)
    }

    async fn call<T, F, Fut>(&self, limit: Duration, f: F) -> Result<T, Failure>
    where
        F: FnOnce(Arc<tokio_postgres::Client>) -> Fut,
        Fut: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let run = async {
            let client = self.client().await?;
            timed(limit, f(client)).await
        };
        run.await.map_err(Failure::Postgres)
    }
}

struct Redis {
    client: redis::Client,
    connection: Mutex<Option<redis::aio::MultiplexedConnection>>,
}

impl Redis {
    fn new(url: &str) -> Result<Redis, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {}", chain(&e)))?;
        Ok(Redis { client, connection: Mutex::new(None) })
    }

    async fn connection(&self) -> Result<redis::aio::MultiplexedConnection, String> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(BACKEND_TIMEOUT));
        let connection =
            timed(CONNECT_TIMEOUT, self.client.get_multiplexed_async_connection_with_config(&config)).await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Runs one command; a broken connection is dropped so the next call reconnects.
    async fn query<T: redis::FromRedisValue>(&self, limit: Duration, cmd: &redis::Cmd) -> Result<T, Failure> {
        let mut connection = self.connection().await.map_err(Failure::Redis)?;
        match tokio::time::timeout(limit, cmd.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                if e.is_unrecoverable_error() || e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                    *self.connection.lock().await = None;
                }
                Err(Failure::Redis(chain(&e)))
            }
            Err(_) => {
                *self.connection.lock().await = None;
                Err(Failure::Redis(format!("no answer within {} ms", limit.as_millis())))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The service

struct App {
    pg: Postgres,
    redis: Redis,
}

struct Reply {
    status: StatusCode,
    body: String,
    headers: Vec<(hyper::header::HeaderName, HeaderValue)>,
}

impl Reply {
    fn new(status: StatusCode, body: impl Into<String>) -> Reply {
        Reply { status, body: body.into(), headers: Vec::new() }
    }

    fn header(mut self, name: impl Into<hyper::header::HeaderName>, value: impl fmt::Display) -> Reply {
        let value = HeaderValue::from_str(&value.to_string()).expect("header values here are ASCII");
        self.headers.push((name.into(), value));
        self
    }

    fn cache(self, state: &str) -> Reply {
        self.header(hyper::header::HeaderName::from_static("x-cache"), state)
    }

    fn unavailable(failure: Failure) -> Reply {
        Reply::new(StatusCode::SERVICE_UNAVAILABLE, failure.to_string())
    }
}

impl App {
    async fn handle(&self, request: Request<Incoming>) -> Reply {
        let route = route(request.method(), request.uri().path());
        let result = match route {
            Route::Health => Ok(self.health().await),
            Route::CountNotes => self.count().await,
            Route::CreateNote => self.create(request.into_body()).await,
            Route::GetNote(id) => self.get(id).await,
            Route::DeleteNote(id) => self.delete(id).await,
            Route::BadId => Ok(Reply::new(StatusCode::BAD_REQUEST, "a note id is a positive integer")),
            Route::MethodNotAllowed(allow) => {
                Ok(Reply::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed").header(ALLOW, allow))
            }
            Route::NotFound => Ok(Reply::new(StatusCode::NOT_FOUND, "not found")),
        };
        result.unwrap_or_else(Reply::unavailable)
    }

    async fn health(&self) -> Reply {
        let ping = redis::cmd("PING");
        let (pg, redis) = tokio::join!(
            self.pg.call(HEALTH_TIMEOUT, |c| async move { c.simple_query("SELECT 1").await }),
            self.redis.query::<String>(HEALTH_TIMEOUT, &ping),
        );
        let failed: Vec<String> = [pg.err(), redis.err()].into_iter().flatten().map(|f| f.to_string()).collect();
        if failed.is_empty() {
            Reply::new(StatusCode::OK, "ok")
        } else {
            Reply::new(StatusCode::SERVICE_UNAVAILABLE, failed.join("; "))
        }
    }

    async fn count(&self) -> Result<Reply, Failure> {
        let row = self
            .pg
            .call(BACKEND_TIMEOUT, |c| async move { c.query_one("SELECT count(*) FROM notes", &[]).await })
            .await?;
        Ok(Reply::new(StatusCode::OK, row.get::<_, i64>(0).to_string()))
    }

    async fn create(&self, body: Incoming) -> Result<Reply, Failure> {
        let bytes = match Limited::new(body, MAX_NOTE_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return Ok(Reply::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("a note is at most {MAX_NOTE_BYTES} bytes"),
                ))
            }
            Err(e) => return Ok(Reply::new(StatusCode::BAD_REQUEST, format!("reading the body: {e}"))),
        };
        let Ok(text) = String::from_utf8(bytes.to_vec()) else {
            return Ok(Reply::new(StatusCode::BAD_REQUEST, "a note is UTF-8 text"));
        };
        let row = self
            .pg
            .call(BACKEND_TIMEOUT, |c| async move {
                c.query_one("INSERT INTO notes (body) VALUES ($1) RETURNING id", &[&text]).await
            })
            .await?;
        let id: i64 = row.get(0);
        Ok(Reply::new(StatusCode::CREATED, id.to_string()).header(LOCATION, format!("/notes/{id}")))
    }

    async fn get(&self, id: i64) -> Result<Reply, Failure> {
        let key = cache_key(id);
        let cached = self.redis.query::<Option<String>>(BACKEND_TIMEOUT, redis::cmd("GET").arg(&key)).await;
        let cache_state = match cached {
            Ok(Some(body)) => return Ok(Reply::new(StatusCode::OK, body).cache("hit")),
            Ok(None) => "miss",
            Err(e) => {
                eprintln!("weblog: cache read of {key} failed, reading postgres: {e}");
                "bypass"
            }
        };
        let row = self
            .pg
            .call(BACKEND_TIMEOUT, |c| async move { c.query_opt("SELECT body FROM notes WHERE id = $1", &[&id]).await })
            .await?;
        let Some(row) = row else {
            return Ok(Reply::new(StatusCode::NOT_FOUND, format!("no note {id}")).cache(cache_state));
        };
        let body: String = row.get(0);
        if cache_state == "miss" {
            let set = redis::cmd("SET").arg(&key).arg(&body).arg("EX").arg(CACHE_TTL_SECS).to_owned();
            if let Err(e) = self.redis.query::<()>(BACKEND_TIMEOUT, &set).await {
                eprintln!("weblog: caching {key} failed: {e}");
            }
        }
        Ok(Reply::new(StatusCode::OK, body).cache(cache_state))
    }

    async fn delete(&self, id: i64) -> Result<Reply, Failure> {
        let deleted = self
            .pg
            .call(BACKEND_TIMEOUT, |c| async move { c.execute("DELETE FROM notes WHERE id = $1", &[&id]).await })
            .await?;
        // After the row is gone, so a concurrent read cannot re-cache it from the row.
        self.redis.query::<i64>(BACKEND_TIMEOUT, redis::cmd("DEL").arg(cache_key(id))).await.map_err(|e| match e {
            Failure::Redis(e) => {
                Failure::Redis(format!("{e} (postgres deleted {deleted} row(s); the cache key remains)"))
            }
            other => other,
        })?;
        Ok(match deleted {
            0 => Reply::new(StatusCode::NOT_FOUND, format!("no note {id}")),
            _ => Reply::new(StatusCode::NO_CONTENT, ""),
        })
    }
}

async fn serve(app: Arc<App>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let reply = app.handle(request).await;
    let cache = reply
        .headers
        .iter()
        .find(|(name, _)| name == "x-cache")
        .map(|(_, v)| format!(" x-cache={}", v.to_str().unwrap_or("?")))
        .unwrap_or_default();
    println!("{method} {path} {} {:.1}ms{cache}", reply.status.as_u16(), started.elapsed().as_secs_f64() * 1000.0);
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if reply.status != StatusCode::NO_CONTENT {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    }
    for (name, value) in reply.headers {
        headers.insert(name, value);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Start-up

/// A failed start-up step, and whether trying again may help.
struct StartError {
    message: String,
    retry: bool,
}

impl From<String> for StartError {
    fn from(message: String) -> StartError {
        StartError { message, retry: true }
    }
}

/// Retries `attempt` until it succeeds, fails for good, or the start-up deadline passes.
async fn with_retries<T, F, Fut>(what: &str, mut attempt: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StartError>>,
{
    let deadline = Instant::now() + STARTUP_DEADLINE;
    let mut pause = Duration::from_millis(100);
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(StartError { message, retry: false }) => return Err(format!("{what}: {message}")),
            Err(StartError { message, .. }) if Instant::now() + pause < deadline => {
                eprintln!("weblog: {what} not ready ({message}); retrying in {} ms", pause.as_millis());
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            Err(StartError { message, .. }) => {
                return Err(format!("{what}: {message} (gave up after {} s)", STARTUP_DEADLINE.as_secs()))
            }
        }
    }
}

async fn start(config: Config) -> Result<(), String> {
    let app = Arc::new(App { pg: Postgres::new(&config.database_url)?, redis: Redis::new(&config.redis_url)? });
    let pg_ready = with_retries("postgres", || async {
        let client = app.pg.connect().await?;
        Ok(timed(BACKEND_TIMEOUT, client.batch_execute(SCHEMA)).await?)
    });
    let redis_ready = with_retries("redis", || async {
        app.redis
            .query::<String>(BACKEND_TIMEOUT, &redis::cmd("PING"))
            .await
            .map_err(|e| StartError::from(e.to_string()))
    });
    let (pg, redis) = tokio::join!(pg_ready, redis_ready);
    pg?;
    redis?;

    let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], config.port)))
        .await
        .map_err(|e| format!("listening on 0.0.0.0:{}: {e}", config.port))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(config.port);
    // The line a scenario waits for: written and flushed before the first accept.
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "weblog listening on 0.0.0.0:{port}");
        let _ = stdout.flush();
    }

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("installing the SIGTERM handler: {e}"))?;
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    eprintln!("weblog: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| serve(app.clone(), request));
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                if !e.is_incomplete_message() {
                    eprintln!("weblog: connection error: {e}");
                }
            }
        });
    }
    println!("weblog stopping");
    Ok(())
}

/// Runs the service until SIGTERM or SIGINT; the examples package's `weblog` binary is this.
pub fn main() -> ExitCode {
    let config = match Config::from_vars(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("weblog: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("weblog: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(start(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("weblog: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn routes() {
        use Route::*;
        let cases = [
            (Method::GET, "/health", Health),
            (Method::POST, "/health", MethodNotAllowed("GET")),
            (Method::GET, "/notes", CountNotes),
            (Method::POST, "/notes", CreateNote),
            (Method::PUT, "/notes", MethodNotAllowed("GET, POST")),
            (Method::GET, "/notes/42", GetNote(42)),
            (Method::DELETE, "/notes/42", DeleteNote(42)),
            (Method::PATCH, "/notes/42", MethodNotAllowed("GET, DELETE")),
            (Method::GET, "/notes/abc", BadId),
            (Method::GET, "/notes/-1", BadId),
            (Method::GET, "/notes/0", BadId),
            (Method::GET, "/notes/+1", BadId),
            (Method::GET, "/notes/99999999999999999999", BadId),
            (Method::GET, "/notes/", BadId),
            (Method::GET, "/notes/1/x", NotFound),
            (Method::GET, "/", NotFound),
            (Method::GET, "/healthz", NotFound),
            (Method::GET, "/health/", NotFound),
        ];
        for (method, path, expected) in cases {
            assert_eq!(route(&method, path), expected, "{method} {path}");
        }
        assert_eq!(cache_key(7), "note:7");
    }

    #[test]
    fn config_from_vars() {
        let vars = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            move |name: &str| map.get(name).cloned()
        };
        let both = [("DATABASE_URL", "postgres://u:p@db:5432/app"), ("REDIS_URL", "redis://cache:6379")];
        let config = Config::from_vars(vars(&both)).unwrap();
        assert_eq!(config.port, 8080);
        assert_eq!(config.database_url, "postgres://u:p@db:5432/app");
        assert_eq!(config.redis_url, "redis://cache:6379");

        let with_port = [both[0], both[1], ("PORT", "9000")];
        assert_eq!(Config::from_vars(vars(&with_port)).unwrap().port, 9000);
        let bad_port = [both[0], both[1], ("PORT", "http")];
        assert!(Config::from_vars(vars(&bad_port)).unwrap_err().contains("PORT"));
        assert_eq!(Config::from_vars(vars(&both[..1])).unwrap_err(), "REDIS_URL is not set");
        assert_eq!(Config::from_vars(vars(&both[1..])).unwrap_err(), "DATABASE_URL is not set");
        // The URLs are accepted by the clients as given.
        assert!(Postgres::new(both[0].1).is_ok());
        assert!(Redis::new(both[1].1).is_ok());
    }
}
