//! `planbook serve`: build the site, serve it on the loopback interface, rebuild when plans,
//! people, configuration or templates change (see `crate::watch`), and reload the browser by
//! server push (with the build error shown in the page while a build is broken).
//!
//! HTTP is hyper's (HTTP/1.1 on tokio), not written here: requests are parsed by a kept,
//! fuzzed parser, headers are capped (431), a connection that sends nothing is closed, and
//! connections are counted, so nothing a local page or process sends can exhaust the server.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{Either, Full, channel::Channel};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::watch;

use crate::ExitStatus;
use crate::cli::ServeArgs;
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::site::output::Staging;
use crate::site::{self, Options, Site};
use crate::watch::{Change, Watcher};

/// What the page is told after each rebuild: a build counter and the last build error.
#[derive(Default, Clone, serde::Serialize)]
struct State {
    version: u64,
    error: Option<String>,
    /// The last rebuild was of the whole site (templates, people, a plan added...): pages
    /// reload rather than replace their content.
    whole: bool,
}

/// At most this many connections are open at once; more are answered 503 and closed.
const MAX_CONNECTIONS: usize = 128;
/// A connection that has not sent a whole request head within this long is closed (also
/// between requests on a kept-alive connection).
const IDLE: Duration = Duration::from_secs(5);
/// The request line and headers together; more is answered 431.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// hyper's read buffer: a request line that never ends stops here (431).
const MAX_BUFFER: usize = 64 * 1024;
/// How often an open event stream gets a comment, so that a closed browser tab is noticed.
const HEARTBEAT: Duration = Duration::from_secs(20);

const RELOAD_JS: &str = r#"(function () {
  var script = document.currentScript;
  var seen = script ? Number(script.getAttribute("data-version")) : null;
  function show(error) {
    var box = document.getElementById("planbook-error");
    if (error) {
      if (!box) {
        box = document.createElement("pre");
        box.id = "planbook-error";
        box.setAttribute("role", "alert");
        box.className = "build-error";
        document.body.insertBefore(box, document.body.firstChild);
      }
      box.textContent = error;
    } else if (box) {
      box.remove();
    }
  }
  // After an edit to plans, only the page's content changed: it is replaced in place (no
  // reload of styles and scripts, the scroll position kept) and the page's scripts are told
  // as if it had just loaded. Anything else reloads the page.
  function replace() {
    fetch(window.location.href, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.text();
    }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html");
      document.title = next.title;
      document.body.replaceWith(document.adoptNode(next.body));
      document.dispatchEvent(new Event("DOMContentLoaded"));
    }).catch(function () { window.location.reload(); });
  }
  var events = new EventSource("/__planbook/events");
  events.onmessage = function (event) {
    var s = JSON.parse(event.data);
    if (seen === null) seen = s.version;
    if (!s.error && s.version !== seen) {
      seen = s.version;
      if (s.whole) {
        events.close();
        window.location.reload();
      } else {
        replace();
      }
      return;
    }
    show(s.error);
  };
})();
"#;

pub(crate) fn run(ctx: &Context, args: &ServeArgs) -> Result<ExitStatus, Error> {
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .thread_name("planbook-serve")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io(Path::new("<serve>"), e))?;
    let listeners = runtime.block_on(async { bind(args.port) })?;
    let port = listeners
        .first()
        .and_then(|l| l.local_addr().ok())
        .map_or(args.port, |a| a.port());
    cmd::print(&format!(
        "Serving {} on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n",
        out.display()
    ))?;
    let note = left_out(&built, ctx.color);
    let (state, changes) = watch::channel(State {
        version: 0,
        error: note.clone(),
        whole: true,
    });
    {
        let ctx = Context {
            cwd: Some(repo_dir),
            config: ctx.config.clone(),
            color: ctx.color,
            quiet: true,
        };
        let out = out.clone();
        std::thread::spawn(move || {
            rebuild_on_change(&ctx, site, watcher, &out, note, &state, reviews)
        });
    }
    let server = Arc::new(Server {
        out,
        port,
        state: changes,
        slots: Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS)),
    });
    runtime.block_on(async move {
        let mut loops = Vec::new();
        for listener in listeners {
            loops.push(tokio::spawn(accept(listener, Arc::clone(&server))));
        }
        for task in loops {
            let _ = task.await;
        }
    });
    Ok(ExitStatus::Success)
}

/// Listens on 127.0.0.1 and, where the machine has it, on `::1` at the same port; never on
/// any other interface.
fn bind(port: u16) -> Result<Vec<tokio::net::TcpListener>, Error> {
    let open = |addr: SocketAddr| -> std::io::Result<tokio::net::TcpListener> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(listener)
    };
    let v4 = open(SocketAddr::from(([127, 0, 0, 1], port))).map_err(|e| {
        Error::usage(
            format!("cannot listen on 127.0.0.1:{port}: {e}"),
            Some("pass another port with --port".to_string()),
        )
    })?;
    let port = v4.local_addr().map_or(port, |a| a.port());
    let mut listeners = vec![v4];
    if let Ok(v6) = open(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port))) {
        listeners.push(v6);
    }
    Ok(listeners)
}

