#include "prose/agents/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace prose::agents {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status io_error(const std::string& what) { return fail(Errc::kIo, what + ": " + std::strerror(errno)); }

}  // namespace

Status in_netns(const std::string& name, const std::function<Status()>& work) {
  if (name.empty()) return work();
  Fd own{::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)};
  if (own.fd < 0) return io_error("network namespace of this thread");
  const std::string path = "/run/netns/" + name;
  Fd target{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (target.fd < 0) return io_error("network namespace " + path);
  if (::setns(target.fd, CLONE_NEWNET) != 0) return io_error("entering network namespace " + name);
  Status st = work();
  if (::setns(own.fd, CLONE_NEWNET) != 0) return io_error("leaving network namespace " + name);
  return st;
}

}  // namespace prose::agents
