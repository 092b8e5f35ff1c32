#include "guide.h"

#include <algorithm>

#include "cli.h"

namespace prose::cli {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    out.push_back(sub->get_name());
  return out;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* o : a->get_options()) {
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
      for (const auto& s : o->get_snames()) out.push_back("-" + s);
    }
  }
  return out;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const auto c = closest(word, candidates);
  if (c.empty()) return "";
  std::string s = " (did you mean ";
  for (std::size_t i = 0; i < c.size(); ++i)
    s += (i == 0 ? "" : i + 1 == c.size() ? " or " : ", ") + ("'" + c[i] + "'");
  return s + "?)";
}

}  // namespace

std::vector<std::string> closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::vector<std::string> best;
  std::size_t best_d = 3;  // at most two edits
  std::vector<std::string> prefixed;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best.clear();
    if (d == best_d && std::find(best.begin(), best.end(), c) == best.end()) best.push_back(c);
    if (word.size() >= 2 && c.rfind(word, 0) == 0) prefixed.push_back(c);
  }
  if (best.empty() && prefixed.size() == 1) best = prefixed;
  std::sort(best.begin(), best.end());
  return best;
}

int report_parse_error(const CLI::App& root, const CLI::ParseError& e, std::ostream& err) {
  const CLI::App* at = reached_command(root);
  const std::string where = command_path(at);
  // An unknown word explains most errors (a missing subcommand or option is often a misspelt one): name it first.
  std::string message;
  for (const std::string& w : at->remaining()) {
    if (w.size() > 1 && w[0] == '-') {
      const std::string name = w.substr(0, w.find('='));
      message = "unknown option '" + name + "' for '" + where + "'" + suggestion(name, option_names(*at));
    } else if (at->get_subcommands([](const CLI::App*) { return true; }).empty()) {
      message = "unexpected argument '" + w + "' for '" + where + "'";
    } else {
      message = "unknown command '" + w + "' for '" + where + "'" + suggestion(w, command_names(*at));
    }
    break;
  }
  if (message.empty()) {
    const bool needs_command = at->get_require_subcommand_min() > 0 && at->get_subcommands().empty() &&
                               dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
                               std::string(e.what()).find("subcommand") != std::string::npos;
    message = needs_command ? "'" + where + "' needs a command" : e.what();
  }
  const std::string parent = at->get_parent() != nullptr ? command_path(at->get_parent()) : "";
  err << "prose: " << message << "\n\n" << at->help(parent) << std::flush;
  return kExitBadInput;
}

const CLI::App* reached_command(const CLI::App& root) {
  const CLI::App* at = &root;
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) return at;
    at = parsed.back();
  }
}

std::string command_path(const CLI::App* app) {
  std::string p;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) p = a->get_name() + (p.empty() ? "" : " " + p);
  return p;
}

}  // namespace prose::cli
