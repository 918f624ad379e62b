// `crate = path` for a renamed runtime dependency.
extern crate scenario_runtime as rt;

use rt::ContainerDef;

#[rt::container(crate = ::rt, image = "busybox:1.35")]
struct Db;

#[rt::scenario(crate = rt, containers = [Db])]
mod renamed {
    #[test]
    async fn runs(env: &Env) {
        let _ = env.get::<super::Db>();
    }
}

fn main() {
    assert_eq!(Db::NAME, "db");
}
