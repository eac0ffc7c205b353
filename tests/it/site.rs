//! `planbook build`: pages, data files, sanitising hostile plans, restricted plans, links,
//! sub-paths and the atomic swap.

use crate::common;
use std::path::Path;

use crate::common::{TestRepo, files, valid_plan};

/// HTML with the entities templates use in attributes decoded (`&#x2f;` is `/`).
fn decoded(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn build(repo: &TestRepo, extra: &[&str]) -> common::Output {
    let mut args = vec!["build", "--as-of", "2026-03-01"];
    args.extend_from_slice(extra);
    repo.run(&args)
}

fn hostile() -> String {
    valid_plan("evil")
        .replace("title: Nordics mid-market recovery", "title: \"<script>alert('title')</script> Evil\"")
        .replace(
            "## Summary\n\n",
            "## Summary\n\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n[click](javascript:alert(3))\n<a href=\"data:text/html,x\" onmouseover=\"alert(4)\">d</a>\n<iframe src=\"https://evil.example\"></iframe>\n<style>body{display:none}</style>\n<div style=\"position:fixed\">x</div>\n<link rel=stylesheet href=https://evil.example/x.css>\n\n",
        )
}

#[test]
fn builds_every_page_and_data_file() {
    let repo = TestRepo::new();
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    let out = build(&repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Built 1 plan"), "{}", out.stdout);
    let site = repo.path().join("site");
    for page in [
        "index.html",
        "plans/alpha/index.html",
        "status/approved/index.html",
        "regions/emea/index.html",
        "owners/ana/index.html",
        "plans.json",
        "feed.xml",
        "reassessments.ics",
        "search/ids.json",
        "assets/style.css",
        "assets/app.js",
    ] {
        assert!(site.join(page).is_file(), "{page} missing");
    }
    // The search index in parts: the ids, and per three-letter prefix its words and plans.
    let ids = std::fs::read_to_string(site.join("search/ids.json")).unwrap();
    assert_eq!(ids, "[\"alpha\"]");
    let part = std::fs::read_to_string(site.join("search/6c6170.json")).unwrap();
    assert_eq!(part, "{\"lapsed\":[0]}", "\"lap\" is 6c 61 70");
    let plan = std::fs::read_to_string(site.join("plans/alpha/index.html")).unwrap();
    for text in [
        "Nordics mid-market recovery",
        "Ana Lima",
        "Ben Ode",
        "<svg class=\"chart\"",
        "EUR 500,000",
        "id=\"s-summary\"",
        "Customer roundtables",
    ] {
        assert!(plan.contains(text), "{text} not on the plan page");
    }
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("plans.json")).unwrap()).unwrap();
    assert_eq!(data["plans"][0]["id"], "alpha");
    assert_eq!(data["plans"][0]["plan"]["metrics"][0]["target"], 500000.0);
    let ics = std::fs::read_to_string(site.join("reassessments.ics")).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.contains("DTSTART;VALUE=DATE:20260430\r\n"));
    assert!(
        !ics.replace("\r\n", "").contains('\n'),
        "only CRLF line endings"
    );
    let feed = std::fs::read_to_string(site.join("feed.xml")).unwrap();
    assert!(
        feed.starts_with("<?xml")
            && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">")
            && feed.trim_end().ends_with("</feed>")
    );
}

