// libFuzzer target for the ws frame parser and close-payload parser.
// Build: clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
//          tests/fuzz/ws_frame_parser_fuzz.cpp src/ws/*.cpp -o ws_frame_parser_fuzz
// Input: byte 0 picks direction/limits, byte 1 the chunk size; the rest is the stream.
// Checks the parser's invariants and that chunking never changes the verdict.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wsedge/ws/frame_parser.h"
#include "wsedge/ws/frame_writer.h"

namespace {

using wsedge::core::ParseStatus;
using wsedge::ws::FrameParser;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Outcome {
  int error = 0;
  std::uint64_t frames = 0;
  std::uint64_t messages = 0;
};

Outcome drive(FrameParser& p, std::string_view in, std::size_t chunk) {
  Outcome o;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t end = std::min(in.size(), pos + chunk);
    while (pos < end) {
      if (p.expectingHeader()) {
        const auto r = p.feed(in.substr(pos, end - pos));
        check(r.consumed <= end - pos);
        pos += r.consumed;
        if (r.status == ParseStatus::Error) {
          check(r.code == 1002 || r.code == 1009);
          o.error = r.code;
          return o;
        }
        if (r.status == ParseStatus::NeedMore) {
          check(pos == end);
          break;
        }
        const auto& h = p.header();
        check(h.headerLength >= 2 && h.headerLength <= wsedge::ws::kMaxHeaderSize);
        check(p.rawHeader().size() == h.headerLength);
        if (wsedge::ws::isControl(h.opcode)) check(h.fin && h.payloadLength <= 125);
        if (h.payloadLength == 0) {
          ++o.frames;
          o.messages += p.completedMessage();
        }
      } else {
        const std::uint64_t n = std::min<std::uint64_t>(p.payloadRemaining(), end - pos);
        check(n > 0);
        pos += n;
        p.consumePayload(n);
        if (p.expectingHeader()) {
          ++o.frames;
          o.messages += p.completedMessage();
        }
      }
    }
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto dir = (data[0] & 1) ? wsedge::ws::Direction::ClientToServer
                                 : wsedge::ws::Direction::ServerToClient;
  wsedge::ws::ParserLimits lim;
  if (data[0] & 2) lim.maxFrame = 64;
  if (data[0] & 4) lim.maxMessage = 200;
  if (data[0] & 8) lim.allowedRsv = 0b100;
  const std::size_t chunk = 1 + data[1] % 17;
  const std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

  FrameParser whole(dir, lim);
  FrameParser pieces(dir, lim);
  const Outcome a = drive(whole, in, in.size() + 1);
  const Outcome b = drive(pieces, in, chunk);
  check(a.error == b.error && a.frames == b.frames && a.messages == b.messages);

  std::uint16_t code = 0;
  std::string_view reason;
  if (wsedge::ws::parseClosePayload(in.substr(0, 125), code, reason)) {
    check(code == 1005 || wsedge::ws::isValidWireCloseCode(code));
    // What we accept, we can write back identically.
    const auto f = wsedge::ws::makeClose(code, reason, nullptr);
    check(f.view().substr(2) == in.substr(0, std::min<std::size_t>(in.size(), 125)) ||
          code == 1005);
  }
  return 0;
}
