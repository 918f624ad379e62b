//! A scenario test binary driven by tests/tests/pool_harness.rs as a subprocess: tests that each
//! take a fresh `Cache` (pooled with `prestart = 2`), check it is fresh and reachable by its
//! alias from the scenario's other container, and one test that leaks its fresh container.
//! Each test prints `took test=<test> id=<id> alias=<alias> pool=<bool> ms=<time to ready>`.

use scenario_runtime::prelude::*;

#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www"],
    ports = [8080],
    ready = http(8080, "/ping"),
    prestart = 2,
)]
pub struct Cache;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "exec sleep 3600"])]
pub struct Client;

async fn use_fresh(env: &fresh_cache::Env, test: &str) -> TestResult {
    let cache = env.fresh::<Cache>().await?;
    println!(
        "took test={test} id={} alias={} pool={} ms={}",
        cache.id(),
        cache.alias(),
        cache.from_pool(),
        cache.took().as_millis()
    );
    // Fresh: no other test's marker, and not the scenario's own cache.
    let seen = cache.exec(["sh", "-c", "cat /www/marker 2>/dev/null || echo none"]).await?;
    if seen.stdout.trim() != "none" {
        return Err(format!("{test} got a used container: marker {:?}", seen.stdout.trim()).into());
    }
    if cache.id() == env.get::<Cache>().id() {
        return Err("got the scenario's shared cache".into());
    }
    cache.exec(["sh", "-c", &format!("echo {test} > /www/marker")]).await?;
    // Reachable by its alias from the scenario's other container.
    let url = format!("http://{}:8080/ping", cache.alias());
    let out = env.get::<Client>().exec(["wget", "-q", "-O-", &url]).await?;
    if out.stdout != "pong\n" {
        return Err(format!("{url} from client: exit {} {}", out.exit_code, out.combined_tail(5)).into());
    }
    cache.release().await?;
    Ok(())
}

#[scenario(containers = [Cache, Client])]
mod fresh_cache {
    use super::*;

    #[test]
    async fn first(env: &Env) -> TestResult {
        use_fresh(env, "first").await
    }

    #[test]
    async fn second(env: &Env) -> TestResult {
        use_fresh(env, "second").await
    }

    #[test]
    async fn third(env: &Env) -> TestResult {
        use_fresh(env, "third").await
    }

    /// Forgets its fresh container: the harness removes it when the test ends.
    #[test]
    async fn leaks(env: &Env) -> TestResult {
        let cache = env.fresh::<Cache>().await?;
        println!("leaked id={}", cache.id());
        std::mem::forget(cache);
        Ok(())
    }
}

scenario_runtime::main!();
