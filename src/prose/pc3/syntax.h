// Value syntax shared by the model validation and the codec (the schema has the same rules as patterns).
#pragma once

#include <string_view>

namespace prose::pc3::detail {

// LDH labels of 1..63 characters separated by dots, at most 253 characters (RFC 1035 / RFC 1123); an IPv4 dotted
// quad also matches.
bool is_dns_name(std::string_view s);
// A DNS name or an IPv6 address in text form without brackets (inet_pton).
bool is_host(std::string_view s);

}  // namespace prose::pc3::detail
