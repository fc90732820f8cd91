#include "security/principal.h"

#include <arpa/inet.h>

#include <cstdio>

namespace samsa::security {

std::optional<KafkaPrincipal> KafkaPrincipal::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  return KafkaPrincipal{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::string java_host_address(std::string_view address) {
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return text;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v6.s6_addr[12], buf, sizeof buf);
    return buf;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    char group[8];
    std::snprintf(group, sizeof group, "%x", (v6.s6_addr[2 * i] << 8) | v6.s6_addr[2 * i + 1]);
    if (i > 0) out += ':';
    out += group;
  }
  return out;
}

}  // namespace samsa::security