#[test]
fn history_appears_on_the_page_and_in_the_feed() {
    let repo = TestRepo::with_git();
    let draft = valid_plan("alpha")
        .replace("target: 500000", "target: 450000")
        .replace("status: approved", "status: draft");
    let draft = format!(
        "{}{}",
        &draft[..draft.find("signoffs:").unwrap()],
        &draft[draft.find("---\n\n# ").unwrap()..]
    );
    repo.plan("alpha.md", draft);
    repo.commit(
        "Draft",
        "Ana Lima <ana@example.com>",
        "2026-01-05T09:00:00+00:00",
    );
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n",
    );
    repo.commit_by("Raise the target (#7)\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>", "Ana Lima <ana@example.com>", "Merge Bot <merge-bot@example.com>", "2026-01-06T09:00:00+00:00", &[]);
    repo.git(&["remote", "add", "origin", "git@github.com:corvid/plans.git"]);
    assert_eq!(build(&repo, &[]).code, 0);
    let plan = decoded(&repo.read("site/plans/alpha/index.html"));
    assert!(plan.contains("Raise the target (#7)"), "{plan}");
    assert!(
        plan.contains("New bookings per quarter · target: 450000 → 500000"),
        "{plan}"
    );
    assert!(plan.contains("https://github.com/corvid/plans/pull/7"));
    assert!(plan.contains("https://github.com/corvid/plans/commit/"));
    assert!(
        plan.contains("Sign-off by Ben Ode: added (2025-12-22)"),
        "names, not ids: {plan}"
    );
    assert!(
        plan.contains(">attested by Merge Bot<"),
        "sign-offs approved by trailer from the merge bot are attested: {plan}"
    );
    let feed = repo.read("site/feed.xml");
    assert_eq!(feed.matches("<entry>").count(), 2);
    // plans.json holds the current state and links each plan's history, in its own file.
    let data: serde_json::Value = serde_json::from_str(&repo.read("site/plans.json")).unwrap();
    let plan = &data["plans"][0];
    assert_eq!(plan["history_url"], "plans/alpha/history.json");
    assert!(plan.get("history").is_none());
    let history: serde_json::Value =
        serde_json::from_str(&repo.read("site/plans/alpha/history.json")).unwrap();
    assert_eq!(history["id"], "alpha");
    assert_eq!(history["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(history["revisions"][0]["summary"], "Raise the target (#7)");

    // A repository's own `site-templates/feed.xml` replaces the built-in one; values are
    // still escaped for XML.
    repo.write(
        "site-templates/feed.xml",
        "<feed>{% for e in entries %}<e a=\"{{ e.author }}\">{{ e.summary }} & {{ e.changes | length }}</e>{% endfor %}</feed>",
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("title: Nordics mid-market recovery", "title: A & <B>"),
    );
    repo.commit(
        "Rename <it> & \"quote\"",
        "Ana Lima <ana@example.com>",
        "2026-01-07T09:00:00+00:00",
    );
    assert_eq!(build(&repo, &[]).code, 0);
    assert_eq!(
        repo.read("site/feed.xml"),
        "<feed><e a=\"Ana Lima\">Rename &lt;it&gt; &amp; &quot;quote&quot; & 1</e><e a=\"Ana Lima\">Raise the target (#7) & 4</e><e a=\"Ana Lima\">Draft & 0</e></feed>\n"
    );
}

#[test]
fn hostile_plans_cannot_inject_anything() {
    let repo = TestRepo::new();
    repo.plan("evil.md", hostile());
    assert_eq!(build(&repo, &[]).code, 0);
    let site = repo.path().join("site");
    for file in files(&site) {
        let name = file.to_string_lossy().into_owned();
        if !(name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".ics")) {
            continue;
        }
        let text = decoded(&std::fs::read_to_string(&file).unwrap()).to_lowercase();
        // Text may mention anything; markup may not carry it.
        for bad in [
            " onerror=",
            " onmouseover=",
            "=\"javascript:",
            "=\"data:",
            "<iframe",
            "=\"https://evil.example",
            " style=",
            "<style",
            "<link rel=stylesheet",
        ] {
            assert!(!text.contains(bad), "{bad} in {name}");
        }
        // The only scripts in pages are the site's own (a calendar or feed is not HTML).
        if !name.ends_with(".html") {
            continue;
        }
        for (i, _) in text.match_indices("<script") {
            let own = [
                "<script src=\"../../assets/app.js\"",
                "<script src=\"../assets/app.js\"",
                "<script src=\"assets/app.js\"",
            ];
            assert!(
                own.iter().any(|o| text[i..].starts_with(o)),
                "foreign script in {name}"
            );
        }
    }
    let page = repo.read("site/plans/evil/index.html");
    assert!(
        page.contains("&lt;script&gt;alert("),
        "the title is escaped, not dropped"
    );
}

#[test]
fn restricted_plans_stay_off_the_default_site() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan(
        "secret.md",
        valid_plan("secret").replace("currency: EUR", "currency: EUR\nvisibility: restricted"),
    );
    assert_eq!(build(&repo, &[]).code, 0);
    for file in files(&repo.path().join("site")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains("secret"),
            "restricted plan in {}",
            file.display()
        );
    }
    assert_eq!(build(&repo, &["--include-restricted"]).code, 0);
    assert!(repo.path().join("site/plans/secret/index.html").is_file());
}

