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
    var q = document.getElementById("q");
    if (!table || !q) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var selects = { status: "f-status", region: "f-region", owner: "f-owner" };
    var words = null; // plan id -> searchable text, loaded on first search
    var base = document.body.getAttribute("data-base") || "/";

    function loadIndex() {
      if (words !== null) return;
      words = {};
      fetch(base + "search-index.json").then(function (r) { return r.json(); }).then(function (index) {
        index.forEach(function (entry) { words[entry.id] = entry.text; });
        apply();
      }).catch(function () {});
    }

    function apply() {
      var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        Object.keys(selects).forEach(function (key) {
          var value = document.getElementById(selects[key]).value;
          if (value && row.getAttribute("data-" + key) !== value) ok = false;
        });
        if (ok && terms.length) {
          var id = row.getAttribute("data-search").split(" ")[0];
          var text = row.getAttribute("data-search") + " " + ((words && words[id]) || "");
          ok = terms.every(function (t) { return text.indexOf(t) !== -1; });
        }
        row.hidden = !ok;
        if (ok) shown++;
      });
      var empty = document.getElementById("empty");
      if (empty) empty.hidden = shown !== 0;
    }

    q.addEventListener("focus", loadIndex);
    q.addEventListener("input", function () { loadIndex(); apply(); });
    Object.keys(selects).forEach(function (key) {
      document.getElementById(selects[key]).addEventListener("change", apply);
    });
    var params = new URLSearchParams(window.location.search);
    ["status", "region", "owner"].forEach(function (key) {
      if (params.get(key)) document.getElementById(selects[key]).value = params.get(key);
    });
    if (params.get("q")) { q.value = params.get("q"); loadIndex(); }
    apply();
  });
})();
