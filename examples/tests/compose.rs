//! The realistic scenario again, from a compose file (examples/compose/docker-compose.yml):
//! PostgreSQL with a healthcheck and a named volume, Redis reached by a network alias, a one-shot
//! migration that web waits for, and the weblog service. `cargo test -p examples --test compose`.
//!
//! The containers are the file's services, typed: `env.get::<services::Web>()`. weblog's build
//! context holds the binary cargo built for this test, so it is made when the scenario starts;
//! `build_context` names it (the compose file cannot: its paths are fixed, this one is not).

use examples::checks;
use scenario_runtime::prelude::*;

#[scenario(
    compose = "compose/docker-compose.yml",
    build_context(web = examples::weblog_context(env!("CARGO_BIN_EXE_weblog"))),
)]
mod compose_weblog {
    use super::*;

    #[test]
    async fn health_is_green(env: &Env) -> TestResult {
        checks::health_is_green(env.get::<services::Web>()).await
    }

    #[test]
    async fn a_note_is_read_twice_first_from_postgres_then_from_redis(env: &Env) -> TestResult {
        checks::note_round_trip(env.get::<services::Web>(), env.get::<services::Cache>()).await?;
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
        assert_eq!(web.spec().labels().get("com.example.role").map(String::as_str), Some("service-under-test"));
        // env_file and environment together.
        let printed = web.exec(["sh", "-c", "echo $PORT $REDIS_URL"]).await?;
        assert_eq!(printed.stdout.trim(), "8080 redis://redis:6379");
        // `${DB_PASSWORD:-secret}` resolved at the start; `container_name` is a name on the network.
        let database = web.exec(["sh", "-c", "echo $DATABASE_URL"]).await?;
        assert_eq!(database.stdout.trim(), "postgres://postgres:secret@shop-db:5432/shop");
        let user = env.get::<services::Migrate>().spec().user_name().map(String::from);
        assert_eq!(user.as_deref(), Some("postgres"));
        Ok(())
    }
}

scenario_runtime::main!();
