use scenario_runtime::prelude::*;

#[container(image = "postgres:16")]
pub enum Db {
    Primary,
}

#[container(image = "postgres:16")]
pub union Raw {
    a: u32,
}

#[container(image = "postgres:16")]
pub fn db() {}

#[container(image = "postgres:16")]
pub struct Tuple(u8);

fn main() {}
