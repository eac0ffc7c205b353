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
