// Starts Swagger UI on this server's own description. A file, not an inline script, so
// that the page's Content-Security-Policy can allow scripts from this origin only.
window.addEventListener('load', function() {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Credentials typed into "Authorize" stay in this page: never in localStorage.
    persistAuthorization: false,
    // No call to validator.swagger.io: the page talks to this server only.
    validatorUrl: null,
  });
});
