// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The interview form: the plan is saved only with a held interview, so hide it otherwise.
  function syncPlanFieldset(root) {
    var form = (root || document).querySelector("#interview-form");
    if (!form) return;
    var outcome = form.querySelector("[name=outcome]");
    var plan = form.querySelector("[data-plan-fieldset]");
    if (!outcome || !plan) return;
    plan.hidden = outcome.value !== "" && outcome.value !== "held";
  }

  // The coverage report's form: show only the fields of the chosen period (without this,
  // every field shows and the server reads those of the period).
  var PERIOD_FIELDS = { month: ["month"], quarter: ["quarter"], range: ["start", "end"] };
  function syncPeriodFields() {
    var form = document.querySelector("#report-form");
    if (!form) return;
    var period = form.querySelector("[name=period]");
    if (!period) return;
    var shown = PERIOD_FIELDS[period.value] || [];
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (box) {
      var name = box.getAttribute("data-field");
      if (name in { month: 1, quarter: 1, start: 1, end: 1 }) box.hidden = shown.indexOf(name) < 0;
    });
    var hint = form.querySelector("[data-period-hint]");
    if (hint) hint.hidden = true;
  }

  // The caseload: after a count link or the back button changed the URL, show its filters.
  function syncFiltersFromUrl() {
    var form = document.querySelector("#filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit") return;
      var value = params.get(el.name) || "";
      if (el.value !== value) el.value = value;
    });
  }

  // A table wider than its box scrolls inside .table-wrap: make that region reachable and
  // scrollable with the keyboard, named by the table's caption (WCAG 2.1.1, axe).
  function focusableScrollRegions(root) {
    // A data table outside a .table-wrap gets one, so it scrolls in its own box, not the page.
    Array.prototype.forEach.call((root || document).querySelectorAll("table.data"), function (table) {
      if (table.parentElement.classList.contains("table-wrap")) return;
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      table.parentElement.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
    Array.prototype.forEach.call((root || document).querySelectorAll(".table-wrap"), function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1 && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        var heading = wrap.closest("section, .card, figure");
        heading = heading && heading.querySelector("h2, h3, figcaption");
        var name = caption || heading;
        wrap.setAttribute("tabindex", "0");
        // A named group, not a region: a second landmark with its section's name would not be
        // unique (axe landmark-unique).
        wrap.setAttribute("role", "group");
        if (name) wrap.setAttribute("aria-label", name.textContent.replace(/\s+/g, " ").trim());
      }
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "outcome") syncPlanFieldset(document);
    if (event.target && event.target.name === "period") syncPeriodFields();
  });
  document.addEventListener("DOMContentLoaded", function () {
    syncPlanFieldset(document);
    focusableScrollRegions(document);
    syncPeriodFields();
  });
  window.addEventListener("resize", function () { focusableScrollRegions(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    syncPlanFieldset(document);
    focusableScrollRegions(document);
  });
  document.addEventListener("htmx:pushedIntoHistory", syncFiltersFromUrl);
  document.addEventListener("htmx:historyRestore", syncFiltersFromUrl);
})();
