#include "prose/testbed/proc_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace prose::testbed {

long vm_kib(pid_t pid, const std::string& field) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto p = s.rfind(')');  // the command name may hold spaces and parentheses
  if (p == std::string::npos || p + 2 > s.size()) return -1;
  std::istringstream in(s.substr(p + 2));
  std::string tok;
  unsigned long ut = 0, st = 0;
  for (int field = 3; in >> tok; ++field) {
    if (field == 14) ut = std::stoul(tok);
    if (field == 15) {
      st = std::stoul(tok);
      break;
    }
  }
  return static_cast<double>(ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

// Entries of /proc/PID/fd that `count` accepts (given each link's target); -1 when they cannot be listed.
int count_fds(pid_t pid, bool (*count)(const std::string& target)) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  int n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return -1;
    std::error_code lec;
    if (count(std::filesystem::read_symlink(it->path(), lec).string())) ++n;
  }
  return n;
}

}  // namespace

int open_fds(pid_t pid) {
  return count_fds(pid, [](const std::string&) { return true; });
}

int open_sockets(pid_t pid) {
  return count_fds(pid, [](const std::string& target) { return target.rfind("socket:", 0) == 0; });
}

ProcStats proc_stats(pid_t pid) {
  return ProcStats{vm_kib(pid, "VmRSS"), vm_kib(pid, "VmHWM"), cpu_seconds(pid), open_fds(pid)};
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::uint64_t udp_rcvbuf_errors() {
  std::ifstream f("/proc/net/snmp");
  std::string names, values, line;
  while (std::getline(f, line)) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (names.empty()) {
      names = line;
    } else {
      values = line;
      break;
    }
  }
  std::istringstream n(names), v(values);
  std::string name, value;
  while (n >> name && v >> value)
    if (name == "RcvbufErrors") return std::stoull(value);
  return 0;
}

}  // namespace prose::testbed
