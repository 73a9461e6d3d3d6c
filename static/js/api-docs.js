// Swagger UI for /api/docs/ (vendored under static/vendor/, no CDN; no inline script: CSP).
// Token users: "Authorize" and enter `Token <key>`. Signed-in users: the session cookie is
// sent, and the CSRF token from the cookie is added to unsafe requests.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
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
