// Live preview of the Markdown being written, rendered by the server's safe pipeline.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("text"), preview = document.getElementById("preview");
    if (!text || !preview) return;
    var form = text.form, timer = null, last = null, pausedUntil = 0;
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
    function render() {
      if (text.value === last) return;
      var wait = pausedUntil - Date.now();
      if (wait > 0) { clearTimeout(timer); timer = setTimeout(render, wait); return; }
      last = text.value;
      var body = new FormData();
      body.append("csrf", form.querySelector("input[name=csrf]").value);
      body.append("book", text.dataset.book || "");
      body.append("proposal", text.dataset.proposal || "");
      body.append("text", text.value);
      fetch("/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) {
            last = null;
            say("You are signed out, so there is no preview. Sign in again in another tab, to keep this text, and go on typing.", "Sign in (opens a new tab)");
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
            say(r.status === 403 ? "This page has expired: reload it to see the preview (copy your text first)." : "The preview is not available right now.");
            return null;
          }
          return r.json();
        })
        .then(function (data) {
          if (data === null) return;
          if (data.html !== undefined) { preview.innerHTML = data.html; }
          else { say(data.error || "The preview failed."); }
        })
        .catch(function () { say("The preview is not available right now."); });
    }
    text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 400); });
    render();
  });
})();
