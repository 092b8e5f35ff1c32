// Helpers shared by the files of the PC5 codec (codec.cpp, codec_decode.cpp, codec_describe.cpp); not for use
// outside prose/pc5.
#pragma once

#include <cstdint>
#include <string>

namespace prose::pc5::detail {

// "0x%02x": a message type or IEI as it appears in decoder errors and in describe().
std::string hex8(std::uint8_t v);

}  // namespace prose::pc5::detail
