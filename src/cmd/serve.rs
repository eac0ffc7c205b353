//! `planbook serve`: build the site, serve it on 127.0.0.1, rebuild when plans, people,
//! configuration or templates change (see `crate::watch`), and reload the browser (with the
//! build error shown in the page while a build is broken).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::Outcome;
use crate::cli::ServeArgs;
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::site::output::Staging;
use crate::site::{self, Options, Site};
use crate::watch::{Change, Watcher};

/// What the browser polls: a build counter and the last build error.
#[derive(Default)]
struct State {
    version: u64,
    error: Option<String>,
}

const RELOAD_JS: &str = r#"(function () {
  var seen = null;
  function check() {
    fetch("/__planbook/status", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (seen === null) seen = s.version;
      var box = document.getElementById("planbook-error");
      if (s.error) {
        if (!box) {
          box = document.createElement("pre");
          box.id = "planbook-error";
          box.setAttribute("role", "alert");
          box.className = "build-error";
          document.body.insertBefore(box, document.body.firstChild);
        }
        box.textContent = s.error;
      } else if (s.version !== seen) {
        window.location.reload();
      }
      if (!s.error && box) box.remove();
    }).catch(function () {}).then(function () { setTimeout(check, 400); });
  }
  check();
})();
"#;

pub fn run(ctx: &Context, args: &ServeArgs) -> Result<Outcome, Error> {
    let repo_dir = ctx.cwd()?;
    let repo = ctx.repo()?;
    // Started before the first build, so that an edit made while it runs is not missed.
    let watcher = Watcher::new(&repo)?;
    let reviews = args
        .reviews
        .as_ref()
        .map(|r| ctx.cwd().map(|c| c.join(r)))
        .transpose()?;
    let (built, site) = build_once(repo, reviews.clone())?;
    let out = built.out.clone();
    let listener = TcpListener::bind(("127.0.0.1", args.port)).map_err(|e| {
        Error::usage(
            format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
            Some("pass another port with --port".to_string()),
        )
    })?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    cmd::print(&format!(
        "Serving {} on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n",
        out.display()
    ))?;
    let note = left_out(&built, ctx.color);
    let state = Arc::new(Mutex::new(State {
        version: 0,
        error: note.clone(),
    }));
    {
        let state = Arc::clone(&state);
        let ctx = Context {
            cwd: Some(repo_dir),
            config: ctx.config.clone(),
            color: ctx.color,
            quiet: true,
        };
        let out = out.clone();
        std::thread::spawn(move || watch(&ctx, site, watcher, &out, note, &state, reviews));
    }
    for stream in listener.incoming().flatten() {
        let out = out.clone();
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let _ = respond(stream, &out, &state);
        });
    }
    Ok(Outcome::Success)
}

fn build_once(
    repo: crate::repo::Repo,
    reviews: Option<std::path::PathBuf>,
) -> Result<(site::Built, Site), Error> {
    let options = Options {
        out: repo.root.join(&repo.config.site.out_dir),
        base_url: "/".into(),
        include_restricted: false,
        today: cmd::as_of(None)?,
        progress: None,
        reviews,
    };
    site::build_site(repo, &options)
}

/// What one round of watching did.
enum Rebuilt {
    /// Only the pages an edit touched were written; the data files are still to write.
    Pages(site::Updated),
    Whole,
}

