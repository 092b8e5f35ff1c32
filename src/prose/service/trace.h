// What the services report for the trace (agents.h: MSC|from|to|text and EVT|name|text lines). The services only
// describe; the agents' trace formatter writes the lines.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace prose::service {

// A protocol message between two parties of the message sequence chart.
struct TraceMessage {
  std::string from, to, text;
  bool operator==(const TraceMessage&) const = default;
};
// An event of the agent (ready, kd, failed, released, error ...).
struct TraceEvent {
  std::string name, text;
  bool operator==(const TraceEvent&) const = default;
};

// Appends a message or an event to a service's list of actions (the Remote UE service and its IP mode).
template <typename Out>
void msc(Out& out, std::string from, std::string to, std::string text) {
  out.emplace_back(TraceMessage{std::move(from), std::move(to), std::move(text)});
}
template <typename Out>
void evt(Out& out, std::string name, std::string text) {
  out.emplace_back(TraceEvent{std::move(name), std::move(text)});
}

// "0x00aa01" (L2 IDs, Relay Service Codes), "0x1234" (KD-sess ID), "0x12345678" (KD ID), as on the wire.
std::string hex24(std::uint32_t v);
std::string hex16(std::uint32_t v);
std::string hex32(std::uint32_t v);

}  // namespace prose::service
