use scenario_runtime::prelude::*;

#[container(
    image = "postgres:16",
    copy = ["sql/no-such-init.sql:/docker-entrypoint-initdb.d/init.sql", "fixtures/copy/init.sql:init.sql", "init.sql"],
)]
pub struct Db;

fn main() {}
