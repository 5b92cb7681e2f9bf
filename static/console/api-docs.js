// The API docs page: the vendored swagger-ui reading our OpenAPI document.
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui" });
});
