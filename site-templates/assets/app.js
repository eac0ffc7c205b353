// planbook site: theme switch, filters and full-text search. Everything works without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("planbook-theme"); } catch (e) {}
  if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);

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

    var table = document.getElementById("plans");
    var q = document.getElementById("q");
    if (!table || !q) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var selects = { status: "f-status", region: "f-region", owner: "f-owner" };
    // The search index comes in parts (see `search/` on the site): the list of plan ids, and
    // per three-letter prefix the words that start with it and the plans that use them. A
    // search fetches the ids and the parts of its words only.
    var base = document.body.getAttribute("data-base") || "/";
    var ids = null; // plan ids in index order, once loaded
    var parts = {}; // prefix -> {word: [plan positions]}, null while loading
    var PREFIX = 3;

    function chars(text) { return Array.from(text); }
    function prefixOf(term) { return chars(term).slice(0, PREFIX).join(""); }
    function hex(text) {
      return Array.prototype.map.call(new TextEncoder().encode(text), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    }
    function getJson(path) {
      return fetch(base + path).then(function (r) { return r.ok ? r.json() : null; });
    }

    function loadIndex(terms) {
      if (ids === null) {
        ids = false;
        getJson("search/ids.json").then(function (list) { ids = list || []; apply(); }).catch(function () {});
      }
      terms.forEach(function (t) {
        if (chars(t).length < PREFIX) return;
        var p = prefixOf(t);
        if (p in parts) return;
        parts[p] = null;
        getJson("search/" + hex(p) + ".json").then(function (part) { parts[p] = part || {}; apply(); })
          .catch(function () { parts[p] = {}; });
      });
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

    function apply() {
      var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean);
      var matches = terms.map(inText);
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        Object.keys(selects).forEach(function (key) {
          var value = document.getElementById(selects[key]).value;
          if (value && row.getAttribute("data-" + key) !== value) ok = false;
        });
        if (ok && terms.length) {
          var text = row.getAttribute("data-search");
          var id = text.split(" ")[0];
          ok = terms.every(function (t, i) { return text.indexOf(t) !== -1 || matches[i][id]; });
        }
        row.hidden = !ok;
        if (ok) shown++;
      });
      var empty = document.getElementById("empty");
      if (empty) empty.hidden = shown !== 0;
    }

    function terms() { return q.value.toLowerCase().split(/\s+/).filter(Boolean); }
    q.addEventListener("input", function () { loadIndex(terms()); apply(); });
    Object.keys(selects).forEach(function (key) {
      document.getElementById(selects[key]).addEventListener("change", apply);
    });
    var params = new URLSearchParams(window.location.search);
    ["status", "region", "owner"].forEach(function (key) {
      if (params.get(key)) document.getElementById(selects[key]).value = params.get(key);
    });
    if (params.get("q")) { q.value = params.get("q"); loadIndex(terms()); }
    apply();
  });
})();

// Tables and the address: wide tables say they scroll, tables sort by a click on a column
// header (or Enter or Space on it), and the search and filters live in the address (?q=…&status=…
// &sort=…), so Back returns to the same view and a filtered list can be shared.
(function () {
  "use strict";
  var FILTERS = { q: "q", status: "f-status", region: "f-region", owner: "f-owner" };

  // Before the filters are first applied: the controls show what the address says, and the
  // browser does not restore other values of its own after Back.
  var params = new URLSearchParams(window.location.search);
  var form = document.querySelector("form.filters");
  if (form) form.setAttribute("autocomplete", "off");
  Object.keys(FILTERS).forEach(function (key) {
    var control = document.getElementById(FILTERS[key]);
    if (control) control.value = params.get(key) || "";
  });

  function saveState(sort) {
    var next = new URLSearchParams();
    Object.keys(FILTERS).forEach(function (key) {
      var control = document.getElementById(FILTERS[key]);
      if (control && control.value) next.set(key, control.value);
    });
    var current = new URLSearchParams(window.location.search).get("sort");
    if (sort === undefined) sort = current;
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

  function makeSortable(table, inAddress) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies[0]) return;
    var headers = Array.prototype.slice.call(head.cells);
    function sortBy(index, direction, save) {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var keyed = rows.map(function (row, i) { return { row: row, i: i, key: sortKey(row.cells[index] || row.cells[0]) }; });
      keyed.sort(function (a, b) {
        // Empty cells last either way; ties keep their order.
        if (a.key[0] === 3 || b.key[0] === 3) return (a.key[0] === 3) - (b.key[0] === 3) || a.i - b.i;
        return (direction === "descending" ? -compare(a.key, b.key) : compare(a.key, b.key)) || a.i - b.i;
      });
      keyed.forEach(function (k) { body.appendChild(k.row); });
      headers.forEach(function (th, i) {
        if (i === index) th.setAttribute("aria-sort", direction);
        else th.removeAttribute("aria-sort");
      });
      if (save) saveState(index + (direction === "descending" ? "-desc" : ""));
    }
    headers.forEach(function (th, index) {
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
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortBy(index, next, inAddress);
      });
    });
    if (inAddress) {
      var saved = (params.get("sort") || "").match(/^(\d+)(-desc)?$/);
      if (saved && headers[Number(saved[1])]) sortBy(Number(saved[1]), saved[2] ? "descending" : "ascending", false);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
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

    Array.prototype.slice.call(document.querySelectorAll("table.plans, table.sortable")).forEach(function (table) {
      makeSortable(table, table.id === "plans");
    });

    if (form) {
      // Enter in the search box filters; there is nothing to submit.
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      Object.keys(FILTERS).forEach(function (key) {
        var control = document.getElementById(FILTERS[key]);
        if (control) control.addEventListener(key === "q" ? "input" : "change", function () { saveState(); });
      });
    }
  });
})();
