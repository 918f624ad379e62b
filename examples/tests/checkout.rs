//! A realistic scenario: the weblog service (src/bin/weblog.rs, built into an image by the
//! test run) on a real PostgreSQL and a real Redis, both built from Debian's packages.
//! `cargo test -p examples --test checkout`, `-- --reuse` to keep it running between runs.

use examples::{checks, http};
use scenario_runtime::prelude::*;

use examples::checkout::{Cache, Db, Web};

#[scenario(containers = [Db, Cache, Web])]
mod checkout {
    use super::*;

    #[test]
    async fn health_is_green(env: &Env) -> TestResult {
        checks::health_is_green(env.get::<Web>()).await
    }

    #[test]
    async fn a_note_is_written_to_postgres_and_read_through_redis(env: &Env) -> TestResult {
        let (id, body) = checks::note_round_trip(env.get::<Web>(), env.get::<Cache>()).await?;
        let row = env
            .get::<Db>()
            .exec(["psql", "-U", "postgres", "-d", "shop", "-tAc", &format!("SELECT body FROM notes WHERE id = {id}")])
            .await?;
        assert_eq!(row.stdout.trim(), body, "really in Postgres");
        Ok(())
    }

    #[test]
    async fn a_deleted_note_is_gone_from_both_stores(env: &Env) -> TestResult {
        let web = env.get::<Web>();
        let id = http::post(&web.url(8080, "/notes")?, &checks::unique("temporary")).await?.body.trim().to_string();
        http::get(&web.url(8080, &format!("/notes/{id}"))?).await?; // now cached
        let deleted = http::delete(&web.url(8080, &format!("/notes/{id}"))?).await?;
        assert_eq!(deleted.status, 204);
        assert_eq!(http::get(&web.url(8080, &format!("/notes/{id}"))?).await?.status, 404);
        let cached = env.get::<Cache>().exec(["redis-cli", "EXISTS", &format!("note:{id}")]).await?;
        assert_eq!(cached.stdout.trim(), "0");
        Ok(())
    }

    #[test]
    async fn the_audit_table_from_post_start_exists(env: &Env) -> TestResult {
        let out = env
            .get::<Db>()
            .exec(["psql", "-U", "postgres", "-d", "shop", "-tAc", "SELECT to_regclass('audit') IS NOT NULL"])
            .await?;
        assert_eq!(out.stdout.trim(), "t");
        Ok(())
    }
}

scenario_runtime::main!();
