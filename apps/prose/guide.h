// What `prose` says when a command line cannot be parsed: the unknown word (command or option) with a "did you
// mean", then the usage of the command level the line reached, instead of CLI11's bare "A subcommand is required".
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace prose::cli {

// The candidates closest to `word` (all at the smallest edit distance, at most 2; else the one candidate `word` is
// a prefix of), sorted; empty when none is close.
std::vector<std::string> closest(const std::string& word, const std::vector<std::string>& candidates);

// The deepest subcommand the parser entered, and its words from the program name ("prose crypto kd").
const CLI::App* reached_command(const CLI::App& root);
std::string command_path(const CLI::App* app);

// Prints the message for a parse error of `root` (after root.parse threw `e`) to `err`; returns the exit code.
int report_parse_error(const CLI::App& root, const CLI::ParseError& e, std::ostream& err);

}  // namespace prose::cli
