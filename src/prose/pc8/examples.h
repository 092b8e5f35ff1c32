// Sample messages of every kind with fixed, obviously fake values (keys are test patterns, never used
// anywhere); an embedded encoded value (the GPI) is a real one the project's own decoder accepts. Used by
// `prose pc8 example`, the tests and the fuzz corpus.
#pragma once

#include <string_view>
#include <vector>

#include "prose/pc8/messages.h"

namespace prose::pc8 {

struct ExampleInfo {
  std::string_view name;         // "kd-request", "kd-response-error", ...
  std::string_view description;  // one line
};

// Every example name, in a stable order: first one per MessageKind (the full form), then variants.
const std::vector<ExampleInfo>& example_list();
// nullopt for an unknown name.
std::optional<Message> example(std::string_view name);

}  // namespace prose::pc8
