// Search the web edition: the text, footnotes and captions of every section, from search.json.
// The same rules as the web app's search (textbook/projections/publishing/search.py): a word
// matches the words it begins, a "quoted phrase" the same words in a row; a word found nowhere in
// the book is read as the book's nearest word (a typo), and the reader is told so. Matches are
// marked with <mark>; every piece of text goes into the page as text, never as HTML.
(function () {
  "use strict";
  var MAX_QUERY = 200, MAX_WORDS = 10, SNIPPET = 240, CLOSE = 3;
  var WORD = /[\p{L}\p{N}]+/gu;

  function key(word) {
    return word.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  }
  function spans(text) {
    var found = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var k = key(m[0]);
      if (k) found.push([m.index, m.index + m[0].length, k]);
    }
    return found;
  }
  function keys(text) { return spans(text).map(function (s) { return s[2]; }); }
  function allowed(word) { return word.length < 4 ? 0 : word.length < 8 ? 1 : 2; }

  // Edits between two words (insert, delete, replace, swap two neighbours), or limit + 1.
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var prev2 = [], prev = [], row = [], i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
        row[j] = d;
        if (d < best) best = d;
      }
      if (best > limit) return limit + 1;
      prev2 = prev; prev = row;
    }
    return prev[b.length];
  }

  function parse(query) {
    var count = query.split(/\s+/).filter(Boolean).length;
    if (query.length > MAX_QUERY || count > MAX_WORDS) {
      return { error: "The search has " + query.length.toLocaleString("en") + " characters and " +
        count.toLocaleString("en") + " words; search for at most " + MAX_WORDS + " words and " +
        MAX_QUERY + " characters." };
    }
    var terms = [], part = /"([^"]*)"?|(\S+)/g, m;
    while ((m = part.exec(query)) !== null) {
      if (m[1] !== undefined) {
        var words = keys(m[1]);
        if (words.length) terms.push({ words: words, phrase: words.length > 1 });
      } else {
        keys(m[2]).forEach(function (w) { terms.push({ words: [w], phrase: false }); });
      }
    }
    return { terms: terms };
  }

  function Index(entries) {
    var seen = {};
    this.entries = entries.map(function (entry) {
      var e = { fields: entry, title: spans(entry.title), text: spans(entry.text) };
      e.title.concat(e.text).forEach(function (s) { seen[s[2]] = true; });
      return e;
    });
    this.vocabulary = Object.keys(seen).sort();
    this.has = seen;
  }
  Index.prototype.known = function (word) {
    return this.vocabulary.some(function (w) { return w.lastIndexOf(word, 0) === 0; });
  };
  Index.prototype.nearest = function (word) {
    var limit = allowed(word), found = [];
    if (!limit) return [];
    this.vocabulary.forEach(function (w) {
      var d = distance(word, w, limit);
      if (d <= limit) found.push([d, w]);
    });
    if (!found.length) return [];
    var best = Math.min.apply(null, found.map(function (f) { return f[0]; }));
    return found.filter(function (f) { return f[0] === best; }).map(function (f) { return f[1]; })
      .sort(function (a, b) { return a.length - b.length || (a < b ? -1 : 1); }).slice(0, CLOSE);
  };
  Index.prototype.spelt = function (word) {
    if (Object.prototype.hasOwnProperty.call(this.has, word)) return word;
    var near = this.nearest(word);
    return near.length ? near[0] : null;
  };
  Index.prototype.search = function (query) {
    var parsed = parse(query), self = this;
    if (parsed.error) return parsed;
    var choices = [], corrected = false;
    for (var t = 0; t < parsed.terms.length; t++) {
      var term = parsed.terms[t];
      if (term.phrase) {
        var words = term.words.map(function (w) { return self.spelt(w); });
        if (words.indexOf(null) >= 0) return { hits: [], readAs: "" };
        corrected = corrected || words.join(" ") !== term.words.join(" ");
        choices.push([{ words: words, phrase: true }]);
      } else if (this.known(term.words[0])) {
        choices.push([term]);
      } else {
        var near = this.nearest(term.words[0]);
        if (!near.length) return { hits: [], readAs: "" };
        corrected = true;
        choices.push(near.map(function (w) { return { words: [w], phrase: false }; }));
      }
    }
    if (!choices.length) return { hits: [], readAs: "" };
    var hits = [];
    this.entries.forEach(function (entry, position) {
      var titleMarks = [], textMarks = [];
      for (var c = 0; c < choices.length; c++) {
        var inTitle = [], inText = [];
        choices[c].forEach(function (option) {
          inTitle = inTitle.concat(occurrences(entry.title, option));
          inText = inText.concat(occurrences(entry.text, option));
        });
        if (!inTitle.length && !inText.length) return;
        titleMarks = titleMarks.concat(inTitle);
        textMarks = textMarks.concat(inText);
      }
      hits.push({ entry: entry.fields, score: 3 * titleMarks.length + textMarks.length, position: position,
        titleMarks: sortMarks(titleMarks), textMarks: sortMarks(textMarks) });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.position - b.position; });
    var readAs = corrected ? choices.map(function (options) {
      var o = options[0], joined = o.words.join(" ");
      return o.phrase ? "“" + joined + "”" : joined;
    }).join(" ") : "";
    return { hits: hits.slice(0, 50), readAs: readAs };
  };

  function sortMarks(marks) { return marks.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }); }

  function occurrences(found, term) {
    var words = term.words, count = words.length, marks = [];
    for (var i = 0; i + count <= found.length; i++) {
      if (term.phrase) {
        var all = true;
        for (var j = 0; j < count; j++) if (found[i + j][2] !== words[j]) { all = false; break; }
        if (all) marks.push([found[i][0], found[i + count - 1][1]]);
      } else if (found[i][2].lastIndexOf(words[0], 0) === 0) {
        marks.push([found[i][0], found[i][1]]);
      }
    }
    return marks;
  }

  // Append text to a parent, each mark (start, end) wrapped in <mark>; overlaps merged.
  function appendMarked(parent, text, marks) {
    var merged = [];
    marks.forEach(function (m) {
      var last = merged[merged.length - 1];
      if (last && m[0] <= last[1]) last[1] = Math.max(last[1], m[1]);
      else merged.push([m[0], m[1]]);
    });
    var at = 0;
    merged.forEach(function (m) {
      parent.appendChild(document.createTextNode(text.slice(at, m[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m[0], m[1]);
      parent.appendChild(mark);
      at = m[1];
    });
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function appendSnippet(parent, text, marks) {
    var start = 0, end;
    if (marks.length) {
      start = Math.max(0, marks[0][0] - Math.floor(SNIPPET / 3));
      if (start) start = text.lastIndexOf(" ", start - 1) + 1;
    }
    end = Math.min(text.length, start + SNIPPET);
    if (end < text.length) end = Math.max(text.lastIndexOf(" ", end - 1), start + SNIPPET / 2);
    if (end <= start) end = Math.min(text.length, start + SNIPPET);
    var inside = marks.filter(function (m) { return m[0] < end && m[1] > start; }).map(function (m) {
      return [Math.max(m[0], start) - start, Math.min(m[1], end) - start];
    });
    if (start) parent.appendChild(document.createTextNode("…"));
    appendMarked(parent, text.slice(start, end), inside);
    if (end < text.length) parent.appendChild(document.createTextNode("…"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("search-results");
    if (!list) return;
    var query = new URLSearchParams(location.search).get("q") || "";
    document.getElementById("q").value = query;
    var status = document.getElementById("search-status");
    if (!query.trim()) return;
    fetch("search.json").then(function (r) { return r.json(); }).then(function (entries) {
      var found = new Index(entries).search(query);
      if (found.error) {
        status.textContent = found.error;
        return;
      }
      var n = found.hits.length;
      status.textContent = n + (n === 1 ? " section matches" : " sections match") + " “" + query + "”" +
        (found.readAs ? ", read as " + found.readAs : "") + "." +
        (n ? "" : " Try fewer words, or other words; put \"quotation marks\" around words that belong together.");
      found.hits.forEach(function (hit) {
        var li = document.createElement("li"), a = document.createElement("a"), span = document.createElement("span");
        a.href = hit.entry.href;
        a.appendChild(document.createTextNode(hit.entry.chapter + " › "));
        appendMarked(a, hit.entry.title, hit.titleMarks);
        span.className = "context";
        appendSnippet(span, hit.entry.text, hit.textMarks);
        li.appendChild(a); li.appendChild(span); list.appendChild(li);
      });
    });
  });
})();
