// Terms of the glossary (apparatus.with_definitions): a link to the entry, described by a tooltip
// with its definition. Hover and keyboard focus show it (book.css); on a screen without hover, a
// first tap shows it and a second follows the link; Escape hides it (WCAG 1.4.13).
(function () {
  "use strict";
  var noHover = window.matchMedia("(hover: none)");
  function closeAll(except) {
    document.querySelectorAll("a.term.tip-open").forEach(function (link) {
      if (link !== except) link.classList.remove("tip-open");
    });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.term[aria-describedby]") : null;
    if (!link) { closeAll(null); return; }
    if (noHover.matches && !link.classList.contains("tip-open")) {
      event.preventDefault();
      closeAll(link);
      link.classList.add("tip-open");
      link.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeAll(null);
      document.body.classList.add("tips-hidden");
    }
  });
  document.addEventListener("focusin", function () { document.body.classList.remove("tips-hidden"); });
  document.addEventListener("mousemove", function () { document.body.classList.remove("tips-hidden"); });
}());
