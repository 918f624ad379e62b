//! A service's image: a reference, or a build context with its Dockerfile and arguments.

use super::super::file::{self, Build};
use super::super::text::Sites;
use super::values::pairs;
use super::{ImageModel, Location};

pub(super) fn image(
    service: &file::Service,
    computed: bool,
    location: &Location,
    sites: &Sites,
    problem: &mut impl FnMut(String),
) -> Option<ImageModel> {
    match (&service.image, &service.build) {
        (Some(_), Some(_)) => {
            problem(
                "it has both `image` and `build`; scenario tags the images it builds by their content \
                 (`scenario-build/<folder>:<hash>`), so remove `image`"
                    .into(),
            );
            None
        }
        (None, None) => {
            problem("it has neither `image` nor `build`".into());
            None
        }
        (Some(reference), None) => {
            if computed {
                problem("`build_context` names it, but it has no `build`".into());
            }
            Some(ImageModel::Reference(sites.text(reference)))
        }
        (None, Some(build)) => {
            let (context, dockerfile, args) = match build {
                Build::Context(context) => (Some(context.clone()), None, None),
                Build::Full { context, dockerfile, args } => (context.clone(), dockerfile.clone(), args.as_ref()),
            };
            let context = match sites.fixed(context.as_deref().unwrap_or("."), "the build context") {
                Ok(context) => context,
                Err(e) => {
                    problem(e);
                    return None;
                }
            };
            if context.contains("://") || context.starts_with("git@") {
                problem(format!("build context `{context}` is a URL; scenario builds from folders only"));
            }
            let mut build_args = Vec::new();
            for (key, value) in pairs("build.args", args, problem) {
                match value {
                    Some(value) => build_args.push((key, sites.text(&value))),
                    None => problem(format!("build argument `{key}` has no value")),
                }
            }
            Some(ImageModel::Build {
                context: location.resolve(&context),
                dockerfile: dockerfile.as_deref().map(|d| sites.text(d)),
                args: build_args,
            })
        }
    }
}
