#include "prose/gba_naf/zn_fetch.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace prose::gba_naf {

namespace {

struct Pool {
  diameter::ClientConfig cfg;
  std::size_t max = 1;
  std::mutex mu;
  std::condition_variable cv;                              // a connection came back, or a slot freed up
  std::vector<std::unique_ptr<diameter::HssClient>> idle;  // connected, not in use
  std::size_t slots = 0;                                   // connections in use or idle (or being opened)

  // A connection to use (idle, or null: open one); waits while all `max` are in use.
  std::unique_ptr<diameter::HssClient> take() {
    std::unique_lock lock(mu);
    cv.wait(lock, [this] { return !idle.empty() || slots < max; });
    if (idle.empty()) {
      ++slots;
      return nullptr;
    }
    auto c = std::move(idle.back());
    idle.pop_back();
    return c;
  }
  // Back into the pool when still alive; otherwise its slot is free again.
  void give_back(std::unique_ptr<diameter::HssClient> c) {
    std::lock_guard lock(mu);
    if (c && c->alive())
      idle.push_back(std::move(c));
    else
      --slots;
    cv.notify_one();
  }
};

}  // namespace

NafKeys::Fetch zn_fetch(diameter::ClientConfig config, std::size_t max_connections) {
  auto pool = std::make_shared<Pool>();
  pool->cfg = std::move(config);
  pool->max = std::max<std::size_t>(1, max_connections);
  return [pool](std::string_view btid, ByteView naf_id) -> Result<diameter::ZnKey> {
    auto client = pool->take();
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!client || !client->alive()) {
        auto c = diameter::HssClient::connect(pool->cfg);
        if (!c.ok()) {
          pool->give_back(nullptr);
          return fail(c.error().code, "Zn: cannot reach the BSF: " + c.error().message);
        }
        client = std::move(*c);
      }
      auto k = client->get_naf_key(btid, naf_id);
      if (k.ok() || k.error().code != Errc::kIo) {
        pool->give_back(std::move(client));
        return k;
      }
      client.reset();  // transport failed: reconnect once
    }
    pool->give_back(nullptr);
    return fail(Errc::kIo, "Zn: the BSF connection failed twice");
  };
}

}  // namespace prose::gba_naf
