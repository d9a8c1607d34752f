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

  // --- The checklist as a work surface: selection, the bulk bar, keyboard shortcuts. ---

  function checklistRows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-item-row]"));
  }

  function updateBulkBar() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var count = document.querySelectorAll("[data-select-item]:checked").length;
    var counter = form.querySelector("[data-selected-count]");
    if (counter) counter.textContent = String(count);
    form.classList.toggle("bulk-bar--active", count > 0);
    document.querySelectorAll("[data-select-group]").forEach(function (box) {
      var rows = box.closest("table").querySelectorAll("[data-select-item]");
      var checked = box.closest("table").querySelectorAll("[data-select-item]:checked");
      box.checked = rows.length > 0 && checked.length === rows.length;
      box.indeterminate = checked.length > 0 && checked.length < rows.length;
    });
  }

  function showBulkFields(form) {
    var action = form.querySelector("[name=action]");
    if (!action) return;
    form.querySelectorAll("[data-bulk-for]").forEach(function (box) {
      box.hidden = box.dataset.bulkFor !== action.value;
    });
  }

  function wireChecklist(root) {
    root.querySelectorAll("[data-select-item]").forEach(function (box) {
      if (box.dataset.wired) return;
      box.dataset.wired = "1";
      box.addEventListener("change", updateBulkBar);
    });
    root.querySelectorAll("[data-select-group]").forEach(function (box) {
      if (box.dataset.wired) return;
      box.dataset.wired = "1";
      box.addEventListener("change", function () {
        box.closest("table").querySelectorAll("[data-select-item]").forEach(function (item) {
          item.checked = box.checked;
        });
        updateBulkBar();
      });
    });
    var form = root.querySelector ? root.querySelector("[data-bulk-form]") : null;
    if (form && !form.dataset.wired) {
      form.dataset.wired = "1";
      var action = form.querySelector("[name=action]");
      if (action) action.addEventListener("change", function () { showBulkFields(form); });
      showBulkFields(form);
      var help = form.querySelector("[data-shortcuts-open]");
      if (help) {
        help.hidden = false;
        help.addEventListener("click", openShortcuts);
      }
    }
    updateBulkBar();
  }

  function openShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function typing(target) {
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
  }

  function checklistKeys(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var rows = checklistRows();
    if (!rows.length || typing(event.target)) return;
    var current = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-item-row]") : null;
    var index = current ? rows.indexOf(current) : -1;
    var move = function (to) {
      var row = rows[Math.max(0, Math.min(rows.length - 1, to))];
      var group = row.closest("details");
      if (group && !group.open) group.open = true;
      row.setAttribute("tabindex", "-1");
      row.focus();
    };
    if (event.key === "j") { move(index + 1); event.preventDefault(); }
    else if (event.key === "k") { move(index < 0 ? 0 : index - 1); event.preventDefault(); }
    else if (event.key === "x" && current) {
      var box = current.querySelector("[data-select-item]");
      if (box) { box.checked = !box.checked; updateBulkBar(); }
      event.preventDefault();
    } else if (event.key === "s" && current) {
      var select = current.querySelector("select[name=status]");
      if (select) select.focus();
      event.preventDefault();
    } else if (event.key === "b") {
      var action = document.querySelector("[data-bulk-form] [name=action]");
      if (action) action.focus();
      event.preventDefault();
    } else if (event.key === "?") {
      openShortcuts();
      event.preventDefault();
    }
  }

  // A link or form that swaps part of the page may say where focus goes in the new part
  // (data-focus-next names a data-focus-key), so a keyboard user is not dropped to the top.
  var pendingFocusKey = null;
  function rememberFocusKey(event) {
    var elt = event.detail && event.detail.elt;
    pendingFocusKey = elt && elt.dataset ? elt.dataset.focusNext || null : null;
  }

  // After a submit that failed, focus goes to the first field in error (its message is tied
  // to it by aria-describedby); with no field to blame, to the summary.
  function focusFirstError(root) {
    var summary = root.querySelector("[data-autofocus]");
    if (!summary) return false;
    var scope = summary.closest("form") || root;
    var field = scope.querySelector('[aria-invalid="true"]');
    (field || summary).focus();
    return true;
  }

  // After htmx swaps new content in, focus goes where the person must act next.
  function focusAfterSwap(event) {
    var target = event.detail && event.detail.elt;
    var root = target && target.isConnected ? target : document;
    if (pendingFocusKey) {
      var key = pendingFocusKey;
      pendingFocusKey = null;
      var next = document.querySelector('[data-focus-key="' + key + '"]') ||
        document.querySelector('[data-focus-key="month"]');
      if (next) { next.focus(); return; }
    }
    var field = document.querySelector("[data-focus-after-swap]");
    if (field) {
      field.removeAttribute("data-focus-after-swap");
      field.focus();
      return;
    }
    if (root !== document && root.querySelector && focusFirstError(root)) return;
    var heading = root.querySelector && root.querySelector("[data-focus-on-swap]");
    if (heading) heading.focus();
  }

  // A request htmx cannot swap (403, 500, the network) must not fail silently.
  function announceHtmxError(event) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    var xhr = event.detail && event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    box.textContent = status === 403
      ? "You are not allowed to do that."
      : status
        ? "That did not work (error " + status + "). Reload the page and try again."
        : "The server could not be reached. Check the connection and try again.";
    box.hidden = false;
  }

  // Small screens fold the agency's menu behind a button (without JavaScript it stays open).
  function wireNavToggle() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("sidebar");
    if (!button || !nav) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("sidebar--open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = nav.querySelector("a"); if (first) first.focus(); }
    });
  }

  // The zone picker's search: with JavaScript, typing part of a city's name narrows the
  // list (without it, the select's own type-ahead finds a city by its first letters).
  function wireZoneSearch(root) {
    root.querySelectorAll("[data-zone-search]").forEach(function (input) {
      if (input.dataset.wired) return;
      input.dataset.wired = "1";
      var select = input.form && input.form.querySelector("[data-zone-select]");
      if (!select) return;
      input.hidden = false;
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        var first = null;
        for (var i = 0; i < select.options.length; i++) {
          var option = select.options[i];
          var match = !needle || option.text.toLowerCase().indexOf(needle) !== -1;
          option.hidden = !match;
          if (match && !first) first = option;
        }
        if (needle && first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
          select.value = first.value;
        }
      });
    });
  }

  // The weekly hours: Monday's ranges copied to the other weekdays in one press (they are
  // saved only with the form, so nothing changes until "Save weekly hours").
  function wireCopyMonday(root) {
    root.querySelectorAll("[data-copy-monday]").forEach(function (button) {
      var form = button.form;
      if (!form || button.dataset.wired) return;
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        for (var day = 1; day <= 4; day++) {
          // Every row of the target day: Monday's value where Monday has that row, else
          // empty, so that no range of the day's own survives the copy.
          for (var row = 0; form.elements["d" + day + "_" + row + "_start"]; row++) {
            ["start", "end"].forEach(function (edge) {
              var source = form.elements["d0_" + row + "_" + edge];
              form.elements["d" + day + "_" + row + "_" + edge].value = source ? source.value : "";
            });
          }
        }
        button.textContent = "Copied: save to keep it";
      });
    });
  }

  function init(root) {
    wireCopyMonday(root);
    detectTimeZone(root);
    wireCopyButtons(root);
    wireChecklist(root);
    wireZoneSearch(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    bookInBrowserZone();
    init(document);
    focusFirstError(document);
    closeMenusOnOutsideClick();
    wireNavToggle();
    document.addEventListener("keydown", checklistKeys);
  });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  document.addEventListener("htmx:beforeRequest", rememberFocusKey);
  document.addEventListener("htmx:afterSettle", focusAfterSwap);
  document.addEventListener("htmx:responseError", announceHtmxError);
  document.addEventListener("htmx:sendError", announceHtmxError);
})();
