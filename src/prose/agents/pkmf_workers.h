// The relay's PC8 Key Requests off its event loop (docs/agents.md "Relay"): a fixed set of worker threads, each with
// its own keep-alive TLS connection to the PKMF, so one slow KD request does not stall every other link. Results
// come back through an eventfd the event loop polls next to its sockets; only the loop touches link state.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "prose/net/client.h"
#include "prose/pc8/messages.h"
#include "prose/util/result.h"

namespace prose::agents {

class PkmfWorkers {
 public:
  using Connect = std::function<Result<std::unique_ptr<net::HttpsClient>>()>;
  using Call = std::function<Result<pc8::Response>(net::HttpsClient&, const pc8::Request&)>;
  struct Done {
    std::uint64_t job = 0;
    std::uint64_t owner = 0;  // what the caller said the job was for (the relay: its service's request number)
    Result<pc8::Response> response;
  };

  // `threads` workers (1..64); each connects with `connect` before its first job and again after an I/O failure.
  static Result<std::unique_ptr<PkmfWorkers>> start(std::size_t threads, Connect connect, Call call);
  ~PkmfWorkers();  // finishes the running calls, drops the queued ones, joins
  PkmfWorkers(const PkmfWorkers&) = delete;
  PkmfWorkers& operator=(const PkmfWorkers&) = delete;

  std::uint64_t submit(std::uint64_t owner, pc8::Request request);  // the job number (never 0)
  int fd() const { return event_fd_; }                              // readable while finished jobs wait
  std::vector<Done> take();                                         // the finished jobs, oldest first
  std::size_t in_flight() const;                                    // submitted and not yet taken

 private:
  struct Job {
    std::uint64_t id;
    std::uint64_t owner;
    pc8::Request request;
  };
  PkmfWorkers(Connect connect, Call call, int event_fd);
  void work();

  Connect connect_;
  Call call_;
  int event_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<Done> done_;
  std::uint64_t next_id_ = 1;
  std::size_t in_flight_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace prose::agents
