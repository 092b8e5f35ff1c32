// `prose demo`: the steps of the requirement's security flow (TS 33.303 relay CR 6.X.3.2.1, docs/demo.md) and
// which step each line of the demo's trace belongs to.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "prose/diameter/message.h"

namespace prose::cli::demo {

struct RequirementStep {
  std::string_view id;     // "0", "1a" ... "6"
  std::string_view title;  // what happens in it
};

// Every step, in the order of the flow.
std::span<const RequirementStep> requirement_steps();
// Position of `id` in requirement_steps(); nullopt for "-" or an unknown id.
std::optional<std::size_t> step_index(std::string_view id);

// The step of a message line (sender, receiver, text as the agents print it) or "-" for lines outside the flow.
std::string message_step(const std::string& from, const std::string& to, const std::string& text);
// The step of an agent event (EVT line: who, name, text) or "-".
std::string event_step(const std::string& who, const std::string& name, const std::string& text);

// One line for a Diameter message seen between the PKMF and the HSS/BSF (step 4b; Zn for a B-TID: step 0): command,
// application and the fields a reader follows (User-Name, P-TID, B-TID, Result-Code, what the answer carries).
std::string describe_diameter(const diameter::Message& m);
// The step of a Diameter message between the PKMF and the HSS/BSF: "0" on Zn (the keys of an agent's B-TID),
// "-" for watchdog and disconnect, "4b" otherwise.
std::string diameter_step(const diameter::Message& m);

// The fields of a message text "Name (a, b, c)": {"a", "b", "c"} (commas inside brackets do not split);
// empty when there are none.
std::vector<std::string> message_fields(const std::string& text);
// "Name" of "Name (a, b, c)".
std::string message_name(const std::string& text);

}  // namespace prose::cli::demo
