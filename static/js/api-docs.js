// Swagger UI for /api/docs/ (vendored under static/vendor/, no CDN; no inline script: CSP).
// Token users: "Authorize" and enter `Token <key>`. Signed-in users: the session cookie is
// sent, and the CSRF token from the cookie is added to unsafe requests.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Swagger UI puts its headings a level too deep (h3 tags straight under the h1 title), and
  // only its operations are in a landmark (its own <main>): tell assistive technology the
  // heading levels (axe heading-order) and name its other parts as regions (axe region), also
  // when it re-renders.
  var REGIONS = { ".information-container": "API", ".scheme-container": "Servers and authorization" };
  function headingsInOrder() {
    var root = document.getElementById("swagger-ui");
    var fix = function () {
      Array.prototype.forEach.call(root.querySelectorAll("h3:not([aria-level]), h4:not([aria-level]), h5:not([aria-level])"), function (h) {
        h.setAttribute("aria-level", String(Number(h.tagName.charAt(1)) - 1));
      });
      Object.keys(REGIONS).forEach(function (selector) {
        Array.prototype.forEach.call(root.querySelectorAll(selector + ":not([role])"), function (el) {
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", REGIONS[selector]);
        });
      });
    };
    fix();
    new MutationObserver(fix).observe(root, { childList: true, subtree: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
      url: root.dataset.schemaUrl,
      domNode: root,
      deepLinking: false, // a deep link inside the summary button nests interactive controls (axe)
      persistAuthorization: false,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      onComplete: headingsInOrder,
      requestInterceptor: function (request) {
        var method = (request.method || "GET").toUpperCase();
        if (["GET", "HEAD", "OPTIONS"].indexOf(method) === -1) {
          request.headers["X-CSRFToken"] = csrfToken();
        }
        return request;
      },
    });
  });
})();
