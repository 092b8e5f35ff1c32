// The agents' output lines (agents.h): MSC|from|to|text, EVT|name|text, CAP|src|dst|us|hex, PC5|src|dst|name, and
// the PC5 key log. One formatter for both agents and for the services' trace (prose/service/trace.h), so that the
// lines `prose demo` and its tests compare stay the same whoever produces them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "prose/agents/agents.h"
#include "prose/link/security_context.h"
#include "prose/service/trace.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::keylog {
struct LinkKeys;
}

namespace prose::agents {

using service::hex16;
using service::hex24;
using service::hex32;

// [log] capture: CAP and PC5 lines on or off.
extern std::atomic<bool> g_capture;
// Off in the relay's event loop, which flushes once before it waits (and before a PC8 call) instead of once per line.
extern std::atomic<bool> g_flush_each_line;

void flush_lines();
void line(const std::string& s);
void msc(const std::string& from, const std::string& to, const std::string& text);
void evt(const std::string& name, const std::string& text);
// The sender's clock goes with each captured datagram, so that the demo's pcap orders them as they were sent.
void cap(std::uint16_t src, std::uint16_t dst, ByteView payload);
// PC5|<src L2>|<dst L2>|<message name> for a PC5 signalling message sent (with capture on).
void pc5_line(std::uint32_t src, std::uint32_t dst, std::uint8_t type);
void trace(const service::TraceMessage& m);
void trace(const service::TraceEvent& e);

// [log] pc5_keylog / PROSE_KEYLOGFILE: the PC5 key log (prose/keylog); off unless opened.
Status open_keylog(const LogConfig& lg);
bool keylog_on();
void keylog_line(const Result<std::string>& l);
void log_link_keys(std::uint32_t remote_ue_l2, std::uint32_t relay_l2, const link::SessionContext* ctx);
void log_link_keys(const keylog::LinkKeys& k);

}  // namespace prose::agents
