#include <iostream>

#include "app.h"

int main(int argc, char** argv) {
  samsa::ctl::Context ctx;
  CLI::App app;
  samsa::ctl::build_app(app, ctx);
  return samsa::ctl::run(app, argc, argv, std::cerr);
}
