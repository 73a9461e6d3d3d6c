// After an htmx update, a keyboard or screen-reader user must know what changed (WCAG 2.4.3,
// 4.1.3): focus goes to the updated region's error summary or heading when the control the user
// used was replaced, and one message is read from a single polite live region.
(function () {
  "use strict";

  var pending = null;
  var liveRegion = null;

  function live() {
    if (!liveRegion) {
      liveRegion = document.createElement("div");
      liveRegion.id = "swap-announcer";
      liveRegion.className = "visually-hidden";
      // aria-live alone, not role=status: the page's own messages keep that role to themselves
      liveRegion.setAttribute("aria-live", "polite");
      liveRegion.setAttribute("aria-atomic", "true");
      // inside main: all text belongs to a landmark (axe region)
      (document.querySelector("main") || document.body).appendChild(liveRegion);
    }
    return liveRegion;
  }

  function announce(text) {
    var region = live();
    region.textContent = "";
    // A fresh text node after a tick makes screen readers read it even when it is unchanged.
    window.setTimeout(function () { region.textContent = text; }, 150);
  }

  function textOf(el) {
    return el ? (el.innerText || el.textContent).replace(/\s+/g, " ").trim() : "";
  }

  function focusOn(el) {
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: false });
  }

  // Errors in the swapped part that belong to a field outside it (the caseload's identity-code
  // filter, whose results alone are swapped): <… data-error-for="id_code" id="…">.
  function tieOutsideErrors(region) {
    var tied = {};
    Array.prototype.forEach.call(region.querySelectorAll("[data-error-for]"), function (err) {
      var field = document.getElementById(err.getAttribute("data-error-for"));
      if (!field || !err.id) return;
      tied[field.id] = true;
      field.setAttribute("aria-invalid", "true");
      var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(err.id) < 0) ids.push(err.id);
      field.setAttribute("aria-describedby", ids.join(" "));
      field.setAttribute("data-swap-error", err.id);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-swap-error]"), function (field) {
      if (tied[field.id]) return;
      var gone = field.getAttribute("data-swap-error");
      var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== gone;
      });
      if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
      else field.removeAttribute("aria-describedby");
      field.removeAttribute("aria-invalid");
      field.removeAttribute("data-swap-error");
    });
    return Object.keys(tied).length > 0;
  }

  function settle() {
    var was = pending;
    pending = null;
    if (!was) return;
    var region = (was.id && document.getElementById(was.id)) || was.fallback;
    if (!region || !document.body.contains(region)) return;
    var outsideErrors = tieOutsideErrors(region);
    if (!was.byUser) return;  // panels that load themselves neither take focus nor speak
    var summary = region.querySelector(".error-summary, [role=alert]");
    var heading = region.querySelector("h1, h2, h3, h4, caption, legend");
    var focusLost = !document.activeElement || document.activeElement === document.body ||
      !document.body.contains(was.active);
    if (focusLost) focusOn(summary || heading || region);
    // An error summary with role=alert is read out by itself when it arrives: once is enough.
    if (summary && summary.getAttribute("role") === "alert") return;
    var message = summary ? textOf(summary)
      : outsideErrors ? textOf(region.querySelector("[data-error-for]"))
      : region.getAttribute("data-announce") || textOf(heading) || textOf(region).slice(0, 200);
    if (message) announce(message);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.shouldSwap || !detail.target) return;
    var cfg = detail.requestConfig || {};
    var trigger = cfg.triggeringEvent;
    var active = document.activeElement;
    pending = {
      id: detail.target.id,
      fallback: detail.target,
      active: active,
      // A load or poll trigger is not the user's doing; a click, submit, change or input is.
      byUser: !!(trigger && trigger.type && trigger.type !== "load" && trigger.type !== "revealed"),
    };
  });
  // The live region exists before anything changes: one added and filled at once is often not read.
  document.addEventListener("DOMContentLoaded", function () {
    live();
    // A whole page that came back with an error summary: the keyboard starts there.
    var summary = document.querySelector(".error-summary");
    if (summary) focusOn(summary);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (pending) window.setTimeout(settle, 0);
  });
})();
