// Bounded replay cache for MIKEY I_MESSAGEs: remembers (CSB ID, T, RAND) of accepted messages.
// Memory is bounded by `capacity`. Entries older than the clock window are dropped (the clock check already
// rejects such messages). When the cache is full the oldest entry is evicted and its timestamp becomes a floor:
// any later message with a timestamp at or below the floor is refused, so eviction never re-opens a replay.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::mikey {

struct ReplayEntry {
  std::uint32_t csb_id = 0;
  std::uint64_t t = 0;  // NTP timestamp of the message
  Bytes rand;
  Bytes key() const;                                // csb_id || t || rand
  static Result<ReplayEntry> from_key(ByteView k);  // inverse of key()
};

class ReplayCache {
 public:
  explicit ReplayCache(std::size_t capacity = 1024) : capacity_(capacity == 0 ? 1 : capacity) {}

  // kReplay when seen before or not newer than the eviction floor. Changes nothing.
  Status check(const ReplayEntry& e) const;
  // Records an accepted message. `oldest_allowed` (NTP) drops entries that fell out of the clock window.
  void remember(const ReplayEntry& e, std::uint64_t oldest_allowed);

  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t floor() const { return floor_; }
  std::vector<ReplayEntry> entries() const { return {order_.begin(), order_.end()}; }

 private:
  std::size_t capacity_;
  std::deque<ReplayEntry> order_;  // insertion order
  std::set<Bytes> seen_;
  std::uint64_t floor_ = 0;
  bool has_floor_ = false;
};

}  // namespace prose::mikey
