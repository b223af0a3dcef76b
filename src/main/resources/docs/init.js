// Swagger UI over the service's own document; a separate file so the page's CSP needs no inline script.
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
