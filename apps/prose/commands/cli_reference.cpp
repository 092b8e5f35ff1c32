// `prose cli-reference`: every command's --help text as one Markdown page. docs/cli.md is this output (the
// integration test integration.cli.reference fails when they differ; scripts/assemble-docs rewrites it), so the
// reference never drifts from the program. Hidden from `prose --help`.
#include <iostream>
#include <string>

#include "cli.h"

namespace prose::cli {
namespace {

void emit(const CLI::App& app, const std::string& parent, std::ostream& out) {
  const std::string path = parent.empty() ? app.get_name() : parent + " " + app.get_name();
  // The formatter directly: App::help() would show the parsed subcommand (this one) instead of `app`.
  out << "\n## `" << path << "`\n\n```\n"
      << app.get_formatter()->make_help(&app, path, CLI::AppFormatMode::Normal) << "```\n";
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    emit(*sub, path, out);
}

}  // namespace

void register_cli_reference(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("cli-reference", "Print the reference of every command as Markdown");
  sub->group("");  // hidden
  sub->callback([&app] {
    std::cout << "# Command reference\n\n"
                 "Every `prose` command with its options, as `prose <command> --help` prints them. Generated from the\n"
                 "program by `prose cli-reference` (scripts/assemble-docs); a test keeps this page equal to it.\n";
    emit(app, "", std::cout);
  });
}

}  // namespace prose::cli
