// Helpers shared by the pc8 unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "prose/pc8/codec.h"
#include "prose/pc8/examples.h"
#include "prose/pc8/schema.h"

namespace prose::pc8::test {

inline std::string example_xml(std::string_view name) {
  auto m = example(name);
  EXPECT_TRUE(m.has_value()) << name;
  if (!m) return {};
  auto x = Codec::encode(*m);
  EXPECT_TRUE(x.ok()) << name << ": " << (x.ok() ? "" : x.error().to_string());
  return x.ok() ? std::string(x->view()) : std::string();
}

// Replaces the first occurrence of `from` (which must exist) with `to`.
inline std::string replace(std::string s, std::string_view from, std::string_view to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << "test bug: '" << from << "' not in document";
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace prose::pc8::test
