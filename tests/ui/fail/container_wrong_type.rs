use scenario_runtime::prelude::*;

#[container(
    image = 16,
    ports = 5432,
    cmd = "postgres -c fsync=off",
    env = ["POSTGRES_PASSWORD=secret"],
    stop_timeout = 5,
    depends_on = ["cache"],
    labels(team = 7),
)]
pub struct Db;

fn main() {}
