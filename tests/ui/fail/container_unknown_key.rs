use scenario_runtime::prelude::*;

#[container(imag = "postgres:16", port = [5432], depend_on = [], volume_mounts = [])]
pub struct Db;

fn main() {}
