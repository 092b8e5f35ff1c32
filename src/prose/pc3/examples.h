// Sample PC3 messages (valid against schema/pc3.xsd): `prose prose-function example KIND`, the fuzz corpus and
// the docs.
#pragma once

#include <span>
#include <string_view>

#include "prose/pc3/messages.h"

namespace prose::pc3 {

struct ExampleInfo {
  std::string_view name;
  std::string_view description;
};

std::span<const ExampleInfo> example_list();
// kInvalidArgument for an unknown kind (naming the kinds).
Result<Message> example(std::string_view kind);

}  // namespace prose::pc3
