// The API's own description and its interactive page (issue 20), both public and both
// built into the binary:
//   GET /api/v1/openapi.yaml    the OpenAPI 3.1 document (docs/openapi.yaml)
//   GET /api/docs               Swagger UI (swagger-ui-dist from npm, web/package.json),
//                               where a developer authorises and tries calls
//   GET /api/docs/{name}        its script, stylesheet and start script
// The page runs under a Content-Security-Policy that allows scripts, styles and calls
// to this origin only.
#pragma once

#include "http/router.h"

namespace sealpost::api {

void RegisterApiDocs(http::Router& router);

}  // namespace sealpost::api
