// What the services report for the trace (agents.h: MSC|from|to|text and EVT|name|text lines). The services only
// describe; the agents' trace formatter writes the lines.
#pragma once

#include <cstdint>
#include <string>

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

// "0x00aa01" (L2 IDs, Relay Service Codes), "0x1234" (KD-sess ID), "0x12345678" (KD ID), as on the wire.
std::string hex24(std::uint32_t v);
std::string hex16(std::uint32_t v);
std::string hex32(std::uint32_t v);

}  // namespace prose::service
