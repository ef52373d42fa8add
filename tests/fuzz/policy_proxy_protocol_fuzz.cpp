// libFuzzer target for the PROXY protocol v1/v2 parser. Build (clang only), e.g.:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include \
//     tests/fuzz/policy_proxy_protocol_fuzz.cpp src/policy/proxy_protocol.cpp
//     src/policy/ip_address.cpp \ -o policy_proxy_protocol_fuzz
// Beyond "no crash", it checks the parser's promises: the outcome and the
// bytes consumed do not depend on how the input is split, Done never
// consumes past the header, and a Done header with an address has a family
// that matches it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wsedge/policy/proxy_protocol.h"

namespace {

using wsedge::core::ParseStatus;
using wsedge::policy::ProxyHeader;
using wsedge::policy::ProxyProtocolParser;

struct Outcome {
  ParseStatus status;
  std::size_t consumed;
};

Outcome feedSplit(ProxyProtocolParser& p, std::string_view in, std::size_t cut) {
  std::size_t total = 0;
  for (auto piece : {in.substr(0, cut), in.substr(cut)}) {
    auto r = p.feed(piece);
    total += r.consumed;
    if (r.status != ParseStatus::NeedMore) return {r.status, total};
    if (r.consumed != piece.size()) std::abort();  // NeedMore takes everything
  }
  return {ParseStatus::NeedMore, total};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  ProxyProtocolParser whole;
  const Outcome w = feedSplit(whole, in, in.size());
  if (w.consumed > in.size()) std::abort();
  if (w.status == ParseStatus::Done) {
    const ProxyHeader& h = whole.header();
    if (h.hasClientAddress()) {
      const bool v4 = h.source->family == wsedge::policy::IpAddress::Family::V4;
      if (v4 != (h.family == ProxyHeader::Family::V4)) std::abort();
      if (h.command != ProxyHeader::Command::Proxy) std::abort();
    }
    // Sticky: a second feed consumes nothing.
    if (whole.feed(in.substr(w.consumed)).consumed != 0) std::abort();
  }
  const std::size_t cuts[] = {1, size / 2, size > 0 ? size - 1 : 0};
  for (std::size_t cut : cuts) {
    if (cut > size) continue;
    ProxyProtocolParser p;
    const Outcome o = feedSplit(p, in, cut);
    if (o.status != w.status) std::abort();
    if (o.status == ParseStatus::Done && o.consumed != w.consumed) std::abort();
  }
  return 0;
}
