// Running a piece of work in another network namespace (`[ip] netns`): the calling thread enters the namespace
// /run/netns/<name> (as `ip netns add` makes it), runs the work and returns to its own. Descriptors opened meanwhile
// (a TUN device) stay in the namespace they were made in; the agent's other sockets stay where they are. Needs
// CAP_SYS_ADMIN.
#pragma once

#include <functional>
#include <string>

#include "prose/util/result.h"

namespace prose::agents {

// `work` in namespace `name` (empty: where the thread is); kIo naming the namespace when it cannot be entered.
Status in_netns(const std::string& name, const std::function<Status()>& work);

}  // namespace prose::agents
