#pragma once
// Test helper: feeds an input to an incremental parser whole, split in two at
// every byte boundary, and one byte at a time, and checks that every way ends
// the same (status, code, total bytes consumed, and what was parsed).
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wsedge/core/result.h"

namespace wsedge::testing {

struct Outcome {
  core::ParseStatus status = core::ParseStatus::NeedMore;
  int code = 0;
  std::size_t consumed = 0;
  std::string parsed;  // the parser's result rendered by the test's `describe`, when Done

  bool operator==(const Outcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{status=" << static_cast<int>(o.status) << " code=" << o.code
            << " consumed=" << o.consumed << " parsed=" << o.parsed << "}";
}

/// Feeds `pieces` in order until the parser leaves NeedMore. While it needs
/// more, each feed must consume its whole piece (the parser buffers the line).
template <class Parser, class Describe>
Outcome feedPieces(Parser& p, const std::vector<std::string_view>& pieces, Describe describe) {
  Outcome o;
  for (auto piece : pieces) {
    auto r = p.feed(piece);
    o.consumed += r.consumed;
    if (r.status != core::ParseStatus::NeedMore) {
      o.status = r.status;
      o.code = r.code;
      if (r.status == core::ParseStatus::Done) o.parsed = describe(p);
      // A finished parser consumes nothing more and keeps its answer.
      auto again = p.feed("GET / HTTP/1.1\r\n");
      EXPECT_EQ(again.consumed, 0u);
      EXPECT_EQ(again.status, r.status);
      EXPECT_EQ(again.code, r.code);
      return o;
    }
    EXPECT_EQ(r.consumed, piece.size());
  }
  return o;
}

/// Returns the outcome of feeding `input` whole, after checking that every
/// two-piece split and the byte-at-a-time feed give exactly the same one.
template <class MakeParser, class Describe>
Outcome feedEverySplit(std::string_view input, MakeParser make, Describe describe) {
  auto whole = make();
  const Outcome expected = feedPieces(whole, {input}, describe);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    auto p = make();
    auto got = feedPieces(p, {input.substr(0, cut), input.substr(cut)}, describe);
    if (got != expected) {
      ADD_FAILURE() << "split at " << cut << ": " << got << " vs whole: " << expected;
      return expected;
    }
  }
  auto p = make();
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  auto got = feedPieces(p, bytes, describe);
  EXPECT_EQ(got, expected) << "byte at a time";
  return expected;
}

}  // namespace wsedge::testing
