#pragma once
// Session-ticket keys for resumption (RFC 5077 / TLS 1.3 PSK tickets), shared
// by every listener's SSL_CTX and every worker. The key that encrypts new
// tickets rotates every `rotation`; the previous one still decrypts (and the
// ticket is then renewed), so a ticket lives at most two periods. Kept across
// reloads (Server::buildRuntime hands the old object to the new runtime) so a
// SIGHUP does not end every client's resumption.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

struct ssl_ctx_st;

namespace wsedge::tls {

class TicketKeys {
 public:
  static constexpr std::chrono::seconds kDefaultRotation{std::chrono::hours(12)};

  explicit TicketKeys(std::chrono::seconds rotation = kDefaultRotation);
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  /// Makes `ctx` encrypt and decrypt its tickets with these keys. `this` must
  /// outlive `ctx` (ServerContext holds a shared_ptr). Main thread.
  void install(ssl_ctx_st* ctx);
  /// Starts a new key now; the current one becomes the previous. Any thread.
  void rotate();
  std::chrono::seconds rotation() const { return rotation_; }

  struct Key {
    std::array<std::uint8_t, 16> name{};
    std::array<std::uint8_t, 32> aes{};
    std::array<std::uint8_t, 32> hmac{};
    std::chrono::steady_clock::time_point created;
  };
  /// The key for new tickets (rotating first when it is due). Any thread.
  Key current();
  /// The key named `name` and whether it is the current one. Any thread.
  bool find(const std::uint8_t* name, Key& out, bool& isCurrent);

 private:
  static Key fresh();

  const std::chrono::seconds rotation_;
  // Taken once per full handshake or resumption, never per byte: a plain
  // mutex is cheaper to reason about than a lock-free key swap here.
  std::mutex mu_;
  Key current_;
  Key previous_;
  bool hasPrevious_ = false;
};

}  // namespace wsedge::tls
