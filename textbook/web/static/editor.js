// Live preview of the Markdown being written, rendered by the server's safe pipeline.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("text"), preview = document.getElementById("preview");
    if (!text || !preview) return;
    var form = text.form, timer = null, last = null;
    function render() {
      if (text.value === last) return;
      last = text.value;
      var body = new FormData();
      body.append("csrf", form.querySelector("input[name=csrf]").value);
      body.append("book", text.dataset.book || "");
      body.append("proposal", text.dataset.proposal || "");
      body.append("text", text.value);
      fetch("/preview", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.html !== undefined) { preview.innerHTML = data.html; }
          else { preview.textContent = data.error || "The preview failed."; }
        })
        .catch(function () { preview.textContent = "The preview is not available right now."; });
    }
    text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 400); });
    render();
  });
})();
