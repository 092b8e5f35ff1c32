#include "prose/mikey/replay_cache.h"

#include <algorithm>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::mikey {

Bytes ReplayEntry::key() const {
  ByteWriter w(12 + rand.size());
  w.u32(csb_id).u64(t).bytes(rand);
  return w.take();
}

Result<ReplayEntry> ReplayEntry::from_key(ByteView k) {
  ByteReader r(k);
  ReplayEntry e;
  PROSE_TRY(e.csb_id, r.u32("replay entry CSB ID"));
  PROSE_TRY(e.t, r.u64("replay entry T"));
  ByteView rest = r.rest();
  if (rest.empty()) return fail(Errc::kMalformed, "replay entry without RAND");
  e.rand.assign(rest.begin(), rest.end());
  return e;
}

Status ReplayCache::check(const ReplayEntry& e) const {
  if (has_floor_ && e.t <= floor_)
    return fail(Errc::kReplay, "timestamp not newer than the oldest message the replay cache had to forget");
  if (seen_.count(e.key()) != 0) return fail(Errc::kReplay, "message seen before (same CSB ID, T and RAND)");
  return ok_status();
}

void ReplayCache::remember(const ReplayEntry& e, std::uint64_t oldest_allowed) {
  // Drop what the clock window already rejects.
  for (auto it = order_.begin(); it != order_.end();) {
    if (it->t < oldest_allowed) {
      seen_.erase(it->key());
      it = order_.erase(it);
    } else {
      ++it;
    }
  }
  while (order_.size() >= capacity_) {
    const ReplayEntry& old = order_.front();
    floor_ = has_floor_ ? std::max(floor_, old.t) : old.t;
    has_floor_ = true;
    seen_.erase(old.key());
    order_.pop_front();
  }
  seen_.insert(e.key());
  order_.push_back(e);
}

}  // namespace prose::mikey
