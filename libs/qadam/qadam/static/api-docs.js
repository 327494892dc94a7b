// Starts Swagger UI on /docs from a file of the service's own: the page may run no inline script (its
// Content-Security-Policy is script-src 'self'), and nothing is loaded from another host.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the badge would ask validator.swagger.io about the document
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
