// Internal to the net module: a Boost.Beast body over a SecretString, so that the HTTPS server writes every response
// body from a buffer that is wiped when the response is done with (after async_write completes), never from a
// std::string copy of it. Writing only: the server never reads into it.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <cstdint>
#include <utility>

#include "prose/util/secret_string.h"

namespace prose::net::detail {

struct SecretStringBody {
  using value_type = SecretString;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  // The whole body as one buffer (like Beast's span_body).
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    explicit writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      return {{const_buffers_type(body_.data(), body_.size()), false}};
    }

   private:
    const value_type& body_;
  };
};

}  // namespace prose::net::detail
