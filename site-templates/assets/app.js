// planbook site: theme switch, filters, full-text search and sortable tables. Everything
// works without it.
//
// The search, filters and sort live in the address (?q=…&status=…&sort=…), so Back returns to
// the same view and a filtered list can be shared. On an index cut into pages (`page/2/`…)
// they cover every plan: the script then reads the listing (`listing/<n>.json`, every plan
// as its row shows it) and shows the plans that match in place of the page's rows.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("planbook-theme"); } catch (e) {}
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

  var FILTERS = { q: "q", status: "f-status", region: "f-region", owner: "f-owner" };
  var params = new URLSearchParams(window.location.search);

  function control(key) { return document.getElementById(FILTERS[key]); }
  function currentSort() { return new URLSearchParams(window.location.search).get("sort"); }

  function saveState(sort) {
    var next = new URLSearchParams();
    Object.keys(FILTERS).forEach(function (key) {
      var c = control(key);
      if (c && c.value) next.set(key, c.value);
    });
    if (sort === undefined) sort = currentSort();
    if (sort) next.set("sort", sort);
    var query = next.toString();
    try {
      history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    } catch (e) {}
  }

  // The text of a cell as the sort sees it: a progress bar's value, the first date, the
  // first number, or the words.
  function sortKey(cell) {
    var bar = cell.querySelector("progress");
    if (bar) return [0, Number(bar.getAttribute("value"))];
    var text = cell.textContent.replace(/\s+/g, " ").trim();
    var date = text.match(/\d{4}-\d{2}-\d{2}/);
    if (date) return [1, date[0]];
    var number = text.match(/-?\d[\d,]*(\.\d+)?/);
    if (number && /^\W*[A-Z]{0,3}\s?-?\d/.test(text)) return [0, Number(number[0].replace(/,/g, ""))];
    if (text === "" || text === "—") return [3, ""];
    return [2, text.toLowerCase()];
  }

  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    if (a[1] < b[1]) return -1;
    return a[1] > b[1] ? 1 : 0;
  }

  // `items` ordered by `keyOf(item)`; empty keys last either way, ties keep their order.
  function ordered(items, keyOf, direction) {
    var keyed = items.map(function (item, i) { return { item: item, i: i, key: keyOf(item) }; });
    keyed.sort(function (a, b) {
      if (a.key[0] === 3 || b.key[0] === 3) return (a.key[0] === 3) - (b.key[0] === 3) || a.i - b.i;
      return (direction === "descending" ? -compare(a.key, b.key) : compare(a.key, b.key)) || a.i - b.i;
    });
    return keyed.map(function (k) { return k.item; });
  }

  function markSorted(table, index, direction) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (i === index) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
    });
  }

  // Orders the rows of `table` by column `index`.
  function sortRows(table, index, direction) {
    var body = table.tBodies[0];
    var rows = ordered(Array.prototype.slice.call(body.rows), function (row) {
      return sortKey(row.cells[index] || row.cells[0]);
    }, direction);
    rows.forEach(function (row) { body.appendChild(row); });
    markSorted(table, index, direction);
  }

  // What `sortKey` reads in column `index` of a plan's row, from the listing's plan.
  function listedKey(p, index) {
    switch (index) {
      case 0: return [2, (p.title + p.scope).toLowerCase()];
      case 1: return [2, (p.statusLabel + (p.outcome ? " " + p.outcome : "")).toLowerCase()];
      case 2: return [2, p.ownerName.toLowerCase()];
      case 3: return p.start ? [1, p.start] : [3, ""];
      case 4:
        if (!p.progress) return [3, ""];
        if (p.progress.state === "no-data") return [2, "no check-in yet"];
        return [0, Math.min(Math.max(p.progress.percent, 0), 100)];
      case 5: return p.reassess ? [1, p.reassess] : [3, ""];
      default:
        if (p.lastChange || p.lastCheckin) return [1, p.lastChange || p.lastCheckin];
        return [2, "— no check-in yet"];
    }
  }

  function parseSort(value, table) {
    var m = (value || "").match(/^(\d+)(-desc)?$/);
    if (!m || !table.tHead.rows[0].cells[Number(m[1])]) return null;
    return { index: Number(m[1]), direction: m[2] ? "descending" : "ascending" };
  }

  // Column headers become buttons; `onSort(index, direction)` decides what a click does.
  function makeSortable(table, onSort) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies[0]) return;
    Array.prototype.forEach.call(head.cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      var arrow = document.createElement("span");
      arrow.className = "sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      th.appendChild(button);
      button.addEventListener("click", function () {
        onSort(index, th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending");
      });
    });
  }

  // An element with a class and text (never HTML: plan fields are written by plan authors).
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function append(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(typeof arguments[i] === "string" ? document.createTextNode(arguments[i]) : arguments[i]);
    return parent;
  }

  // A plan of the listing with its part's tables looked up: `listing/<n>.json` gives each
  // owner and label once (the order of the fields is in docs/templates.md, "The listing").
  function unpack(p, part) {
    var owner = part.owners[p[5]] || ["", "", ""];
    var pr = p[15];
    return {
      id: p[0], title: p[1], scope: p[2], status: p[3], statusLabel: part.labels[p[3]] || p[3],
      outcome: p[4], owner: owner[0], ownerName: owner[1], ownerUrl: owner[2], region: p[6] || "",
      start: p[7], end: p[8], reassess: p[9], days: p[10], overdue: p[11], lastChange: p[12],
      lastAuthor: p[13], lastCheckin: p[14], url: part.plan_url.split("{id}").join(p[0]),
      progress: pr && { state: pr[0], label: part.labels[pr[0]] || pr[0], percent: pr[1], latest: pr[2], target: pr[3],
        forecast: pr[4] && { value: pr[4][0], state: pr[4][1], label: part.labels[pr[4][1]] || pr[4][1] } },
      search: [p[0], p[1].toLowerCase(), owner[1].toLowerCase(), p[2].toLowerCase()].join(" ")
    };
  }

  // What the filters and the search compare, of a row of the page.
  function rowFields(row) {
    return { status: row.getAttribute("data-status"), region: row.getAttribute("data-region"),
      owner: row.getAttribute("data-owner"), search: row.getAttribute("data-search") };
  }

  // A row of the plan table from a plan of the listing, as `_plan_table.html` writes it.
  function listedRow(p, base) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-status", p.status);
    tr.setAttribute("data-region", p.region);
    tr.setAttribute("data-owner", p.owner);
    tr.setAttribute("data-search", p.search);
    var link = el("a", "plan-link", p.title);
    link.href = base + p.url;
    append(tr, append(el("td"), link, el("div", "muted small", p.scope)));
    append(tr, append(el("td"), el("span", "badge status-" + p.status, p.statusLabel), p.outcome ? el("div", "small muted", p.outcome) : null));
    var owner = el("a", "", p.ownerName);
    owner.href = base + p.ownerUrl;
    append(tr, append(el("td"), owner));
    append(tr, append(el("td", "nowrap small"), p.start, el("br"), p.end));
    var progress = el("td");
    var pr = p.progress;
    if (pr && pr.state === "no-data") {
      progress.appendChild(el("span", "muted small", "no check-in yet"));
    } else if (pr) {
      var bar = el("progress");
      bar.max = 100;
      bar.setAttribute("value", Math.min(Math.max(pr.percent, 0), 100));
      bar.setAttribute("aria-label", pr.percent + "% of the way to target");
      append(progress, bar,
        append(el("div", "small"), el("strong", "nowrap", pr.latest), " ", el("span", "muted nowrap", "of " + pr.target)),
        append(el("div", "small"), el("span", "state state-" + pr.state, pr.label), " ", el("span", "muted", "· " + pr.percent + "% of the way")));
      if (pr.forecast) {
        append(progress, append(el("div", "small"), "forecast ", el("span", "nowrap", pr.forecast.value), " by ",
          el("span", "nowrap", p.end), " · ", el("span", "state state-" + pr.forecast.state, pr.forecast.label)));
      }
    }
    tr.appendChild(progress);
    var reassess = el("td", "nowrap small");
    var days = p.days;
    if (p.status === "assessed" || p.status === "withdrawn") reassess.appendChild(el("span", "muted", "—"));
    else if (days === null) reassess.appendChild(document.createTextNode("—"));
    else if (p.overdue) reassess.appendChild(el("span", "overdue", -days + " days overdue"));
    else if (days < 0) reassess.appendChild(document.createTextNode(-days + " days ago"));
    else reassess.appendChild(document.createTextNode("in " + days + " days"));
    append(tr, append(reassess, el("div", "muted", p.reassess)));
    append(tr, append(el("td", "nowrap small"), p.lastChange || "—", p.lastAuthor ? el("div", "muted", p.lastAuthor) : null,
      el("div", "muted", p.lastCheckin ? "check-in " + p.lastCheckin : "no check-in yet")));
    return tr;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme");
    if (button) {
      button.addEventListener("click", function () {
        var dark = root.getAttribute("data-theme") === "dark" ||
          (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
        var next = dark ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("planbook-theme", next); } catch (e) {}
      });
    }

    // A table wider than its region says so above it; the region scrolls on its own.
    var regions = Array.prototype.slice.call(document.querySelectorAll(".table-scroll"));
    var hints = regions.map(function (region) {
      var hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = "Scroll the table sideways for more columns →";
      region.parentNode.insertBefore(hint, region);
      return hint;
    });
    function markOverflow() {
      regions.forEach(function (region, i) {
        hints[i].className = "scroll-hint" + (region.scrollWidth > region.clientWidth + 1 ? " shown" : "");
      });
    }
    markOverflow();
    window.addEventListener("resize", markOverflow);

    var table = document.getElementById("plans");
    Array.prototype.slice.call(document.querySelectorAll("table.plans, table.sortable")).forEach(function (t) {
      if (t !== table) makeSortable(t, function (index, direction) { sortRows(t, index, direction); });
    });
    if (!table) return;

    var q = document.getElementById("q");
    var form = document.querySelector("form.filters");
    var base = document.body.getAttribute("data-base") || "";
    var listingParts = Number(table.getAttribute("data-listing") || 0);
    var pager = document.getElementById("pager");
    var count = document.getElementById("plans-count");
    var countText = count ? count.textContent : "";
    var pageRows = Array.prototype.slice.call(table.tBodies[0].rows);
    // Plans of the listing are shown SHOW at a time: a button shows more.
    var SHOW = 200;
    var limit = SHOW;
    var more = null;
    if (listingParts) {
      more = el("button", "more", "Show more");
      more.type = "button";
      more.hidden = true;
      more.addEventListener("click", function () { limit += SHOW; update(); });
      var region = table.closest(".table-scroll") || table;
      region.parentNode.insertBefore(more, pager || region.nextSibling);
    }

    // Before the filters are first applied: the controls show what the address says, and the
    // browser does not restore other values of its own after Back.
    if (form) form.setAttribute("autocomplete", "off");
    Object.keys(FILTERS).forEach(function (key) {
      var c = control(key);
      if (c) c.value = params.get(key) || "";
    });

    // The search index comes in parts (see `search/` on the site): the list of plan ids, and
    // per three-letter prefix the words that start with it and the plans that use them. A
    // search fetches the ids and the parts of its words only.
    var ids = null; // plan ids in index order, once loaded
    var parts = {}; // prefix -> {word: [plan positions]}, null while loading
    var PREFIX = 3;
    var listing = null; // per part of the listing: its plans unpacked, null while loading
    var built = {}; // plan id -> its row, made from the listing once

    function chars(text) { return Array.from(text); }
    function prefixOf(term) { return chars(term).slice(0, PREFIX).join(""); }
    function hex(text) {
      return Array.prototype.map.call(new TextEncoder().encode(text), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    }
    // Each data file has a script twin (`….js`) that hands its data to `planbookData`: a page
    // opened from disk (`file://`) may not fetch a file, but it may load a script.
    var waiting = {};
    function settle(path, data) {
      var done = waiting[path] || [];
      delete waiting[path];
      done.forEach(function (resolve) { resolve(data); });
    }
    window.planbookData = settle;
    function getJson(path) {
      return new Promise(function (resolve) {
        if (waiting[path]) { waiting[path].push(resolve); return; }
        waiting[path] = [resolve];
        var script = document.createElement("script");
        script.src = base + path.replace(/\.json$/, ".js");
        script.onload = function () { script.remove(); settle(path, null); };
        script.onerror = function () { script.remove(); settle(path, null); };
        document.head.appendChild(script);
      });
    }
    function terms() { return q ? q.value.toLowerCase().split(/\s+/).filter(Boolean) : []; }

    function loadIndex(words) {
      if (ids === null) {
        ids = false;
        getJson("search/ids.json").then(function (list) { ids = list || []; update(); }).catch(function () {});
      }
      words.forEach(function (t) {
        if (chars(t).length < PREFIX) return;
        var p = prefixOf(t);
        if (p in parts) return;
        parts[p] = null;
        getJson("search/" + hex(p) + ".json").then(function (part) { parts[p] = part || {}; update(); })
          .catch(function () { parts[p] = {}; });
      });
    }

    function loadListing() {
      if (listing) return;
      listing = [];
      for (var i = 0; i < listingParts; i++) {
        listing.push(null);
        (function (i) {
          getJson("listing/" + i + ".json").then(function (part) {
            listing[i] = part ? part.plans.map(function (p) { return unpack(p, part); }) : [];
            update();
          })
            .catch(function () { listing[i] = []; update(); });
        })(i);
      }
    }

    // The ids of the plans whose text has a word starting with `term`.
    function inText(term) {
      var found = {};
      var part = parts[prefixOf(term)];
      if (!ids || !part) return found;
      Object.keys(part).forEach(function (word) {
        if (word.indexOf(term) !== 0) return;
        part[word].forEach(function (i) { found[ids[i]] = true; });
      });
      return found;
    }

    function matcher() {
      var words = terms();
      var found = words.map(inText);
      var wanted = {};
      ["status", "region", "owner"].forEach(function (key) {
        var c = control(key);
        if (c && c.value) wanted[key] = c.value;
      });
      return function (fields) {
        for (var key in wanted) if (fields[key] !== wanted[key]) return false;
        if (!words.length) return true;
        var text = fields.search;
        var id = text.split(" ")[0];
        return words.every(function (t, i) { return text.indexOf(t) !== -1 || found[i][id]; });
      };
    }

    function filtering() {
      return Object.keys(FILTERS).some(function (key) { var c = control(key); return c && c.value; });
    }

    function showRows(rows) {
      var body = table.tBodies[0];
      while (body.firstChild) body.removeChild(body.firstChild);
      rows.forEach(function (row) { row.hidden = false; body.appendChild(row); });
    }

    function update() {
      var sort = parseSort(currentSort(), table);
      var matches = matcher();
      var shown = 0;
      if (listingParts && (filtering() || sort)) {
        // Every plan, from the listing: the page's own rows stand for the others until it
        // has arrived.
        loadListing();
        var loaded = listing.filter(Boolean);
        if (pager) pager.hidden = true;
        if (loaded.length < listingParts) {
          if (count) count.textContent = "Reading every plan… (" + loaded.length + " of " + listingParts + " parts)";
          return;
        }
        var found = [];
        loaded.forEach(function (plans) {
          plans.forEach(function (p) { if (matches(p)) found.push(p); });
        });
        if (sort) {
          found = ordered(found, function (p) { return listedKey(p, sort.index); }, sort.direction);
          markSorted(table, sort.index, sort.direction);
        }
        var rows = found.slice(0, limit).map(function (p) {
          if (!built[p.id]) built[p.id] = listedRow(p, base);
          return built[p.id];
        });
        showRows(rows);
        shown = rows.length;
        more.hidden = found.length <= limit;
        more.textContent = "Show " + Math.min(SHOW, found.length - limit) + " more";
        if (count) {
          count.textContent = found.length + " plan" + (found.length === 1 ? "" : "s") +
            (filtering() ? " match" + (found.length === 1 ? "es" : "") + " the search and filters" : "") +
            ", from every page" + (found.length > rows.length ? "; the first " + rows.length + " are shown." : ".");
        }
      } else {
        if (more) more.hidden = true;
        if (listingParts) {
          showRows(pageRows);
          if (pager) pager.hidden = false;
          if (count) count.textContent = countText;
        }
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = !matches(rowFields(row));
          if (!row.hidden) shown++;
        });
      }
      if (sort && !listingParts) sortRows(table, sort.index, sort.direction);
      var empty = document.getElementById("empty");
      if (empty) empty.hidden = shown !== 0;
    }

    makeSortable(table, function (index, direction) {
      saveState(index + (direction === "descending" ? "-desc" : ""));
      limit = SHOW;
      update();
    });
    if (form) {
      // Enter in the search box filters; there is nothing to submit.
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      Object.keys(FILTERS).forEach(function (key) {
        var c = control(key);
        if (!c) return;
        c.addEventListener(key === "q" ? "input" : "change", function () {
          saveState();
          limit = SHOW;
          if (key === "q") loadIndex(terms());
          update();
        });
      });
    }
    if (terms().length) loadIndex(terms());
    update();
  });
})();
