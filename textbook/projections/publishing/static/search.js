// Search the web edition: the text, footnotes and captions of every section, from search.json.
(function () {
  "use strict";
  function words(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").match(/[a-z0-9]+/g) || [];
  }
  function run(entries, query) {
    var terms = words(query);
    if (!terms.length) return [];
    var hits = [];
    entries.forEach(function (entry) {
      var haystack = words(entry.title + " " + entry.text).join(" ");
      var score = 0;
      for (var i = 0; i < terms.length; i++) {
        var n = haystack.split(terms[i]).length - 1;
        if (!n) return;
        score += n;
      }
      hits.push({ entry: entry, score: score });
    });
    return hits.sort(function (a, b) { return b.score - a.score; }).slice(0, 50);
  }
  function snippet(text, query) {
    var lower = text.toLowerCase(), at = lower.indexOf(words(query)[0] || "");
    var start = Math.max(0, at - 80);
    return (start ? "…" : "") + text.slice(start, start + 220) + "…";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("search-results");
    if (!list) return;
    var query = new URLSearchParams(location.search).get("q") || "";
    document.getElementById("q").value = query;
    var status = document.getElementById("search-status");
    fetch("search.json").then(function (r) { return r.json(); }).then(function (entries) {
      var hits = run(entries, query);
      status.textContent = query ? hits.length + " sections match “" + query + "”." : status.textContent;
      hits.forEach(function (hit) {
        var li = document.createElement("li"), a = document.createElement("a"), span = document.createElement("span");
        a.href = hit.entry.href;
        a.textContent = hit.entry.chapter + " › " + hit.entry.title;
        span.className = "context";
        span.textContent = snippet(hit.entry.text, query);
        li.appendChild(a); li.appendChild(span); list.appendChild(li);
      });
    });
  });
})();