#[test]
fn a_failed_build_leaves_the_last_site_in_place() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    assert_eq!(build(&repo, &[]).code, 0);
    let before = repo.read("site/index.html");
    repo.write("site-templates/plan.html", "{% extends \"base.html\" %}{% block main %}{{ page.summary.title | nosuchfilter }}{% endblock %}");
    let out = build(&repo, &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("site-templates/plan.html"),
        "{}",
        out.stderr
    );
    assert_eq!(repo.read("site/index.html"), before);
    let leftovers: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".planbook-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left behind");
    // A template override that works is used.
    repo.write("site-templates/plan.html", "{% extends \"base.html\" %}{% block main %}<p class=\"custom\">{{ page.summary.title }}</p>{% endblock %}");
    assert_eq!(build(&repo, &[]).code, 0);
    assert!(
        repo.read("site/plans/alpha/index.html")
            .contains("<p class=\"custom\">Nordics mid-market recovery</p>")
    );
}

#[test]
fn refuses_output_folders_it_must_not_replace() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let out = build(&repo, &["--out", "."]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("will not build the site"),
        "{}",
        out.stderr
    );
    repo.write("docs/notes.txt", "keep me");
    let out = build(&repo, &["--out", "docs"]);
    assert_eq!(out.code, 2);
    assert_eq!(repo.read("docs/notes.txt"), "keep me");
    assert_eq!(build(&repo, &["--out", "plans/site"]).code, 2);
}