fn build_once(
    repo: crate::repo::Repo,
    reviews: Option<std::path::PathBuf>,
) -> Result<(site::Built, Site), Error> {
    let options = Options {
        out: repo.root.join(&repo.config.site.out_dir),
        site_url: None,
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
/// edits to existing plans, the whole site otherwise. Each rebuild is pushed to the pages.
fn rebuild_on_change(
    ctx: &Context,
    site: Site,
    mut watcher: Watcher,
    out: &Path,
    mut note: Option<String>,
    state: &watch::Sender<State>,
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
                    state.send_modify(|s| s.error = Some(describe(&e)));
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
        state.send_modify(|s| {
            s.version += 1;
            s.whole = whole;
            s.error = match &outcome {
                Ok(_) => note.clone(),
                Err(e) => Some(describe(e)),
            };
        });
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

/// What every connection shares.
struct Server {
    out: PathBuf,
    port: u16,
    state: watch::Receiver<State>,
    slots: Arc<tokio::sync::Semaphore>,
}

type Body = Either<Full<Bytes>, Channel<Bytes>>;

/// Accepts connections for as long as the server runs. A failed accept (out of file
/// descriptors, say) is waited out, never fatal; a connection over the limit is told 503.
async fn accept(listener: tokio::net::TcpListener, server: Arc<Server>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&server.slots).try_acquire_owned() else {
            let _ = stream.try_write(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            continue;
        };
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let server = Arc::clone(&server);
                async move { Ok::<_, Infallible>(server.respond(&request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(IDLE)
                .max_buf_size(MAX_BUFFER)
                .max_header_size(MAX_HEAD_BYTES)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

impl Server {
    async fn respond(&self, request: &Request<hyper::body::Incoming>) -> Response<Body> {
        // DNS rebinding: a page from another site that resolves its name to 127.0.0.1 reaches
        // this port with its own name in `Host`.
        if !self.host_allowed(request) {
            return text(
                StatusCode::MISDIRECTED_REQUEST,
                &format!(
                    "planbook serve answers only to http://localhost:{0}/, http://127.0.0.1:{0}/ and http://[::1]:{0}/",
                    self.port
                ),
            );
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        match request.uri().path() {
            "/__planbook/reload.js" => {
                return full(
                    StatusCode::OK,
                    "text/javascript; charset=utf-8",
                    RELOAD_JS.into(),
                );
            }
            "/__planbook/status" => {
                let state = self.state.borrow().clone();
                let body = serde_json::to_vec(&state).unwrap_or_default();
                return full(StatusCode::OK, "application/json", body.into());
            }
            "/__planbook/events" => return self.events(),
            _ => {}
        }
        let Some(file) = resolve(&self.out, request.uri().path()) else {
            return text(StatusCode::NOT_FOUND, "not found");
        };
        let read = {
            let file = file.clone();
            tokio::task::spawn_blocking(move || std::fs::read(file)).await
        };
        let Ok(Ok(mut bytes)) = read else {
            return text(StatusCode::NOT_FOUND, "not found");
        };
        let kind = content_type(&file);
        if kind.starts_with("text/html") {
            let version = self.state.borrow().version;
            let tag = format!(
                "<script src=\"/__planbook/reload.js\" data-version=\"{version}\" async></script>"
            );
            if let Some(at) = memchr::memmem::rfind(&bytes, b"</body>") {
                bytes.splice(at..at, tag.into_bytes());
            }
        }
        full(StatusCode::OK, kind, bytes.into())
    }

    /// Whether the request names this server: `localhost`, `127.0.0.1` or `[::1]` with the
    /// port served (in `Host`, and in the target when it is an absolute URL).
    fn host_allowed(&self, request: &Request<hyper::body::Incoming>) -> bool {
        let allowed = |authority: &str| {
            let Some((name, port)) = authority.rsplit_once(':') else {
                return false;
            };
            port.parse::<u16>().ok() == Some(self.port)
                && (name.eq_ignore_ascii_case("localhost")
                    || name == "127.0.0.1"
                    || name == "[::1]")
        };
        let host = request
            .headers()
            .get_all(HOST)
            .iter()
            .map(|h| h.to_str().unwrap_or(""))
            .collect::<Vec<_>>();
        let target_ok = request
            .uri()
            .authority()
            .is_none_or(|a| allowed(a.as_str()));
        host.len() == 1 && allowed(host[0]) && target_ok
    }

    /// The event stream a page listens to: the state now, then after every rebuild.
    fn events(&self) -> Response<Body> {
        let (mut sender, body) = Channel::<Bytes>::new(1);
        let mut changes = self.state.clone();
        tokio::spawn(async move {
            loop {
                let state = changes.borrow_and_update().clone();
                let data = serde_json::to_string(&state).unwrap_or_default();
                let event = format!("data: {data}\n\n");
                if sender.send_data(event.into()).await.is_err() {
                    return;
                }
                loop {
                    match tokio::time::timeout(HEARTBEAT, changes.changed()).await {
                        Ok(Ok(())) => break,
                        Ok(Err(_)) => return,
                        Err(_) => {
                            if sender
                                .send_data(Bytes::from_static(b": ping\n\n"))
                                .await
                                .is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            }
        });
        let mut response = Response::new(Either::Right(body));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

fn full(status: StatusCode, kind: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Either::Left(Full::new(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    full(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(message.to_string()),
    )
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
