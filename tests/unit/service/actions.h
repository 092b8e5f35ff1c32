// Looking into the ordered action lists the services return (RelayActions, RemoteUeActions): shared by their tests.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "prose/service/trace.h"

namespace prose::service::test {

// Every action of type A in `as`, in order.
template <typename A, typename V>
std::vector<const A*> all(const V& as) {
  std::vector<const A*> r;
  for (const auto& a : as)
    if (const auto* p = std::get_if<A>(&a)) r.push_back(p);
  return r;
}

template <typename V>
bool has_event(const V& as, const std::string& name) {
  for (const auto* e : all<TraceEvent>(as))
    if (e->name == name) return true;
  return false;
}

template <typename V>
bool has_message(const V& as, const std::string& text_start) {
  for (const auto* m : all<TraceMessage>(as))
    if (m->text.rfind(text_start, 0) == 0) return true;
  return false;
}

}  // namespace prose::service::test
