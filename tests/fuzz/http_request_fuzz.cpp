// libFuzzer target for the request-head parser. Build (clang only), e.g.:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include \
//     tests/fuzz/http_request_fuzz.cpp src/http/*.cpp -lcrypto -o http_request_fuzz
// Beyond "no crash", it checks the parser's promises: the outcome does not depend
// on how the input is split, Done never consumes past the head, and a parsed
// head serializes back into a head that parses to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wsedge/http/request_parser.h"
#include "wsedge/http/upgrade.h"

namespace {

using wsedge::core::FeedResult;
using wsedge::core::ParseStatus;
using wsedge::http::RequestParser;

constexpr std::size_t kMaxHead = 4096;
constexpr std::size_t kMaxLine = 1024;

struct Outcome {
  ParseStatus status;
  int code;
  std::size_t consumed;
};

Outcome feedInTwo(RequestParser& p, std::string_view in, std::size_t cut) {
  std::size_t total = 0;
  for (auto piece : {in.substr(0, cut), in.substr(cut)}) {
    FeedResult r = p.feed(piece);
    total += r.consumed;
    if (r.status != ParseStatus::NeedMore) return {r.status, r.code, total};
    if (r.consumed != piece.size()) std::abort();
  }
  return {ParseStatus::NeedMore, 0, total};
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RequestParser whole(kMaxHead, kMaxLine);
  Outcome a = feedInTwo(whole, in, in.size());
  RequestParser split(kMaxHead, kMaxLine);
  Outcome b = feedInTwo(split, in, size == 0 ? 0 : data[0] % (size + 1));
  check(a.status == b.status && a.code == b.code && a.consumed == b.consumed);
  check(a.consumed <= kMaxHead + 1);
  if (a.status == ParseStatus::Error) {
    check(a.code == 400 || a.code == 414 || a.code == 431);
    return 0;
  }
  if (a.status != ParseStatus::Done) return 0;

  const auto& req = whole.request();
  (void)wsedge::http::validateUpgrade(req);
  check(req.headers.fields().size() == split.request().headers.fields().size());
  std::string again = wsedge::http::serializeRequestHead(req);
  RequestParser reparsed(again.size(), kMaxLine);
  FeedResult r = reparsed.feed(again);
  check(r.status == ParseStatus::Done && r.consumed == again.size());
  check(reparsed.request().target == req.target && reparsed.request().method == req.method);
  check(reparsed.request().headers.size() == req.headers.size());
  return 0;
}
