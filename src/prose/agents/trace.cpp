#include "prose/agents/trace.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "prose/ids/ids.h"
#include "prose/keylog/keylog.h"
#include "prose/pc5/constants.h"
#include "prose/util/hex.h"

namespace prose::agents {

// [log] capture: CAP lines on or off (prose demo builds its pcap from them; a production relay turns them off).
std::atomic<bool> g_capture{true};
// Off in the relay's event loop, which flushes once before it waits (and before a PC8 call) instead of once per
// line: with stdout in a file, a flush per line is a write(2) per line.
std::atomic<bool> g_flush_each_line{true};

// PROSE_LINE_TIMES set (prose demo sets it): every line starts with "@<unix time, us>|", so that the lines of
// several agents can be merged in the order they were written (agents.h).
namespace {
const bool g_line_times = std::getenv("PROSE_LINE_TIMES") != nullptr;
std::function<void(const std::string&)> g_line_writer;
}  // namespace

void flush_lines() { std::fflush(stdout); }

void line(const std::string& s) {
  if (g_line_writer) {
    g_line_writer(s);
    return;
  }
  std::string l;
  if (g_line_times)
    l = "@" +
        std::to_string(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count()) +
        "|";
  l += s + "\n";  // one write: the sidelink's delay thread logs too
  std::fwrite(l.data(), 1, l.size(), stdout);
  if (g_flush_each_line) std::fflush(stdout);
}
void msc(const std::string& from, const std::string& to, const std::string& text) {
  line("MSC|" + from + "|" + to + "|" + text);
}
void evt(const std::string& name, const std::string& text) { line("EVT|" + name + "|" + text); }
// The sender's clock goes with each captured datagram, so that the demo's pcap orders them as they were sent.
void cap(std::uint16_t src, std::uint16_t dst, ByteView payload) {
  if (!g_capture) return;
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  line("CAP|" + std::to_string(src) + "|" + std::to_string(dst) + "|" + std::to_string(us) + "|" + to_hex(payload));
}

// [log] pc5_keylog / PROSE_KEYLOGFILE: the PC5 key log (prose/keylog), null when off.
namespace {
std::unique_ptr<keylog::Writer> g_keylog;
}  // namespace

Status open_keylog(const LogConfig& lg) {
  const std::string path = keylog::resolve_path(lg.pc5_keylog);
  if (path.empty()) return {};
  PROSE_TRY(g_keylog, keylog::Writer::open(path));
  evt("warning", "PC5 key log on: the keys of every PC5 link and of discovery go to " + path +
                     " (for decrypting captures; anyone who reads it can read the traffic)");
  return {};
}

void keylog_line(const Result<std::string>& l) {
  if (!g_keylog) return;
  Status st = l.ok() ? g_keylog->write_line(*l) : Status(l.error());
  if (!st.ok()) evt("error", "PC5 key log: " + st.error().to_string());
}

void log_link_keys(std::uint32_t remote_ue_l2, std::uint32_t relay_l2, const link::SessionContext* ctx) {
  if (!g_keylog || ctx == nullptr) return;
  keylog::LinkKeys k;
  k.remote_ue_l2 = ids::Layer2Id{remote_ue_l2};
  k.relay_l2 = ids::Layer2Id{relay_l2};
  k.kd_sess_id = ctx->kd_sess_id();
  k.eea = static_cast<std::uint8_t>(ctx->algorithms().eea);
  k.eia = static_cast<std::uint8_t>(ctx->algorithms().eia);
  k.pek = ctx->pek().clone();
  k.pik = ctx->pik().clone();
  keylog_line(keylog::format(k));
}

void log_link_keys(const keylog::LinkKeys& k) {
  if (!g_keylog) return;
  keylog_line(keylog::format(k));
}

bool keylog_on() { return g_keylog != nullptr; }

void pc5_line(std::uint32_t src, std::uint32_t dst, std::uint8_t type) {
  auto name = pc5::message_type_name(type);
  line("PC5|" + hex24(src) + "|" + hex24(dst) + "|" + std::string(name ? *name : "?"));
}

void trace(const service::TraceMessage& m) { msc(m.from, m.to, m.text); }
void trace(const service::TraceEvent& e) { evt(e.name, e.text); }

void set_line_writer(std::function<void(const std::string&)> writer) { g_line_writer = std::move(writer); }

}  // namespace prose::agents
