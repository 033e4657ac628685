// The section editor: live preview through the server's pipeline, a formatting toolbar with
// pickers over the book's works, images and ids, a draft kept in this browser so that no text
// is lost (a lost session, a refused or failed submit), and a warning before leaving unsaved.
(function () {
  "use strict";
  var DRAFTS = "textbook-draft:", PENDING = "textbook-draft-pending";
  var SHOWN = 100;  // items a picker lists at once; typing narrows them

  function store() {  // localStorage, or null where the browser refuses it (private modes)
    try { return window.localStorage; } catch (e) { return null; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("text"), preview = document.getElementById("preview");
    if (!text || !preview) return;
    var form = text.form;
    var message = form.querySelector("input[name=message]");
    var refresh = livePreview(text, preview, form);
    var edits = editing(text, refresh);
    var drafts = keepDrafts(text, message, form, refresh);
    toolbar(text, edits);
    pickers(text, form, edits);
    cheatsheet();
    text.addEventListener("input", drafts.changed);
    if (message) message.addEventListener("input", drafts.changed);
  });

  // ---- Preview -------------------------------------------------------------------------------
  function livePreview(text, preview, form) {
    var timer = null, last = null, pausedUntil = 0, sent = 0;
    function say(message, link) {
      preview.textContent = "";
      var note = document.createElement("p");
      note.className = "preview-note";
      note.setAttribute("role", "status");
      note.textContent = message;
      if (link) {  // a sign-in page in a new tab: this one keeps the text being written
        var a = document.createElement("a");
        a.href = "/signin";
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = link;
        note.appendChild(document.createTextNode(" "));
        note.appendChild(a);
      }
      preview.appendChild(note);
    }
    function field(name) {  // where the text goes: the form's choice, else the page's
      var place = form.elements.namedItem("place");  // a new section's: "chapter/after"
      if (place && place.value !== undefined && (name === "chapter" || name === "after")) {
        var parts = place.value.split("/");
        return name === "chapter" ? parts[0] : parts.slice(1).join("/");
      }
      var input = form.elements.namedItem(name);
      return input && input.value !== undefined ? input.value : (text.dataset[name] || "");
    }
    function key() {
      return [text.value, field("chapter"), field("after")].join("\u0000");
    }
    function render() {
      if (key() === last) return;
      var wait = pausedUntil - Date.now();
      if (wait > 0) { clearTimeout(timer); timer = setTimeout(render, wait); return; }
      last = key();
      var mine = ++sent;  // answers can come out of order: only the latest request's is shown
      var body = new FormData();
      body.append("csrf", form.querySelector("input[name=csrf]").value);
      body.append("book", text.dataset.book || "");
      body.append("proposal", text.dataset.proposal || "");
      body.append("kind", text.dataset.kind || "");
      body.append("section", text.dataset.section || "");
      body.append("chapter", field("chapter"));
      body.append("after", field("after"));
      body.append("text", text.value);
      fetch("/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) {
          if (mine !== sent) return null;
          if (r.status === 401) {
            last = null;
            say("You are signed out, so there is no preview. Your text is kept in this browser: sign in again (in another tab, or later) and come back to this page.", "Sign in (opens a new tab)");
            return null;
          }
          if (r.status === 429) {
            var seconds = parseInt(r.headers.get("Retry-After") || "10", 10) || 10;
            pausedUntil = Date.now() + seconds * 1000;
            last = null;
            say("The preview pauses for " + seconds + " s (too many previews in a minute); your text is safe.");
            clearTimeout(timer); timer = setTimeout(render, seconds * 1000);
            return null;
          }
          var type = r.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") !== 0) {
            last = null;
            say(r.status === 403 ? "This page has expired: reload it to see the preview (your text is kept in this browser)." : "The preview is not available right now.");
            return null;
          }
          return r.json();
        })
        .then(function (data) {
          if (data === null || mine !== sent) return;
          if (data.html !== undefined) { preview.innerHTML = data.html; }
          else { say(data.error || "The preview failed."); }
        })
        .catch(function () {
          if (mine !== sent) return;
          last = null;
          say("The preview is not available right now.");
        });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(render, 400); }
    text.addEventListener("input", soon);
    ["chapter", "after", "place"].forEach(function (name) {
      var select = form.elements.namedItem(name);
      if (select && select.addEventListener) select.addEventListener("change", soon);
    });
    render();
    return soon;
  }

  // ---- Editing the text ----------------------------------------------------------------------
  function editing(text, refresh) {
    var saved = { start: 0, end: 0 };
    function remember() { saved = { start: text.selectionStart, end: text.selectionEnd }; }
    text.addEventListener("select", remember);
    text.addEventListener("keyup", remember);
    text.addEventListener("mouseup", remember);
    text.addEventListener("blur", remember);
    // Replace the remembered selection with `value`, then select [from, to) of what was put in.
    function put(value, from, to) {
      text.focus();
      text.setSelectionRange(saved.start, saved.end);
      var at = saved.start;
      // execCommand keeps the browser's undo (Ctrl+Z); setRangeText is the fallback.
      var done = false;
      try { done = document.execCommand("insertText", false, value); } catch (e) { done = false; }
      if (!done || text.value.substr(at, value.length) !== value) {
        text.setRangeText(value, saved.start, saved.end, "end");
        text.dispatchEvent(new Event("input", { bubbles: true }));
      }
      text.setSelectionRange(at + (from === undefined ? value.length : from), at + (to === undefined ? value.length : to));
      remember();
      refresh();
    }
    function selected() { return text.value.slice(saved.start, saved.end); }
    function blockBefore() {  // blank lines so that a block stands on its own
      var before = text.value.slice(0, saved.start);
      if (before === "" || /\n\n$/.test(before)) return "";
      return /\n$/.test(before) ? "\n" : "\n\n";
    }
    function wrap(open, close, placeholder) {
      var inner = selected() || placeholder;
      put(open + inner + close, open.length, open.length + inner.length);
    }
    function headingLevel() {
      var first = /^(#{1,6})\s/m.exec(text.value);
      return first && first[1].length === 2 ? "###" : "##";
    }
    function slug(words) {
      return words.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "new-id";
    }
    var actions = {
      heading: function () {
        var title = selected().trim() || "Title", pre = blockBefore() + headingLevel() + " ";
        put(pre + title + " {#" + slug(title) + "}\n\n", pre.length, pre.length + title.length);
      },
      bold: function () { wrap("**", "**", "bold words"); },
      italic: function () { wrap("*", "*", "emphasised words"); },
      bullets: function () { list("- "); },
      numbers: function () { list("1. "); },
      link: function () {
        var words = selected() || "words", open = "[" + words + "](";
        put(open + "https://" + ")", open.length, open.length + 8);
      },
      math: function () { wrap("$", "$", "x^2"); },
      display: function () {
        var pre = blockBefore() + "$$\n", inner = selected() || "\\int_0^1 f(x)\\,dx";
        put(pre + inner + "\n$$\n\n", pre.length, pre.length + inner.length);
      }
    };
    function list(marker) {
      var lines = (selected() || "item").split("\n"), pre = blockBefore();
      var body = lines.map(function (line, i) {
        return (marker === "1. " ? (i + 1) + ". " : marker) + line.replace(/^\s*([-*+]|\d+\.)\s+/, "");
      }).join("\n");
      put(pre + body + "\n\n", pre.length, pre.length + body.length);
    }
    text.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      var name = { b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()];
      if (!name) return;
      event.preventDefault();
      remember();
      actions[name]();
    });
    return { actions: actions, put: put, selected: selected, blockBefore: blockBefore, remember: remember };
  }

  // ---- The toolbar: one tab stop, arrow keys between its buttons (WAI-ARIA toolbar) ------------
  function toolbar(text, edits) {
    var bar = document.getElementById("toolbar");
    if (!bar) return;
    bar.hidden = false;
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    buttons.forEach(function (button, i) { button.tabIndex = i === 0 ? 0 : -1; });
    function focusAt(i) {
      buttons.forEach(function (b) { b.tabIndex = -1; });
      var b = buttons[(i + buttons.length) % buttons.length];
      b.tabIndex = 0;
      b.focus();
    }
    bar.addEventListener("keydown", function (event) {
      var i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      var to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      focusAt(to);
    });
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-insert]");
      if (!button) return;
      buttons.forEach(function (b) { b.tabIndex = b === button ? 0 : -1; });
      edits.actions[button.dataset.insert]();
    });
  }

  function cheatsheet() {
    var toggle = document.getElementById("cheatsheet-toggle"), sheet = document.getElementById("cheatsheet");
    if (!toggle || !sheet) return;
    toggle.addEventListener("click", function () {
      sheet.hidden = !sheet.hidden;
      toggle.setAttribute("aria-expanded", String(!sheet.hidden));
    });
  }

  // ---- Pickers: works to cite, images to show or upload, ids to link to ------------------------
  function pickers(text, form, edits) {
    var dialog = document.getElementById("picker"), source = document.getElementById("editor-data");
    if (!dialog || !source || typeof dialog.showModal !== "function") return;
    var data = JSON.parse(source.textContent || "{}");
    var title = document.getElementById("picker-title"), filter = document.getElementById("picker-filter");
    var list = document.getElementById("picker-list"), count = document.getElementById("picker-count");
    var upload = document.getElementById("picker-upload"), file = document.getElementById("picker-file");
    var opener = null, kind = null, picked = false;
    var kinds = {
      cite: {
        title: "Cite a work", none: "The book's bibliography (references.bib) has no works yet.",
        items: function () { return data.works || []; },
        key: function (w) { return w.key; }, label: function (w) { return w.label; },
        insert: function (w) {
          var before = text.value.slice(0, text.selectionStart);
          if (/\[@[^\]\n]*$/.test(before)) { edits.put("; @" + w.key); return; }  // inside [@a…]
          var ref = "[@" + w.key + "]";
          edits.put(ref, 2, 2 + w.key.length);
        }
      },
      image: {
        title: "Show an image", none: "The book has no images yet: upload one below.",
        items: function () { return (data.images || []).map(function (name) { return { name: name }; }); },
        key: function (i) { return "images/" + i.name; }, label: function () { return ""; },
        insert: function (i) { figure(i.name); }
      },
      ref: {
        title: "Link to a part of the book", none: "The book has no ids to link to yet.",
        items: function () { return data.targets || []; },
        key: function (t) { return "#" + t.id; }, label: function (t) { return t.label; },
        insert: function (t) {
          var chosen = edits.selected();
          // A label the book numbers: a cross-reference, printed "Figure 3.2" (numbering.py).
          if (!chosen && /^(fig|tbl|eq|lst|sec)-/.test(t.id)) { edits.put("@" + t.id); return; }
          var words = chosen || t.label.split(":")[0];
          edits.put("[" + words + "](#" + t.id + ")", 1, 1 + words.length);
        }
      }
    };
    function figure(name) {
      var alt = "Describe what the image shows.", stem = name.replace(/\.[a-z]+$/i, "").toLowerCase();
      var id = unique("fig-" + stem.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, ""));
      var pre = edits.blockBefore() + "![";
      edits.put(pre + alt + "](images/" + name + "){#" + id + "}\n\n", pre.length, pre.length + alt.length);
    }
    function unique(id) {  // an id once in the book: the book's figure may show the image already
      var taken = {};
      (data.targets || []).forEach(function (t) { taken[t.id] = true; });
      (text.value.match(/#[A-Za-z][\w:.-]*/g) || []).forEach(function (m) { taken[m.slice(1)] = true; });
      if (!taken[id]) return id;
      for (var n = 2; ; n++) if (!taken[id + "-" + n]) return id + "-" + n;
    }
    function show() {
      var spec = kinds[kind], words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var all = spec.items(), found = all.filter(function (item) {
        var hay = (spec.key(item) + " " + spec.label(item)).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      list.textContent = "";
      found.slice(0, SHOWN).forEach(function (item) {
        var li = document.createElement("li"), button = document.createElement("button");
        button.type = "button";
        var code = document.createElement("code");
        code.textContent = spec.key(item);
        button.appendChild(code);
        if (spec.label(item)) {
          var span = document.createElement("span");
          span.textContent = spec.label(item);
          button.appendChild(span);
        }
        button.addEventListener("click", function () { picked = true; close(); spec.insert(item); });
        li.appendChild(button);
        list.appendChild(li);
      });
      count.textContent = all.length === 0 ? spec.none
        : found.length === 0 ? "Nothing matches “" + filter.value + "”."
        : found.length > SHOWN ? "Showing " + SHOWN + " of " + found.length + ": type to narrow."
        : found.length + (found.length === 1 ? " match." : " matches.");
    }
    function open(which, button) {
      edits.remember();
      kind = which; opener = button; picked = false;
      title.textContent = kinds[which].title;
      filter.value = "";
      upload.hidden = which !== "image";
      show();
      dialog.showModal();
      filter.focus();
    }
    function close() { if (dialog.open) dialog.close(); }
    // Picked: the caret stays in the text, after what was put in; cancelled: back to the button.
    dialog.addEventListener("close", function () { if (!picked && opener) opener.focus(); });
    document.getElementById("picker-close").addEventListener("click", close);
    filter.addEventListener("input", show);
    filter.addEventListener("keydown", function (event) {  // Enter picks the first match
      if (event.key !== "Enter") return;
      event.preventDefault();
      var first = list.querySelector("button");
      if (first) first.click();
    });
    document.getElementById("toolbar").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-pick]");
      if (button) open(button.dataset.pick, button);
    });
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      var name = chosen.name.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "");
      if (!/\.(png|jpe?g|svg)$/.test(name)) {
        count.textContent = "Choose a PNG, JPEG or SVG file.";
        return;
      }
      attach(form, new File([chosen], name, { type: chosen.type }));
      file.value = "";
      picked = true;
      close();
      figure(name);
    });
  }

  // The image joins the form's own file field: it travels with the proposal, as attached files do.
  function attach(form, chosen) {
    var input = form.querySelector("input[type=file][name=images]");
    if (!input) return;
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { if (f.name !== chosen.name) all.items.add(f); });
    all.items.add(chosen);
    input.files = all.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // ---- Drafts, and the warning before leaving unsaved ------------------------------------------
  function keepDrafts(text, message, form, refresh) {
    var storage = store(), key = DRAFTS + (text.dataset.draft || location.pathname);
    var original = text.value, originalMessage = message ? message.value : "";
    // A refused submit comes back with its text: still not saved anywhere but here.
    var dirty = !!document.querySelector(".form-error"), submitting = false, timer = null;
    function read(name) {
      try { return JSON.parse(storage.getItem(name) || "null"); } catch (e) { return null; }
    }
    function save() {
      if (!storage) return;
      try {
        storage.setItem(key, JSON.stringify({
          text: text.value, message: message ? message.value : "", at: Date.now()
        }));
      } catch (e) { /* full: the warning before leaving still guards the text */ }
    }
    if (storage) storage.removeItem(PENDING);  // a submit that came back here was not saved
    var found = storage ? read(key) : null;
    if (found && typeof found.text === "string" && found.text !== text.value) offer(found);
    window.addEventListener("beforeunload", function (event) {
      if (!dirty || submitting) return;
      event.preventDefault();
      event.returnValue = "";  // the browser shows its own words: leave the page, or stay
    });
    form.addEventListener("submit", function () {
      submitting = true;
      save();
      if (storage) {  // cleared on the proposal page this submit lands on (drafts.js)
        storage.setItem(PENDING, JSON.stringify({ key: key, page: location.href, at: Date.now() }));
      }
    });
    window.addEventListener("pageshow", function (event) {  // back to a page left mid-submit
      if (event.persisted) submitting = false;
    });
    function offer(draft) {
      var box = document.getElementById("draft-offer");
      if (!box) return;
      var when = new Date(draft.at || Date.now());
      document.getElementById("draft-offer-text").textContent =
        "Restore your unsaved draft from " + when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) + "?";
      box.hidden = false;
      document.getElementById("draft-restore").addEventListener("click", function () {
        text.value = draft.text;
        if (message && draft.message) message.value = draft.message;
        box.hidden = true;
        dirty = true;
        save();
        text.focus();
        text.dispatchEvent(new Event("input", { bubbles: true }));
        refresh();
      });
      document.getElementById("draft-discard").addEventListener("click", function () {
        box.hidden = true;
        if (text.value === original && storage) storage.removeItem(key);
        text.focus();
      });
    }
    return {
      changed: function () {
        dirty = dirty || text.value !== original || (message ? message.value !== originalMessage : false);
        clearTimeout(timer);
        timer = setTimeout(save, 300);
      }
    };
  }
})();
