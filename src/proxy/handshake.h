#pragma once
// Private to proxy/: the per-session state of the handshake phase.
#include <cstdint>
#include <string>

#include "wsedge/http/request_parser.h"
#include "wsedge/http/response_parser.h"
#include "wsedge/proxy/session.h"

namespace wsedge::proxy {

/// State that only lives until the 101: freed when the relay starts, so an
/// established session carries none of it.
struct Session::Handshake {
  explicit Handshake(std::size_t maxHead) : request(maxHead), response(maxHead) {}
  http::RequestParser request;
  http::ResponseParser response;
  std::string forwardHead;  // the request as sent upstream
  std::string clientKey;
  std::size_t responseFed = 0;         // bytes of the upstream input already fed
  std::uint64_t passthroughLeft = 0;   // body bytes of a non-101 answer still to relay
  bool passthroughUntilEof = false;
  int attempts = 0;
};

}  // namespace wsedge::proxy
