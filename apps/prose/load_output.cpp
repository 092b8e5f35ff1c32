#include "load_output.h"

#include <type_traits>
#include <variant>

namespace prose::cli {

void print_load_report(const load::Report& report) {
  Output out(json_requested());
  for (const auto& f : report.fields) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, load::Report::Real>)
            out.real(snake_case_key(f.label), f.label, v.value, v.decimals);
          else
            out.field(f.label, v);
        },
        f.value);
  }
  out.print();
}

Exit exit_for(const load::Abort& a) {
  return Exit(a.bad_input ? kExitBadInput : kExitFailure, a.what(), a.errc ? error_code_for(*a.errc) : "");
}

}  // namespace prose::cli
