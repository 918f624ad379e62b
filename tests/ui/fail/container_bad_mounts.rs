use scenario_runtime::prelude::*;

#[container(image = "postgres:16", volumes = ["data", "data:/x:z", "data:relative"], tmpfs = ["run"])]
pub struct Db;

fn main() {}
