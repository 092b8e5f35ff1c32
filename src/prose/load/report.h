// The result of a load run as labelled measurements, in order: the command prints each as "Label: value" and, with
// --json, under the label's snake_case key (integers and decimal numbers as JSON numbers).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace prose::load {

struct Report {
  struct Real {
    double value;  // already rounded to `decimals`
    int decimals;
  };
  struct Field {
    std::string label;
    std::variant<std::int64_t, std::string, Real> value;
  };

  void integer(const std::string& label, std::int64_t v) { fields.push_back({label, v}); }
  // Text; one that reads as a decimal number ("12.5") is a number in JSON.
  void text(const std::string& label, const std::string& v) { fields.push_back({label, v}); }
  // A measurement printed with `decimals` digits after the point.
  void real(const std::string& label, double v, int decimals = 3);

  std::vector<Field> fields;
};

// `v` with `decimals` digits after the point ("%.*f").
std::string fixed(double v, int decimals);

}  // namespace prose::load
