// A scenario with dependencies; its tests take the environment or nothing and return `()` or a
// `Result`. The registrations the harness collects are checked.
use scenario_runtime::__private::{inventory, ScenarioRegistration, TestRegistration};
use scenario_runtime::prelude::*;

#[container(image = "postgres:16", ports = [5432], ready = port(5432))]
pub struct Db;

#[container(image = "redis:7", ports = [6379], ready = port(6379))]
pub struct Cache;

#[container(image = "busybox:1.35", ports = [8080], depends_on = [Db, Cache], ready = http(8080, "/health"))]
pub struct Web;

#[scenario(containers = [Db, Cache, Web])]
mod checkout {
    use super::*;

    #[test]
    async fn reads_the_url(env: &Env) -> TestResult {
        let _url = env.get::<Web>().url(8080, "/health")?;
        let _ = env.get::<Db>().host_port(5432)?;
        Ok(())
    }

    #[test]
    #[ignore = "slow"]
    async fn takes_nothing() {}

    #[test]
    async fn returns_any_error() -> Result<(), std::io::Error> {
        Ok(())
    }

    // Not a test: left as written.
    #[allow(dead_code)]
    async fn helper() {}
}

mod nested {
    use scenario_runtime::scenario;

    pub mod services {
        use scenario_runtime::prelude::*;

        #[container(image = "busybox:1.35")]
        pub struct Mailer;
    }

    #[scenario(containers = [services::Mailer, super::Db])]
    mod mail_flow {
        #[test]
        async fn sends(env: &Env) {
            let _ = env.get::<super::services::Mailer>();
        }
    }
}

fn main() {
    let scenarios: Vec<&ScenarioRegistration> = inventory::iter::<ScenarioRegistration>().collect();
    let checkout = scenarios.iter().find(|s| s.name == "checkout").expect("registered");
    assert_eq!(checkout.module_path, concat!(module_path!(), "::checkout"));
    let names: Vec<&str> = checkout.containers.iter().map(|c| c.name).collect();
    assert_eq!(names, ["db", "cache", "web"]);
    assert_eq!(checkout.containers[2].depends_on, ["db", "cache"]);
    let mail = scenarios.iter().find(|s| s.name == "mail_flow").expect("registered");
    assert_eq!(mail.module_path, concat!(module_path!(), "::nested::mail_flow"));

    let mut tests: Vec<(&str, bool)> = inventory::iter::<TestRegistration>()
        .filter(|t| t.module_path.ends_with("::checkout"))
        .map(|t| (t.name, t.ignored))
        .collect();
    tests.sort();
    assert_eq!(tests, [("reads_the_url", false), ("returns_any_error", false), ("takes_nothing", true)]);

    // The marker type and the `Env` alias are usable from outside.
    assert_eq!(<checkout::CheckoutScenario as scenario_runtime::ScenarioDef>::NAME, "checkout");
    let _: Option<checkout::Env> = None;
}
