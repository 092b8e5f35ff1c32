// The prose command: one entry point for the network functions, agents and the crypto calculator.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli.h"

namespace prose::cli {
void register_all(CLI::App& app);
}

int main(int argc, char** argv) {
  CLI::App app{"prose: 3GPP ProSe UE-to-Network Relay security (TS 33.303) toolkit", "prose"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "prose 0.1.0");
  prose::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "prose: " << e.what() << "\n";
    return prose::cli::kExitBadInput;
  } catch (const prose::cli::Exit& e) {
    if (e.what()[0] != '\0') std::cerr << "prose: " << e.what() << "\n";
    return e.code;
  } catch (const std::exception& e) {
    std::cerr << "prose: internal error: " << e.what() << "\n";
    return prose::cli::kExitFailure;
  }
  return prose::cli::kExitOk;
}
