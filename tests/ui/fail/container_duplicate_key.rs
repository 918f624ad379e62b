use scenario_runtime::prelude::*;

#[container(image = "postgres:16", ports = [5432], ports = [5433], env(A = "1", A = "2"))]
pub struct Db;

fn main() {}
