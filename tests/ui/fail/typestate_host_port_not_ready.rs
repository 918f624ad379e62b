// Only a Ready container hands out host ports.
use scenario_runtime::{Container, Started};

fn port_of(container: &Container<Started>) -> u16 {
    container.host_port(5432).unwrap()
}

fn main() {}
