//! The realistic scenario again, from a compose file (examples/compose/docker-compose.yml):
//! PostgreSQL with a healthcheck and a named volume, Redis reached by a network alias, a one-shot
//! migration that web waits for, and the weblog service. `cargo test -p examples --test compose`.
//!
//! The containers are the file's services, typed: `env.get::<services::Web>()`. weblog's build
//! context holds the binary cargo built for this test, so it is made when the scenario starts;
//! `build_context` names it (the compose file cannot: its paths are fixed, this one is not).

use examples::http;
use scenario_runtime::prelude::*;

#[scenario(
    compose = "compose/docker-compose.yml",
    build_context(web = examples::weblog_context(env!("CARGO_BIN_EXE_weblog"))),
)]
mod compose_weblog {
    use super::*;

    fn unique(text: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        format!("{text} {nanos}")
    }

    #[test]
    async fn health_is_green(env: &Env) -> TestResult {
        let health = http::get(&env.get::<services::Web>().url(8080, "/health")?).await?;
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
        Ok(())
    }

    #[test]
    async fn a_note_is_read_twice_first_from_postgres_then_from_redis(env: &Env) -> TestResult {
        let web = env.get::<services::Web>();
        let body = unique("buy milk");
        let created = http::post(&web.url(8080, "/notes")?, &body).await?;
        assert_eq!(created.status, 201, "{created:?}");
        let id = created.body.trim().to_string();

        let first = http::get(&web.url(8080, &format!("/notes/{id}"))?).await?;
        assert_eq!((first.status, first.body.as_str(), first.header("x-cache")), (200, body.as_str(), Some("miss")));
        let second = http::get(&web.url(8080, &format!("/notes/{id}"))?).await?;
        assert_eq!((second.body.as_str(), second.header("x-cache")), (body.as_str(), Some("hit")));

        let cached = env.get::<services::Cache>().exec(["redis-cli", "GET", &format!("note:{id}")]).await?;
        assert_eq!(cached.stdout.trim(), body);
        Ok(())
    }

    #[test]
    async fn the_migration_ran_to_completion_before_web_started(env: &Env) -> TestResult {
        let sql = "SELECT to_regclass('audit') IS NOT NULL";
        let out = env.get::<services::Db>().exec(["psql", "-U", "postgres", "-d", "shop", "-tAc", sql]).await?;
        assert_eq!(out.stdout.trim(), "t", "{out:?}");
        // The job's container is kept until teardown, with the output it exited with.
        let logs = env.get::<services::Migrate>().logs().await?;
        assert!(logs.contains("CREATE TABLE"), "{logs}");
        Ok(())
    }

    #[test]
    async fn compose_settings_reach_the_containers(env: &Env) -> TestResult {
        let web = env.get::<services::Web>();
        assert_eq!(web.spec().labels.get("com.example.role").map(String::as_str), Some("service-under-test"));
        // env_file and environment together.
        let printed = web.exec(["sh", "-c", "echo $PORT $REDIS_URL"]).await?;
        assert_eq!(printed.stdout.trim(), "8080 redis://redis:6379");
        let user = env.get::<services::Migrate>().spec().user.clone();
        assert_eq!(user.as_deref(), Some("postgres"));
        Ok(())
    }
}

scenario_runtime::main!();
