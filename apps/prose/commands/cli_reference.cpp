// `prose cli-reference`: every command's --help text as one Markdown page. docs/cli.md is this output (the
// integration test integration.cli.reference fails when they differ; scripts/assemble-docs rewrites it), so the
// reference never drifts from the program. Hidden from `prose --help`.
#include <iostream>
#include <string>

#include "cli.h"

namespace prose::cli::cli_reference_command {
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
                 "program by `prose cli-reference` (scripts/assemble-docs); a test keeps this page equal to it.\n"
                 "\n"
                 "## JSON output\n"
                 "\n"
                 "Every command that shows `--json` below prints, with it, what scripts can rely on (one convention,\n"
                 "checked for every command by the test integration.cli.json_convention):\n"
                 "\n"
                 "- stdout holds exactly one JSON object and nothing else (traces and logs go to stderr). Commands\n"
                 "  that stream (servers, agents: \"Print JSON lines\") print one object per line, each following\n"
                 "  the same rules. `prose relay --json` and `prose remote-ue --json` print each line of the agent\n"
                 "  (kind `msc`, `evt`, `cap`, `pc5`) as such an object.\n"
                 "- Keys are snake_case (`[a-z][a-z0-9_]*`); the `--json` help of each command lists its keys.\n"
                 "- Values are typed: numbers are JSON numbers, flags are booleans, lists are arrays, binary values\n"
                 "  (keys, MACs, encoded messages) are lowercase hex strings without separators; identifiers read in\n"
                 "  hex on the wire (PRUK ID, KD-sess ID, P-TID, CSB ID, Relay Service Code, layer-2 IDs, COUNT) are\n"
                 "  lowercase hex strings of their full wire width, e.g. `\"pruk_id\": \"0000000000000102\"`.\n"
                 "  A hex input is never printed back as decimal.\n"
                 "- Every object has `\"ok\"` (boolean) and `\"error\"`: `null` when ok, otherwise\n"
                 "  `{\"code\": \"<stable snake_case code>\", \"message\": \"<text>\"}`. The other keys are the same\n"
                 "  whether it worked or not (`null` where no value exists). The exit status is 0 exactly when\n"
                 "  `\"ok\"` is true. Codes: `usage` (command line), `bad_input`, `failed`, `internal`, and the\n"
                 "  codec's reasons (`malformed`, `truncated`, `auth_failed`, `replay`, `not_found`, ...).\n"
                 "- `--json` is accepted anywhere on the command line, before or after the subcommand words:\n"
                 "  `prose --json crypto kd ...` and `prose crypto kd ... --json` are the same; a command without\n"
                 "  JSON output refuses it (code `usage`).\n"
                 "\n"
                 "For example, `prose crypto eia ... --json` prints\n"
                 "`{\"ok\": true, \"error\": null, \"mac\": \"b93787e6\"}` (indented), and with a bad key\n"
                 "`{\"ok\": false, \"error\": {\"code\": \"bad_input\", \"message\": \"--key: ...\"}, \"mac\": null}`, "
                 "exit 2.\n";
    emit(app, "", std::cout);
  });
}

}  // namespace prose::cli::cli_reference_command
