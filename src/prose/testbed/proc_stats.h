// Statistics of a process and of the system from Linux /proc, for load reports: RSS and its peak, CPU time, open
// file descriptors; the load average and the system-wide count of UDP receive buffer overflows.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace prose::testbed {

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); -1 when the process or the field is not there.
long vm_kib(pid_t pid, const std::string& field);
// User + system CPU seconds (/proc/PID/stat fields 14 and 15); -1 when the process is not there.
double cpu_seconds(pid_t pid);
// Entries of /proc/PID/fd; -1 when they cannot be listed.
int open_fds(pid_t pid);
// Those of them that are sockets; -1 when they cannot be listed.
int open_sockets(pid_t pid);

struct ProcStats {
  long rss_kib = -1;
  long peak_rss_kib = -1;
  double cpu_s = -1;
  int open_fds = -1;
};
ProcStats proc_stats(pid_t pid);

// The 1, 5 and 15 minute load averages, "0.52 0.61 0.70".
std::string loadavg();
// Udp RcvbufErrors from /proc/net/snmp (datagrams dropped because a socket's receive buffer was full).
std::uint64_t udp_rcvbuf_errors();

}  // namespace prose::testbed
