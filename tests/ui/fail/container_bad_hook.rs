use scenario_runtime::prelude::*;

fn not_async(_container: &Container<Ready>) -> HookResult {
    Ok(())
}

#[container(image = "postgres:16", post_start = not_async)]
pub struct Db;

fn main() {}
