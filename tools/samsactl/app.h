// The whole command tree, built in one place so main() and the unit tests (completion, argument
// mapping) see the same commands and flags.
#pragma once

#include <CLI/CLI.hpp>

#include "context.h"

namespace samsa::ctl {

void build_app(CLI::App& app, Context& ctx);

// Parses and runs; returns the process exit code (see cli_error.h). Errors go to `err`.
int run(CLI::App& app, int argc, const char* const* argv, std::ostream& err);

}  // namespace samsa::ctl
