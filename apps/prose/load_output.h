// What the load commands (relay-load, pkmf-load) share: printing a load::Report through Output, and turning the
// library's load::Abort into the command's Exit.
#pragma once

#include <utility>

#include "cli.h"
#include "prose/load/abort.h"
#include "prose/load/report.h"

namespace prose::cli {

// "Label: value" lines, or the fields of the --json object (keys: snake_case_key of the labels).
void print_load_report(const load::Report& report);

// Exit 2 for bad options, 1 for a run that failed.
Exit exit_for(const load::Abort& a);

// Runs `f`, turning a load::Abort into an Exit.
template <typename F>
auto run_load(F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const load::Abort& a) {
    throw exit_for(a);
  }
}

}  // namespace prose::cli
