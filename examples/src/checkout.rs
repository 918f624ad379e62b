//! The containers of the realistic example (tests/checkout.rs, benches/reuse.rs): the weblog
//! service on a real PostgreSQL and a real Redis, all three built from Dockerfile contexts.

use scenario_runtime::prelude::*;

/// PostgreSQL 15 (examples/images/postgres).
#[container(
    build = "images/postgres",
    env(POSTGRES_PASSWORD = "secret", POSTGRES_DB = "shop"),
    ports = [5432],
    ready = log("database system is ready to accept connections", timeout = "60s"),
    post_start = create_audit_table,
    drain = save_note_count,
)]
pub struct Db;

/// Redis 7 (examples/images/redis).
#[container(build = "images/redis", ports = [6379], ready = log("Ready to accept connections"))]
pub struct Cache;

/// The service under test; its image is built from the weblog binary cargo built next to the
/// running test or bench.
#[container(
    build = crate::weblog_context(crate::weblog_binary()),
    env(DATABASE_URL = "postgres://postgres:secret@db:5432/shop", REDIS_URL = "redis://cache:6379"),
    ports = [8080],
    depends_on = [Db, Cache],
    ready = http(8080, "/health"),
)]
pub struct Web;

/// Schema the service does not own: runs once per fresh database (not on `--reuse` attach).
async fn create_audit_table(db: &Container<Ready>) -> HookResult {
    let sql = "CREATE TABLE IF NOT EXISTS audit (at timestamptz NOT NULL DEFAULT now(), what text NOT NULL)";
    let out = db.exec(["psql", "-U", "postgres", "-d", "shop", "-v", "ON_ERROR_STOP=1", "-c", sql]).await?;
    if !out.success() {
        return Err(format!("creating the audit table: {}", out.stderr).into());
    }
    Ok(())
}

/// Leaves the number of notes next to the container logs, for whoever reads a failed run.
async fn save_note_count(db: &Container<Ready>) -> HookResult {
    let out = db.exec(["psql", "-U", "postgres", "-d", "shop", "-tAc", "SELECT count(*) FROM notes"]).await?;
    let dir = db.scope().artifacts_dir();
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("db-note-count.txt"), out.stdout)?;
    Ok(())
}
