// libFuzzer target for the Origin matcher. Build (clang only), e.g.:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include \
//     tests/fuzz/policy_origin_fuzz.cpp src/policy/origin.cpp -o policy_origin_fuzz
// Input: "pattern\norigin". Checks that a pattern that parses as an exact
// origin matches itself, and that nothing is allowed that does not parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wsedge/policy/origin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nl = in.find('\n');
  const std::string pattern(in.substr(0, nl));
  const std::string_view origin =
      nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto policy = wsedge::policy::OriginPolicy::parse({pattern}, false);
  if (!policy) return 0;
  const bool allowed = policy.value().allowed(origin);
  if (allowed && !wsedge::policy::parseOrigin(origin)) std::abort();
  if (pattern.find('*') == std::string::npos && wsedge::policy::parseOrigin(pattern) &&
      !policy.value().allowed(pattern)) {
    std::abort();
  }
  return 0;
}
