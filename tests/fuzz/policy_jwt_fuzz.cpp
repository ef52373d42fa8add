// libFuzzer target for the JWT verifier and the JWKS loader, on untrusted
// input. Build (clang only), e.g.:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include \
//     tests/fuzz/policy_jwt_fuzz.cpp src/policy/*.cpp src/http/*.cpp src/core/*.cpp -lcrypto \
//     -o policy_jwt_fuzz
// The first input byte picks the target: a token (verified against a fixed
// HS256 secret and Ed25519 JWKS) or a JWKS document. Beyond "no crash": a
// token the fuzzer did not sign must never verify, and an error is always named.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wsedge/policy/jwt.h"

namespace {

using namespace wsedge::policy;

const JwtVerifier& verifier() {
  static const JwtVerifier v = [] {
    JwtConfig c;
    c.algorithms = {JwtAlg::HS256, JwtAlg::RS256, JwtAlg::ES256, JwtAlg::EdDSA};
    c.keys.push_back(hmacKeyFromSecret("fuzz-secret-that-nobody-can-guess-9f8e7d").value());
    auto jwks = keysFromJwks(
        R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})");
    if (jwks) c.keys.insert(c.keys.end(), jwks.value().begin(), jwks.value().end());
    c.audience = {"chat"};
    c.leeway = std::chrono::seconds(30);
    return JwtVerifier(std::move(c));
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto r = keysFromJwks(in);
    if (r && r.value().empty()) std::abort();  // ok means at least one key
    return 0;
  }
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1800000000));
  const JwtResult r = verifier().verify(in, now);
  if (r.ok()) std::abort();  // nobody but us holds the secret or the Ed25519 private key
  if (jwtErrorName(r.error).empty()) std::abort();
  return 0;
}
