//! Markdown rendering with sanitization, as plan bodies reach the site: whatever the input,
//! the HTML carries no script, frame, style, event handler or active URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planbook::site::markdown::{active_content, render};

fuzz_target!(|text: &str| {
    let rewrite = |dest: &str| dest.ends_with(".md").then(|| format!("/plans/{dest}/"));
    let rendered = render(text, &rewrite);
    if let Some(found) = active_content(&rendered.html) {
        panic!("{found} in {}", rendered.html);
    }
    for entry in &rendered.toc {
        assert!(!entry.anchor.contains(['"', '<', '>', ' ']), "{}", entry.anchor);
    }
});
