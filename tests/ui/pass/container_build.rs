// `build` as a folder of the crate, as an absolute folder, and as an expression.
use std::path::PathBuf;

use scenario_runtime::ImageSource;
use scenario_runtime::ContainerDef;
use scenario_runtime::prelude::*;

#[container(build = "images/postgres", dockerfile = "Dockerfile.test", build_args(VERSION = "16", "base.image" = "debian"))]
struct FromFolder;

#[container(build = "/srv/images/web")]
struct FromAbsolute;

mod contexts {
    pub fn prepared() -> std::path::PathBuf {
        std::env::temp_dir().join("prepared-context")
    }
}

#[container(build = contexts::prepared(), ports = [80], ready = port(80))]
struct FromCode;

fn main() {
    let ImageSource::Build(context) = FromFolder::spec().image().clone() else { panic!("not a build") };
    assert_eq!(context.dir(), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/images/postgres")));
    assert_eq!(context.dockerfile(), "Dockerfile.test");
    assert_eq!(context.args().get("VERSION").map(String::as_str), Some("16"));
    assert_eq!(context.args().get("base.image").map(String::as_str), Some("debian"));
    assert_eq!(FromFolder::NAME, "from_folder");

    let ImageSource::Build(context) = FromAbsolute::spec().image().clone() else { panic!("not a build") };
    assert_eq!(context.dir(), PathBuf::from("/srv/images/web"));

    let ImageSource::Build(context) = FromCode::spec().image().clone() else { panic!("not a build") };
    assert_eq!(context.dir(), contexts::prepared());
}
