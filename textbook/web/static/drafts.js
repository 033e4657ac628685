// A proposal saved from the editor: forget the draft this browser kept of it (editor.js).
(function () {
  "use strict";
  var PENDING = "textbook-draft-pending", WITHIN = 10 * 60 * 1000;
  try {
    var pending = JSON.parse(window.localStorage.getItem(PENDING) || "null");
    if (!pending || document.getElementById("text")) return;
    // Only the page a successful submit lands on: the proposal, reached from the editor page.
    var saved = /^\/proposals\/[0-9a-f-]{36}$/.test(location.pathname) && document.referrer === pending.page;
    if (saved && Date.now() - pending.at < WITHIN) {
      window.localStorage.removeItem(pending.key);
      window.localStorage.removeItem(PENDING);
    }
  } catch (e) { /* no storage: nothing was kept */ }
})();
