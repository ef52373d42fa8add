// libFuzzer target for the backend's response head (the 101). Build as
// http_request_fuzz.cpp, with this file instead. Checks split independence,
// that errors are always 502, and that validateUpgradeResponse never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wsedge/http/response_parser.h"
#include "wsedge/http/upgrade.h"

namespace {

using wsedge::core::FeedResult;
using wsedge::core::ParseStatus;
using wsedge::http::ResponseParser;

constexpr std::size_t kMaxHead = 4096;

FeedResult feedInTwo(ResponseParser& p, std::string_view in, std::size_t cut) {
  FeedResult r = p.feed(in.substr(0, cut));
  if (r.status != ParseStatus::NeedMore) return r;
  if (r.consumed != cut) std::abort();
  FeedResult s = p.feed(in.substr(cut));
  s.consumed += r.consumed;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ResponseParser whole(kMaxHead);
  FeedResult a = feedInTwo(whole, in, in.size());
  ResponseParser split(kMaxHead);
  FeedResult b = feedInTwo(split, in, size == 0 ? 0 : data[0] % (size + 1));
  if (a.status != b.status || a.code != b.code || a.consumed != b.consumed) std::abort();
  if (a.status == ParseStatus::Error && a.code != 502) std::abort();
  if (a.status == ParseStatus::Done) {
    (void)wsedge::http::validateUpgradeResponse(whole.response(), "dGhlIHNhbXBsZSBub25jZQ==");
  }
  return 0;
}
