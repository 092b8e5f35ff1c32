#include "prose/agents/pkmf_workers.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace prose::agents {

Result<std::unique_ptr<PkmfWorkers>> PkmfWorkers::start(std::size_t threads, Connect connect, Call call) {
  if (threads < 1 || threads > 64) return fail(Errc::kInvalidArgument, "PKMF worker threads must be 1..64");
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return fail(Errc::kIo, std::string("eventfd: ") + std::strerror(errno));
  std::unique_ptr<PkmfWorkers> w(new PkmfWorkers(std::move(connect), std::move(call), fd));
  for (std::size_t i = 0; i < threads; ++i) w->threads_.emplace_back([p = w.get()] { p->work(); });
  return w;
}

PkmfWorkers::PkmfWorkers(Connect connect, Call call, int event_fd)
    : connect_(std::move(connect)), call_(std::move(call)), event_fd_(event_fd) {}

PkmfWorkers::~PkmfWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  ::close(event_fd_);
}

std::uint64_t PkmfWorkers::submit(std::uint64_t owner, pc8::Request request) {
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    queue_.push_back(Job{id, owner, std::move(request)});
    ++in_flight_;
  }
  cv_.notify_one();
  return id;
}

std::vector<PkmfWorkers::Done> PkmfWorkers::take() {
  std::uint64_t n = 0;
  (void)!::read(event_fd_, &n, sizeof n);  // reset the counter; EAGAIN when nothing was signalled
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Done> out;
  out.swap(done_);
  in_flight_ -= out.size();
  return out;
}

std::size_t PkmfWorkers::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

void PkmfWorkers::work() {
  std::unique_ptr<net::HttpsClient> client;
  for (;;) {
    std::optional<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job.emplace(std::move(queue_.front()));
      queue_.pop_front();
    }
    Result<pc8::Response> r = fail(Errc::kIo, "no connection to the PKMF");
    if (!client) {
      auto c = connect_();
      if (c.ok())
        client = std::move(*c);
      else
        r = fail(c.error());
    }
    if (client) {
      r = call_(*client, job->request);
      if (!r.ok() && r.error().code == Errc::kIo) client.reset();  // connect again for the next job
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(Done{job->id, job->owner, std::move(r)});
    }
    const std::uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
  }
}

}  // namespace prose::agents