#[test]
fn links_resolve_like_the_broken_link_rule() {
    // The rule and the site read a link the same way: percent-escapes decoded, fragments kept.
    let repo = TestRepo::new();
    repo.plan(
        "emea/alpha.md",
        valid_plan("alpha").replace(
            "## Activities\n\n",
            "## Activities\n\nSee [beta](../apac/beta%20plan.md#s-summary).\n\n",
        ),
    );
    repo.plan(
        "apac/beta plan.md",
        valid_plan("beta plan").replace("id: beta plan", "id: beta-plan"),
    );
    let found = repo.findings();
    assert!(
        !found.iter().any(|(rule, _, _)| rule == "broken-link"),
        "{found:?}"
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let page = decoded(&repo.read("site/plans/alpha/index.html"));
    assert!(
        page.contains("href=\"../../plans/beta-plan/index.html#s-summary\""),
        "the link leads to the plan's page"
    );
    // A file of the repository that is not on the site (no forge address known), and a path
    // out of the repository: their text stays, without a link that leads nowhere.
    repo.write("docs/analysis.md", "# Analysis\n");
    repo.edit_plan(
        "emea/alpha.md",
        "## Activities\n\n",
        "## Activities\n\nRead [the analysis](../../docs/analysis.md) and [this](../../../../etc/passwd).\n\n",
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let page = decoded(&repo.read("site/plans/alpha/index.html"));
    assert!(page.contains("Read the analysis and this."), "{page}");
    assert!(!page.contains("href=\"\"") && !page.contains("etc/passwd"));
}

/// Every `href` and `src` of every page, with the page it is on.
fn links(site: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut folders = vec![site.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let text = decoded(&std::fs::read_to_string(&path).unwrap());
                for attribute in [" href=\"", " src=\""] {
                    for (i, _) in text.match_indices(attribute) {
                        let rest = &text[i + attribute.len()..];
                        let value = &rest[..rest.find('"').unwrap()];
                        out.push((path.clone(), value.to_string()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_link_is_relative_and_resolves_from_the_output_folder() {
    let repo = TestRepo::new();
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    repo.plan(
        "na/beta.md",
        valid_plan("beta").replace("region: EMEA", "region: North America"),
    );
    let out = build(&repo, &["--out", "public/sub path"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("public/sub path");
    let found = links(&site);
    assert!(found.len() > 50, "{found:?}");
    for (page, link) in &found {
        assert!(!link.starts_with('/'), "{} links to {link}", page.display());
        let scheme = link
            .split_once(':')
            .is_some_and(|(s, _)| s.chars().all(|c| c.is_ascii_alphabetic()));
        if scheme || link.starts_with('#') || link.is_empty() {
            continue;
        }
        let target = link.split(['#', '?']).next().unwrap();
        let resolved = page.parent().unwrap().join(target);
        // A file, never a folder: opened from disk, a folder shows as a listing of files.
        assert!(
            resolved.is_file(),
            "{} links to {link}, which is not a file of the site",
            page.display()
        );
    }
    // Without the site's address, the feed and the calendar invent none.
    let feed = repo.read("public/sub path/feed.xml");
    let calendar = repo.read("public/sub path/reassessments.ics");
    assert!(!feed.contains("planbook.invalid") && !calendar.contains("planbook.invalid"));
    assert!(
        !feed.contains("http://") && !feed.contains("https://") || feed.contains("w3.org"),
        "{feed}"
    );
    assert!(!calendar.contains("URL:"), "{calendar}");
    assert!(out.stderr.contains("site.url"), "{}", out.stderr);
    // With it, each plan's absolute address, under its path, once.
    let out = build(&repo, &["--site-url", "https://acme.example/sales-plans/"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let feed = repo.read("site/feed.xml");
    assert!(
        feed.contains("https://acme.example/sales-plans/feed.xml"),
        "{feed}"
    );
    let calendar = repo.read("site/reassessments.ics");
    assert!(
        calendar.contains("URL:https://acme.example/sales-plans/plans/alpha/"),
        "{calendar}"
    );
    assert!(!calendar.contains("sales-plans/sales-plans"), "{calendar}");
    // The 404 page is served at any depth: its links are absolute once the address is known.
    let missing = decoded(&repo.read("site/404.html"));
    assert!(
        missing.contains("href=\"https://acme.example/sales-plans/status/index.html\"")
            && missing.contains("src=\"https://acme.example/sales-plans/assets/app.js\""),
        "{missing}"
    );
    assert_eq!(build(&repo, &["--site-url", "/sales-plans/"]).code, 2);
}

#[test]
fn consequences_stay_with_the_owner_sponsor_and_leadership() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace(
            "## Consequences and incentive\n\n",
            "## Consequences and incentive\n\nThe territory is split between two account executives.\n\n",
        ),
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let page = decoded(&repo.read("site/plans/alpha/index.html"));
    for private in ["The territory is split", "commission accelerator"] {
        assert!(!page.contains(private), "{private} on the page");
        assert!(
            !repo.read("site/plans.json").contains(private),
            "{private} in plans.json"
        );
        for part in files(&repo.path().join("site/search")) {
            let text = std::fs::read_to_string(&part).unwrap();
            for word in private.to_lowercase().split(' ').filter(|w| w.len() > 3) {
                assert!(
                    !text.contains(&format!("\"{word}\"")),
                    "{word} in {}",
                    part.display()
                );
            }
        }
    }
    assert!(page.contains("not published on this site"), "{page}");
    assert!(page.contains("Ben Ode"), "the sponsor holds them");
    // Published when the organisation chooses so, or in the internal copy.
    assert_eq!(build(&repo, &["--include-restricted"]).code, 0);
    assert!(decoded(&repo.read("site/plans/alpha/index.html")).contains("The territory is split"));
    repo.write("planbook.toml", "[site]\npublish_consequences = true\n");
    assert_eq!(build(&repo, &[]).code, 0);
    assert!(decoded(&repo.read("site/plans/alpha/index.html")).contains("commission accelerator"));
}

#[test]
fn the_plan_page_shows_its_waivers_with_reason_and_who() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    assert_eq!(build(&repo, &[]).code, 0);
    assert!(!decoded(&repo.read("site/plans/alpha/index.html")).contains("Waivers"));
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replacen(
            "signoffs:\n",
            "waivers:\n  - rule: target-vs-expected\n    reason: \"Agreed <b>after</b> the split\"\n    by: ben\nsignoffs:\n",
            1,
        ),
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let raw = repo.read("site/plans/alpha/index.html");
    let page = decoded(&raw);
    assert!(page.contains("Waivers"), "{page}");
    assert!(page.contains("target-vs-expected"), "{page}");
    assert!(page.contains("waived by"), "{page}");
    assert!(page.contains("Agreed &lt;b&gt;after"), "{page}");
    assert!(!raw.contains("<b>after</b>"), "the reason is escaped");
}

#[test]
fn the_plan_page_links_the_plan_it_supersedes() {
    let repo = TestRepo::new();
    repo.plan("beta.md", valid_plan("beta"));
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replacen("currency: EUR", "currency: EUR\nsupersedes: beta", 1),
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let page = decoded(&repo.read("site/plans/alpha/index.html"));
    assert!(
        page.contains(r#"Supersedes <a href="../../plans/beta/index.html">beta</a>."#),
        "{page}"
    );
    assert!(!decoded(&repo.read("site/plans/beta/index.html")).contains("Supersedes"));
}

#[test]
fn a_plan_page_reads_on_a_phone_and_prints_each_thing_once() {
    let repo = TestRepo::new();
    let plan = valid_plan("alpha")
        .replace(
            "## Summary\n\n",
            "# Nordics mid-market recovery\n\n## Summary\n\nWe win back the Nordics.\n\n",
        )
        .replace(
            "## Recent challenges\n\n",
            "## Recent challenges\n\n| Quarter | Bookings |\n|---|---|\n| Q1 | 400,000 |\n\n",
        );
    repo.plan("emea/alpha.md", plan);
    let out = build(&repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = repo.read("site/plans/alpha/index.html");
    assert_eq!(page.matches("<h1").count(), 1, "one h1 per page");
    // The written summary comes before the metrics, once.
    let summary = page.find("We win back the Nordics").unwrap();
    assert!(summary < page.find("id=\"metrics-h\"").unwrap());
    assert_eq!(page.matches("We win back the Nordics").count(), 1);
    // Every table scrolls in its own region that the keyboard reaches and that has a name.
    let tables = page.matches("<table").count();
    assert_eq!(tables, 3, "metrics, activities and the text's table");
    assert_eq!(
        page.matches("class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-")
            .count(),
        tables,
        "{page}"
    );
    // Print: the as-of date, the sign-off record, and the cards repeating a section of the
    // text left out of print (the text says it).
    assert!(page.contains("As of 2026-03-01"), "{page}");
    assert!(page.contains("id=\"signoffs-h\""));
    for card in ["activities-h", "help-h", "analysis-h"] {
        let at = page.find(&format!("aria-labelledby=\"{card}\"")).unwrap();
        let tag = &page[page[..at].rfind('<').unwrap()..at + 60];
        assert!(tag.contains("in-text"), "{card} is printed twice: {tag}");
    }
    let css = repo.read("site/assets/style.css");
    assert!(css.contains("print-color-adjust: exact"));
    // The chart names its target, and its accessible name leads with the latest actual.
    assert!(
        page.contains("aria-label=\"New bookings per quarter: latest actual EUR"),
        "{page}"
    );
    assert!(page.contains(">target EUR 500k</text>"), "{page}");
}

/// The repository's own example plans, people and configuration, in a temporary folder.
fn example() -> TestRepo {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let root = common::project_root();
    let repo = TestRepo::new();
    for file in ["people.yaml", "planbook.toml"] {
        std::fs::copy(root.join(file), repo.path().join(file)).unwrap();
    }
    copy(&root.join("plans"), &repo.path().join("plans"));
    repo
}

/// A page's text without tags, entities decoded and white space collapsed.
fn text_of(site: &Path, page: &str) -> String {
    let html = std::fs::read_to_string(site.join(page)).unwrap();
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decoded(&out)
        .replace("&#x27;", "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_example_site_opens_with_what_needs_attention() {
    let repo = example();
    let out = repo.run(&["build", "--as-of", "2026-12-20"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    let index = text_of(&site, "index.html");
    let attention = &index[index.find("Needs attention").unwrap()..index.find("Search").unwrap()];
    assert_eq!(
        attention,
        "Needs attention Reassessment due DACH mid-market new business recovery The reassessment was due on 2026-12-15, 5 days ago Sign-off awaited ANZ enterprise pipeline and win-rate plan Waits for sign-off by Priya Nair or Daniel Okafor "
    );
    let html = decoded(&std::fs::read_to_string(site.join("index.html")).unwrap());
    assert!(html.contains("<a href=\"plans/dach-midmarket-2026h2/index.html\">DACH mid-market new business recovery</a><div class=\"small\">The reassessment"), "each item links its plan");
    // Figures in words: the actual of the target, the state, the share of the way, the forecast.
    assert!(
        index.contains("EUR 520,000 of EUR 600,000 ahead · 58% of the way forecast EUR 666,661 by 2027-02-28 · ahead"),
        "{index}"
    );
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("plans.json")).unwrap()).unwrap();
    let dach = data["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "dach-midmarket-2026h2")
        .unwrap();
    let progress = &dach["summary"]["primary"]["progress"];
    assert_eq!(progress["state"], "ahead");
    assert_eq!(progress["state_label"], "ahead");
    assert_eq!(progress["forecast"]["value"], "EUR 666,661");
    assert_eq!(progress["forecast"]["state"], "ahead");
    assert_eq!(progress["forecast"]["method"], "trend");
    assert!(
        dach["summary"]["primary"].get("chart").is_none(),
        "plans.json holds data, not the chart's drawing"
    );
    let plan = text_of(&site, "plans/dach-midmarket-2026h2/index.html");
    assert!(plan.contains("Last check-in 2026-11-20"), "{plan}");
    assert!(
        plan.contains("moves Next-quarter pipeline coverage, New-logo bookings per quarter"),
        "activities name metrics by name: {plan}"
    );
}

#[test]
fn managers_roll_up_their_reports_plans() {
    let repo = example();
    let out = repo.run(&["build", "--as-of", "2026-12-20"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    let marta = text_of(&site, "managers/marta.keller/index.html");
    for text in [
        "Marta Keller's organisation",
        "Plans 2 ( 1 approved , 1 active )",
        "0 behind, 0 at risk",
        "Investment EUR 75,000 · GBP 85,000 · 160 days",
        "Jonas Weber Account Executive, DACH Mid-Market · 1 plan",
        "DACH mid-market new business recovery",
        "UK and Ireland public sector framework plan",
    ] {
        assert!(marta.contains(text), "{text} not in {marta}");
    }
    assert!(!marta.contains("ANZ enterprise"), "APAC is not in her line");
    // The CRO sees every plan, through the managers who report to him.
    let daniel = text_of(&site, "managers/daniel.okafor/index.html");
    assert!(daniel.contains("Plans 4 ("), "{daniel}");
    let managers = text_of(&site, "managers/index.html");
    assert!(managers.contains("Daniel Okafor · 4 plans"), "{managers}");
    // A person's page says their part in each plan and the help asked of them.
    let person = text_of(&site, "owners/marta.keller/index.html");
    assert!(person.contains("reports to Daniel Okafor"), "{person}");
    assert!(
        person.contains("DACH mid-market new business recovery · active sponsor, activity owner, signer, asked for help"),
        "{person}"
    );
    assert!(
        person.contains(
            "Help asked of Marta Keller DACH mid-market new business recovery : Join the Zurich"
        ),
        "{person}"
    );
    // Index pages of every folder, and a page for addresses that do not exist.
    for (page, text) in [
        ("status/index.html", "In review · 1 plan"),
        ("regions/index.html", "EMEA · 2 plans"),
        ("owners/index.html", "Marta Keller · 2 plans"),
        ("404.html", "Page not found"),
    ] {
        let found = text_of(&site, page);
        assert!(found.contains(text), "{text} not in {page}: {found}");
    }
    let status = text_of(&site, "status/in_review/index.html");
    assert!(status.contains("All plans › Status In review"), "{status}");
    // Managers and reports who own no plan have pages too, so that every link between them
    // leads somewhere: Mateo García manages nobody with a plan, and Daniel Okafor owns none.
    let mateo = text_of(&site, "managers/mateo.garcia/index.html");
    assert!(mateo.contains("Mateo García's organisation"), "{mateo}");
    assert!(text_of(&site, "owners/daniel.okafor/index.html").contains("Plans owned None."));
    for (page, link) in links(&site) {
        if link.contains(':') || link.starts_with('#') || link.is_empty() {
            continue;
        }
        let target = page
            .parent()
            .unwrap()
            .join(link.split(['#', '?']).next().unwrap());
        assert!(
            target.exists(),
            "{} links to {link}, which is not in the site",
            page.display()
        );
    }
}

#[test]
fn a_plan_behind_its_milestones_is_listed_and_forecast_on_its_chart() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha")
            .replace("status: approved", "status: active")
            .replace(
                "    primary: true\n",
                "    primary: true\n    milestones:\n      - { date: 2026-02-01, value: 450000 }\n",
            ),
    );
    let out = build(&repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    let index = text_of(&site, "index.html");
    assert!(
        index.contains("Behind Nordics mid-market recovery New bookings per quarter is behind: 20% of the way to target where the committed path expects 55%; forecast 80% by the end (behind)"),
        "{index}"
    );
    let page = std::fs::read_to_string(site.join("plans/alpha/index.html")).unwrap();
    assert!(
        page.contains("<g class=\"series forecast\"><polyline"),
        "dashed projection"
    );
    assert_eq!(page.matches("<polyline class=\"path\"").count(), 2);
}

/// The built-in templates show a plan's chart on its page only, so a one-off build leaves it
/// out of the summaries the lists hold; a repository's own table that shows it still gets it.
#[test]
fn a_repository_template_can_show_the_summary_chart() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("status: approved", "status: active"),
    );
    let out = build(&repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    let page = std::fs::read_to_string(site.join("plans/alpha/index.html")).unwrap();
    assert!(page.contains("<svg"), "the plan page has its chart");
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        !index.contains("<svg class=\"chart"),
        "no built-in list shows it"
    );

    let table = include_str!("../../site-templates/_plan_table.html").replace(
        "{% if p.primary %}",
        "{% if p.primary %}<div class=\"own\">{{ p.primary.chart|safe }}</div>",
    );
    repo.write("site-templates/_plan_table.html", &table);
    let out = build(&repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("<div class=\"own\"><svg"), "{index}");
}

#[test]
fn the_feed_orders_changes_by_instant_across_utc_offsets() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    // 10:00 in Berlin's summer is 08:00 UTC: older than 09:00 UTC, though it sorts later as text.
    repo.commit(
        "Berlin edit",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00+02:00",
    );
    repo.plan("beta.md", valid_plan("beta"));
    repo.commit(
        "London edit",
        "Ana Lima <ana@example.com>",
        "2026-01-05T09:00:00+00:00",
    );
    assert_eq!(build(&repo, &[]).code, 0);
    let feed = repo.read("site/feed.xml");
    let london = feed.find("London edit").unwrap();
    let berlin = feed.find("Berlin edit").unwrap();
    assert!(london < berlin, "newest first: {feed}");
}

/// The ids of the plans a page's plan table lists, in order (the rows' plan links).
fn listed_ids(html: &str) -> Vec<String> {
    let html = decoded(html);
    let table = &html[html.find("id=\"plans\"").expect("a plan table")..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .match_indices("class=\"plan-link\" href=\"")
        .map(|(i, m)| {
            let link = &table[i + m.len()..];
            let link = &link[..link.find('"').unwrap()];
            let id = link.trim_end_matches("/index.html");
            id.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn long_plan_tables_are_paged_and_the_listing_holds_every_plan() {
    let repo = TestRepo::new();
    repo.write("planbook.toml", "[site]\npaginate_by = 5\n");
    let ids: Vec<String> = (1..=12).map(|i| format!("plan-{i:02}")).collect();
    for id in &ids {
        repo.plan(&format!("{id}.md"), valid_plan(id));
    }
    // Every plan's reassessment is due within 14 days.
    let out = repo.run(&["build", "--as-of", "2026-04-25"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    let read = |page: &str| std::fs::read_to_string(site.join(page)).unwrap();

    // The index: 5, 5 and 2 plans, each plan on exactly one page, linked both ways.
    let pages = ["index.html", "page/2/index.html", "page/3/index.html"];
    let mut seen = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let html = decoded(&read(page));
        let listed = listed_ids(&html);
        assert_eq!(
            listed.len(),
            if i < 2 { 5 } else { 2 },
            "{page}: {listed:?}"
        );
        seen.extend(listed);
        let up = if i == 0 { "" } else { "../../" };
        let prev = (i > 0).then(|| pages[i - 1]);
        let next = pages.get(i + 1);
        match prev {
            Some(p) => assert!(
                html.contains(&format!("<link rel=\"prev\" href=\"{up}{p}\">")),
                "{page}: {html}"
            ),
            None => assert!(!html.contains("rel=\"prev\""), "{page}"),
        }
        match next {
            Some(n) => assert!(
                html.contains(&format!("<link rel=\"next\" href=\"{up}{n}\">")),
                "{page}: {html}"
            ),
            None => assert!(!html.contains("rel=\"next\""), "{page}"),
        }
        // The attention list and the summary open the first page only.
        assert_eq!(html.contains("Needs attention"), i == 0, "{page}");
        assert!(html.contains(&format!("Plans {}–", i * 5 + 1)), "{page}");
    }
    assert_eq!(seen, ids, "every plan once, in file order");
    assert!(!site.join("page/4").exists() && !site.join("page/1").exists());
    assert!(text_of(&site, "page/2/index.html").contains("All plans · page 2 of 3"));

    // Lists page the same way under their own address.
    let status: Vec<String> = [
        "status/approved/index.html",
        "status/approved/page/2/index.html",
        "status/approved/page/3/index.html",
    ]
    .iter()
    .flat_map(|p| listed_ids(&read(p)))
    .collect();
    assert_eq!(status, ids);
    assert!(text_of(&site, "status/approved/page/3/index.html").contains("Plans 11–12 of 12"));

    // A person's page pages the plans they own, then the others they take part in: Ben
    // sponsors every plan and owns none.
    let ben: Vec<String> = [
        "owners/ben/index.html",
        "owners/ben/page/2/index.html",
        "owners/ben/page/3/index.html",
    ]
    .iter()
    .flat_map(|p| {
        let html = decoded(&read(p));
        assert!(html.contains("Also involved in"), "{p}");
        let table = &html[html.find("Also involved in").unwrap()..];
        table
            .match_indices("class=\"plan-link\" href=\"")
            .map(|(i, m)| {
                let link = &table[i + m.len()..];
                link[..link.find("/index.html").unwrap()]
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    })
    .collect();
    assert_eq!(ben, ids);
    let first = text_of(&site, "owners/ben/index.html");
    assert!(
        first.contains("Plans owned None.") && first.contains("Role in each plan"),
        "{first}"
    );
    let second = text_of(&site, "owners/ben/page/2/index.html");
    assert!(
        !second.contains("Plans owned") && !second.contains("Role in each plan"),
        "{second}"
    );

    // Search and filters read every plan from the listing, in the order of `search/ids.json`.
    let listing: serde_json::Value = serde_json::from_str(&read("listing/0.json")).unwrap();
    let listed: Vec<&str> = listing["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids);
    let search: Vec<String> = serde_json::from_str(&read("search/ids.json")).unwrap();
    assert_eq!(search, ids);
    assert_eq!(listing["plan_url"], "plans/{id}/index.html");
    let first = &listing["plans"][0];
    assert_eq!(first[3], "approved");
    assert_eq!(listing["labels"]["approved"], "approved");
    let owner = first[5].as_u64().unwrap() as usize;
    assert_eq!(listing["owners"][owner][0], "ana");
    assert_eq!(
        first[15][3], "EUR 500,000",
        "the target of the primary metric"
    );
    assert!(read("index.html").contains("data-pages=\"3\" data-listing=\"1\""));

    // Everything that needs attention has its own page; the index shows a few of each kind.
    let attention = text_of(&site, "attention/index.html");
    let index = text_of(&site, "index.html");
    assert_eq!(
        attention.matches("Reassessment due").count(),
        12,
        "{attention}"
    );
    assert_eq!(index.matches("Reassessment due").count(), 10, "{index}");
    assert!(
        index.contains("The first 10 of 12, a few of each kind: everything that needs attention"),
        "{index}"
    );

    // One page for all with `paginate_by = 0`, and no pages left from the longer list.
    repo.write("planbook.toml", "[site]\npaginate_by = 0\n");
    assert_eq!(build(&repo, &[]).code, 0);
    assert_eq!(listed_ids(&read("index.html")), ids);
    assert!(!site.join("page").exists());
    assert!(!read("index.html").contains("data-pages"));
}

#[test]
fn a_site_built_from_the_plans_cache_is_the_site_built_without_it() {
    let repo = TestRepo::with_git();
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    repo.plan("emea/evil.md", hostile());
    repo.commit(
        "Plans",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    let site = |repo: &TestRepo| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let root = repo.path().join("site");
        files(&root)
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(&f).unwrap();
                (f.strip_prefix(&root).unwrap().to_path_buf(), bytes)
            })
            .collect()
    };
    assert_eq!(build(&repo, &[]).code, 0);
    assert!(repo.path().join(".git/planbook/plans-cache.bin").is_file());
    let parsed = site(&repo);
    assert_eq!(build(&repo, &[]).code, 0);
    assert_eq!(site(&repo), parsed, "built again, from the cache");
    // An edit is on the site at once.
    repo.edit_plan("emea/alpha.md", "title: ", "title: Renamed ");
    assert_eq!(build(&repo, &[]).code, 0);
    let page = std::fs::read_to_string(repo.path().join("site/plans/alpha/index.html")).unwrap();
    assert!(
        page.contains("<title>Renamed "),
        "the edit is the page's title"
    );
}
