/* Launchpad's small amount of JavaScript. Pages work without it; this adds conveniences. */
(function () {
  "use strict";

  function detectTimeZone(root) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    root.querySelectorAll("input[data-detect-time-zone]").forEach(function (input) {
      if (!input.value) input.value = zone;
    });
    root.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
      if (select.dataset.userChosen) return;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === zone) { select.value = zone; break; }
      }
    });
  }

  function wireCopyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copyTarget);
        if (!input) return;
        input.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(input.value).then(done, function () {});
        }
      });
    });
  }

  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }

  function closeMenusOnOutsideClick() {
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      });
    });
  }

  // The booking pages show times in the booker's zone: without ?tz= the browser adds it once.
  function bookInBrowserZone() {
    if (!document.querySelector("[data-zone-auto]")) return;
    var params = new URLSearchParams(window.location.search);
    if (params.has("tz")) return;
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    params.set("tz", zone);
    window.location.replace(window.location.pathname + "?" + params.toString());
  }

  function init(root) {
    detectTimeZone(root);
    wireCopyButtons(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    bookInBrowserZone();
    init(document);
    focusErrorSummary(document);
    closeMenusOnOutsideClick();
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
