#pragma once
// Our OpenAPI document, merged at build time from admin-http/openapi/*.json (one fragment per
// route family, so the document stays next to the routes it describes).
#include <string_view>

namespace samsa::admin_http {

std::string_view openapi_document();

}  // namespace samsa::admin_http
