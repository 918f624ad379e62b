//! The smallest scenario: one container, one test. `cargo test -p examples --test quickstart`.

use examples::http;
use scenario_runtime::prelude::*;

/// busybox's httpd serving one page.
#[container(
    image = "busybox:1.35",
    cmd = ["sh", "-c", "mkdir -p /www && echo 'hello from a container' > /www/index.html && exec httpd -f -p 8080 -h /www"],
    ports = [8080],
    ready = http(8080, "/index.html", timeout = "10s"),
)]
pub struct Hello;

#[scenario(containers = [Hello])]
mod quickstart {
    use super::*;

    #[test]
    async fn serves_the_page(env: &Env) -> TestResult {
        let page = http::get(&env.get::<Hello>().url(8080, "/index.html")?).await?;
        assert_eq!(page.status, 200);
        assert_eq!(page.body, "hello from a container\n");
        Ok(())
    }

    #[test]
    async fn answers_404_for_what_it_does_not_have(env: &Env) -> TestResult {
        let missing = http::get(&env.get::<Hello>().url(8080, "/nothing-here")?).await?;
        assert_eq!(missing.status, 404);
        Ok(())
    }
}

scenario_runtime::main!();
