// Prints the configuration reference (docs/configuration.md) to stdout.

#include <cstdio>

#include "config/broker_config.h"

int main() {
  std::string doc = samsa::config::render_markdown_reference();
  std::fwrite(doc.data(), 1, doc.size(), stdout);
  return 0;
}
