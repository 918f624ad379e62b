//! What the weblog scenarios check, shared by the hand-written (tests/checkout.rs) and the
//! compose-file (tests/compose.rs) forms of the same environment.

use scenario_runtime::prelude::*;

use crate::http;

/// A text no other test run wrote (the environment may be shared or kept alive).
pub fn unique(text: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{text} {nanos}")
}

/// GET /health answers 200 `ok` (Postgres and Redis both reachable from the service).
pub async fn health_is_green(web: &Container<Ready>) -> TestResult {
    let health = http::get(&web.url(8080, "/health")?).await?;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    Ok(())
}

/// A note written through the service, read twice (a cache miss, then a hit) and found in
/// Redis under its key. Returns the note's id and body for further checks.
pub async fn note_round_trip(web: &Container<Ready>, cache: &Container<Ready>) -> Result<(String, String), BoxError> {
    let body = unique("buy milk");
    let created = http::post(&web.url(8080, "/notes")?, &body).await?;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body.trim().to_string();

    let first = http::get(&web.url(8080, &format!("/notes/{id}"))?).await?;
    assert_eq!((first.status, first.body.as_str(), first.header("x-cache")), (200, body.as_str(), Some("miss")));
    let second = http::get(&web.url(8080, &format!("/notes/{id}"))?).await?;
    assert_eq!((second.body.as_str(), second.header("x-cache")), (body.as_str(), Some("hit")));

    let cached = cache.exec(["redis-cli", "GET", &format!("note:{id}")]).await?;
    assert_eq!(cached.stdout.trim(), body);
    Ok((id, body))
}
