use scenario_runtime::prelude::*;

#[container(image = "postgres:16", ports = [0, 70000, "8080", PORT, 5432, 5432])]
pub struct Db;

const PORT: u16 = 1;

fn main() {}
