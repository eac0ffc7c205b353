//! The site's templates: the built-in ones (each replaceable by a file of the same name in the
//! repository's `site-templates/`), the environment that renders them, and template errors.

use std::path::Path;

use minijinja::Environment;
use serde::Serialize;

use crate::error::Error;

/// The default templates, replaced file by file by a repository's `site-templates/`.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../site-templates/base.html")),
    (
        "index.html",
        include_str!("../../site-templates/index.html"),
    ),
    ("list.html", include_str!("../../site-templates/list.html")),
    ("plan.html", include_str!("../../site-templates/plan.html")),
    (
        "_plan_table.html",
        include_str!("../../site-templates/_plan_table.html"),
    ),
    (
        "_pager.html",
        include_str!("../../site-templates/_pager.html"),
    ),
    (
        "_attention.html",
        include_str!("../../site-templates/_attention.html"),
    ),
    (
        "attention.html",
        include_str!("../../site-templates/attention.html"),
    ),
    ("hub.html", include_str!("../../site-templates/hub.html")),
    ("feed.xml", include_str!("../../site-templates/feed.xml")),
];

/// Static files, replaceable the same way (`site-templates/assets/…`).
pub(crate) const ASSETS: &[(&str, &str)] = &[
    (
        "assets/style.css",
        include_str!("../../site-templates/assets/style.css"),
    ),
    (
        "assets/app.js",
        include_str!("../../site-templates/assets/app.js"),
    ),
];

/// The template environment: the built-in templates, each replaceable by a file of the same
/// name in the repository's `site-templates/`.
pub(crate) fn environment(root: &Path) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    // `.xml` templates (the feed) escape for XML, dropping what XML 1.0 cannot carry.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".xml") {
            minijinja::AutoEscape::Custom("xml".into())
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), minijinja::AutoEscape::Custom(name) if name == "xml")
            && !value.is_safe()
        {
            let text = if value.is_none() || value.is_undefined() {
                String::new()
            } else {
                value.to_string()
            };
            return out
                .write_str(&crate::xml::escape(&text))
                .map_err(minijinja::Error::from);
        }
        // A text that carries its own direction controls (an override, an embedding) is set
        // apart from what follows it, so that a right-to-left override in one field cannot
        // reverse the next one on the same line (see `isolated`).
        if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
            && !value.is_safe()
            && let Some(text) = value.as_str()
            && let std::borrow::Cow::Owned(isolated) = crate::plan::model::isolated(text)
        {
            return minijinja::escape_formatter(out, state, &minijinja::Value::from(isolated));
        }
        minijinja::escape_formatter(out, state, value)
    });
    let dir = root.join("site-templates");
    for (name, default) in TEMPLATES {
        let relative = Path::new("site-templates").join(name);
        let source = match crate::repo::read_inside(root, &relative)? {
            Some(bytes) => String::from_utf8(bytes).map_err(|e| {
                Error::io(
                    &relative,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
                )
            })?,
            None => default.to_string(),
        };
        env.add_template_owned(name.to_string(), source)
            .map_err(|e| template_error(&dir, &e))?;
    }
    Ok(env)
}

/// Whether a template could show a plan's summary chart (`primary.chart` of a plan in a
/// list): none of the built-in ones does, but a repository's own template could, by name or
/// by printing a whole summary (`tojson`, `items`…), so any template that differs from the
/// built-in one counts.
pub(crate) fn shows_summary_charts(env: &Environment) -> bool {
    TEMPLATES
        .iter()
        .any(|(name, default)| env.get_template(name).is_ok_and(|t| t.source() != *default))
}

/// A serializable view as a template value.
pub(crate) fn v(value: &impl Serialize) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

pub(crate) fn render(
    env: &Environment,
    name: &str,
    ctx: minijinja::Value,
) -> Result<String, Error> {
    let template = env
        .get_template(name)
        .map_err(|e| template_error(Path::new("site-templates"), &e))?;
    template
        .render(ctx)
        .map_err(|e| template_error(Path::new("site-templates"), &e))
}

pub(crate) fn template_error(dir: &Path, e: &minijinja::Error) -> Error {
    let name = e.name().unwrap_or("template");
    Error::Config {
        path: dir.join(name),
        line: e.line().unwrap_or(1),
        column: 1,
        message: format!("template error: {}", e.detail().unwrap_or(&e.to_string())),
        help: "fix the template, or delete it from site-templates/ to use the built-in one".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value that carries its own direction controls is isolated from what follows it; one
    /// without them is written as it is, escaped.
    #[test]
    fn a_value_with_direction_controls_is_isolated() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = environment(dir.path()).unwrap();
        env.add_template_owned("t.html", "{{ a }} · {{ b }}".to_string())
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { a => "x\u{202e}<y>", b => "z" })
            .unwrap();
        assert_eq!(out, "\u{2068}x&lt;y&gt;\u{2069} · z");
        let scope = crate::plan::model::Scope {
            region: Some("EMEA".into()),
            territory: Some("\u{202e}abc".into()),
            role: Some("AE".into()),
            ..Default::default()
        };
        assert_eq!(scope.line(), "EMEA · \u{2068}abc\u{2069} · AE");
        // A stray pop isolate cannot close the isolate early.
        let scope = crate::plan::model::Scope {
            territory: Some("\u{2069}\u{202e}abc".into()),
            role: Some("AE".into()),
            ..Default::default()
        };
        assert_eq!(scope.line(), "\u{2068}abc\u{2069} · AE");
    }

    /// The built-in templates, or copies of them, never show a summary's chart; any template
    /// of the repository's own could.
    #[test]
    fn only_a_repository_template_could_show_a_summary_chart() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!shows_summary_charts(&environment(dir.path()).unwrap()));
        let own = dir.path().join("site-templates");
        std::fs::create_dir_all(&own).unwrap();
        let (name, default) = TEMPLATES[0];
        std::fs::write(own.join(name), default).unwrap();
        assert!(!shows_summary_charts(&environment(dir.path()).unwrap()));
        std::fs::write(own.join("_plan_table.html"), "{{ plans|tojson }}").unwrap();
        assert!(shows_summary_charts(&environment(dir.path()).unwrap()));
    }
}