/// Rebuilds whenever something the site is built from changes: only the touched pages after
/// edits to existing plans, the whole site otherwise.
fn watch(
    ctx: &Context,
    site: Site,
    mut watcher: Watcher,
    out: &Path,
    mut note: Option<String>,
    state: &Mutex<State>,
    reviews: Option<std::path::PathBuf>,
) {
    let mut site = Some(site);
    // Whether plans.json, the search index and the feeds are still to be written after an
    // update; they are written between edits, and an edit interrupts them.
    let mut data_pending = false;
    loop {
        if let (true, Some(site)) = (data_pending, &site) {
            let watcher = std::cell::RefCell::new(&mut watcher);
            let stop = || watcher.borrow_mut().has_pending();
            match Staging::live(out).and_then(|staging| site.write_data(&staging, &stop)) {
                Ok(done) => data_pending = !done,
                Err(e) => {
                    data_pending = false;
                    cmd::warn(&describe(&e), ctx.color);
                    if let Ok(mut s) = state.lock() {
                        s.error = Some(describe(&e));
                    }
                }
            }
        }
        let Some(change) = watcher.wait() else { return };
        let edited = match change {
            Change::Plans(paths) => Some(paths),
            Change::Everything => None,
        };
        let started = std::time::Instant::now();
        let mut result = match (site.as_mut(), edited) {
            (Some(s), Some(paths)) => Staging::live(out)
                .and_then(|staging| s.update(&paths, &staging))
                .map(|updated| updated.map(Rebuilt::Pages)),
            _ => Ok(None),
        };
        let whole = matches!(result, Ok(None));
        if whole {
            // A whole build; the old site stays in memory until the new one is ready.
            result = ctx
                .repo()
                .and_then(|r| build_once(r, reviews.clone()))
                .and_then(|(built, new)| {
                    watcher.follow(new.repo())?;
                    note = left_out(&built, ctx.color);
                    site = Some(new);
                    Ok(Some(Rebuilt::Whole))
                });
        }
        let elapsed = started.elapsed().as_millis();
        match result {
            Ok(Some(Rebuilt::Pages(_))) => data_pending = true,
            Ok(_) => data_pending = false,
            Err(_) => data_pending &= !whole,
        }
        let outcome = result.map(|done| match done {
            Some(Rebuilt::Pages(updated)) => format!(
                "updated {} page{} in {elapsed} ms",
                updated.pages,
                if updated.pages == 1 { "" } else { "s" }
            ),
            _ => format!("rebuilt the site in {elapsed} ms"),
        });
        {
            let Ok(mut s) = state.lock() else { return };
            s.version += 1;
            s.error = match &outcome {
                Ok(_) => note.clone(),
                Err(e) => Some(describe(e)),
            };
        }
        match outcome {
            Ok(message) => eprintln!("{message}"),
            Err(e) => {
                cmd::warn(&describe(&e), ctx.color);
                // Until a whole build succeeds again, every change gets a whole build (the
                // site in memory may have been built with what is now broken).
                if whole {
                    site = None;
                }
            }
        }
    }
}

/// The plans a build left out (they do not parse), as the page shows them; also told in
/// the terminal.
fn left_out(built: &site::Built, color: bool) -> Option<String> {
    if built.skipped.is_empty() {
        return None;
    }
    let mut text = String::from("Some plans are not on the site:\n");
    for (path, reason) in &built.skipped {
        cmd::warn(
            &format!("{} is not on the site: {reason}", path.display()),
            color,
        );
        text.push_str(&format!("\n{}: {reason}", path.display()));
    }
    text.push_str("\n\nhelp: `planbook check` shows every problem");
    Some(text)
}

/// A build error as the terminal and the page show it.
fn describe(e: &Error) -> String {
    let mut text = format!("The site could not be rebuilt:\n\n{e}");
    if let Some(help) = e.help() {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text
}

fn respond(stream: TcpStream, out: &Path, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Drain the headers.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        return send(
            &mut stream,
            405,
            "text/plain; charset=utf-8",
            b"method not allowed",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    match path {
        "/__planbook/reload.js" => {
            return send(
                &mut stream,
                200,
                "text/javascript; charset=utf-8",
                RELOAD_JS.as_bytes(),
            );
        }
        "/__planbook/status" => {
            let (version, error) = match state.lock() {
                Ok(s) => (s.version, s.error.clone()),
                Err(_) => (0, None),
            };
            let body = serde_json::json!({ "version": version, "error": error }).to_string();
            return send(&mut stream, 200, "application/json", body.as_bytes());
        }
        _ => {}
    }
    let Some(file) = resolve(out, path) else {
        return send(&mut stream, 404, "text/plain; charset=utf-8", b"not found");
    };
    match std::fs::read(&file) {
        Ok(mut bytes) => {
            let kind = content_type(&file);
            if kind.starts_with("text/html") {
                let html = String::from_utf8_lossy(&bytes).replace(
                    "</body>",
                    "<script src=\"/__planbook/reload.js\"></script></body>",
                );
                bytes = html.into_bytes();
            }
            send(&mut stream, 200, kind, &bytes)
        }
        Err(_) => send(&mut stream, 404, "text/plain; charset=utf-8", b"not found"),
    }
}

/// The file for a URL path, never outside the site folder.
fn resolve(out: &Path, path: &str) -> Option<PathBuf> {
    let decoded = crate::url::percent_decode(path)?;
    let mut file = out.to_path_buf();
    for part in decoded.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') || part.contains('\0') {
            return None;
        }
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/atom+xml",
        "ics" => "text/calendar; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn send(stream: &mut TcpStream, status: u16, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/").is_some());
        assert!(resolve(dir.path(), "/../etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%2e%2e/etc/passwd").is_none());
        assert!(resolve(dir.path(), "/%zz").is_none());
    }
}
