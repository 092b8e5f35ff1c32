// The compiled part of Asio, Asio's SSL support and Beast, built once for the whole program. The prose_asio target
// (cmake/ProseDependencies.cmake) sets BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION for every
// translation unit that uses them, so that those compile only declarations of the libraries' non-template
// functions (the scheduler, the reactor, socket operations, the OpenSSL engine, the HTTP parser) instead of an inline
// copy each; this file is where they are defined.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

#include "prose/util/asio_config.h"  // the project's one Asio configuration
