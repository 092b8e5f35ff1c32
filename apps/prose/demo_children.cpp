// `prose demo`: the agents' and servers' processes: starting them, stopping them, reading their lines (demo_run.h).
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "demo_run.h"

namespace prose::cli::demo {

void Demo::start(const std::string& name, std::vector<std::string> args, bool piped) {
  const std::string log = (out_ / (name + ".log")).string();
  testbed::SpawnOptions o;
  o.argv = std::move(args);
  o.env = {{"PROSE_LINE_TIMES", "1"}};  // the agents stamp their lines: the trace merges them in time order
  o.cwd = out_.string();
  o.log = log;
  o.append_log = true;
  o.pipe_stdout = piped;
  auto p = testbed::Process::spawn(std::move(o));
  if (!p.ok()) {
    step_fail(name + ": " + p.error().message);
    return;
  }
  const int fd = p->release_stdout();
  const int lf = piped ? ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
  children_.push_back(Child{std::move(*p), fd, name, lf});
  logs_[name] = log;
}

void Demo::stop_all() {
  for (auto& c : children_) c.process.stop(std::chrono::seconds(1));
  // Every line the agents wrote before they ended (their last CAP and PC5 lines) is read to the end of the pipes.
  for (int i = 0; i < 200 && std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.fd >= 0; });
       ++i)
    drain(10);
  for (auto& c : children_) {
    if (c.fd >= 0) ::close(c.fd), c.fd = -1;
    if (c.log >= 0) ::close(c.log), c.log = -1;
  }
  release(INT64_MAX);
  if (echo_fd_ >= 0) {
    echo_stop_ = true;
    if (echo_.joinable()) echo_.join();
    ::close(echo_fd_);
    echo_fd_ = -1;
  }
}

void Demo::drain(int wait_ms) {
  const std::int64_t start = now_us();
  std::vector<pollfd> ps;
  std::vector<Child*> cs;
  for (auto& c : children_)
    if (c.fd >= 0) ps.push_back({c.fd, POLLIN, 0}), cs.push_back(&c);
  if (!ps.empty() && ::poll(ps.data(), ps.size(), wait_ms) > 0) {
    for (std::size_t i = 0; i < ps.size(); ++i) {
      // Everything in the pipe now, not just one read's worth.
      for (int reads = 0; reads < 256 && cs[i]->fd >= 0; ++reads) {
        pollfd one{cs[i]->fd, POLLIN, 0};
        if (::poll(&one, 1, 0) <= 0 || !(one.revents & (POLLIN | POLLHUP))) break;
        char buf[16384];
        ssize_t n = ::read(cs[i]->fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(cs[i]->fd);
          cs[i]->fd = -1;
          break;
        }
        std::string& acc = partial_[cs[i]->name];
        acc.append(buf, static_cast<std::size_t>(n));
        for (auto nl = acc.find('\n'); nl != std::string::npos; nl = acc.find('\n')) {
          read_line(*cs[i], acc.substr(0, nl));
          acc.erase(0, nl + 1);
        }
      }
    }
  }
  release(start);
}

void Demo::read_line(const Child& c, std::string l) {
  std::int64_t us = now_us();
  if (!l.empty() && l[0] == '@') {
    const auto bar = l.find('|');
    if (bar != std::string::npos) {
      us = std::strtoll(l.c_str() + 1, nullptr, 10);
      l.erase(0, bar + 1);
    }
  }
  // The agent's log: every line but the captures (those went into demo.pcap).
  if (c.log >= 0 && l.rfind("CAP|", 0) != 0) {
    const std::string w = l + "\n";
    (void)!::write(c.log, w.data(), w.size());
  }
  if (l.rfind("MSC|", 0) == 0 || l.rfind("EVT|", 0) == 0)
    pending_.push_back({us, c.name, std::move(l), std::nullopt});
  else
    on_line(c.name, l, us);
}

}  // namespace prose::cli::demo
