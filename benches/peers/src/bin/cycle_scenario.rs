//! One whole cycle with this project, as a user writes it: a scenario of one container (`one`)
//! or three started at once (`three`), one trivial test, the harness tearing down and exiting.
//! The benchmark selects the scenario with a test filter.

use scenario_runtime::prelude::*;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo service-ready; exec sleep 3600"], ports = [8080], ready = log("service-ready"))]
pub struct First;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo service-ready; exec sleep 3600"], ports = [8080], ready = log("service-ready"))]
pub struct Second;

#[container(image = "busybox:1.35", cmd = ["sh", "-c", "echo service-ready; exec sleep 3600"], ports = [8080], ready = log("service-ready"))]
pub struct Third;

#[scenario(containers = [First])]
mod one {
    use super::*;

    #[test]
    async fn port_is_published(env: &Env) -> TestResult {
        assert!(env.get::<First>().host_port(8080)? > 0);
        Ok(())
    }
}

#[scenario(containers = [First, Second, Third])]
mod three {
    use super::*;

    #[test]
    async fn ports_are_published(env: &Env) -> TestResult {
        assert!(env.get::<First>().host_port(8080)? > 0);
        assert!(env.get::<Second>().host_port(8080)? > 0);
        assert!(env.get::<Third>().host_port(8080)? > 0);
        Ok(())
    }
}

scenario_runtime::main!();
