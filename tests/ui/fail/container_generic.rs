use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub struct Db<T> {
    inner: T,
}

#[container(image = "postgres:16")]
pub struct Cache<'a> {
    name: &'a str,
}

fn main() {}
