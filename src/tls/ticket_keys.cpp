#include "wsedge/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>

namespace wsedge::tls {
namespace {

int exIndex() {
  // One process-wide ex_data slot, allocated once (thread-safe static init).
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool setCipherAndMac(const TicketKeys::Key& k, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                     EVP_MAC_CTX* mac, bool encrypt) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                        const_cast<std::uint8_t*>(k.hmac.data()), k.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return false;
  return encrypt ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k.aes.data(), iv) == 1
                 : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k.aes.data(), iv) == 1;
}

/// OpenSSL's ticket callback: 1 = ok, 2 = ok but renew (old key), 0 = unknown
/// key (full handshake), -1 = error.
int onTicket(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
             EVP_MAC_CTX* mac, int enc) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), exIndex()));
  if (keys == nullptr) return -1;
  if (enc == 1) {
    TicketKeys::Key k = keys->current();
    std::memcpy(name, k.name.data(), k.name.size());
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    return setCipherAndMac(k, iv, cipher, mac, true) ? 1 : -1;
  }
  TicketKeys::Key k;
  bool isCurrent = false;
  if (!keys->find(name, k, isCurrent)) return 0;
  if (!setCipherAndMac(k, iv, cipher, mac, false)) return -1;
  return isCurrent ? 1 : 2;
}

}  // namespace

TicketKeys::TicketKeys(std::chrono::seconds rotation) : rotation_(rotation), current_(fresh()) {}

TicketKeys::Key TicketKeys::fresh() {
  Key k;
  RAND_bytes(k.name.data(), static_cast<int>(k.name.size()));
  RAND_bytes(k.aes.data(), static_cast<int>(k.aes.size()));
  RAND_bytes(k.hmac.data(), static_cast<int>(k.hmac.size()));
  k.created = std::chrono::steady_clock::now();
  return k;
}

void TicketKeys::install(ssl_ctx_st* ctx) {
  SSL_CTX_set_ex_data(ctx, exIndex(), this);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &onTicket);
  // A ticket is accepted for two rotation periods at most (see find()).
  SSL_CTX_set_timeout(ctx, static_cast<long>(2 * rotation_.count()));
}

void TicketKeys::rotate() {
  Key next = fresh();
  std::lock_guard lock(mu_);
  previous_ = current_;
  hasPrevious_ = true;
  current_ = next;
}

TicketKeys::Key TicketKeys::current() {
  auto due = [this] { return std::chrono::steady_clock::now() - current_.created >= rotation_; };
  {
    std::lock_guard lock(mu_);
    if (!due()) return current_;
  }
  Key next = fresh();  // RAND_bytes outside the lock
  std::lock_guard lock(mu_);
  // Another thread may have rotated meanwhile: rotating twice would drop the
  // key that still decrypts tickets issued a moment ago.
  if (due()) {
    previous_ = current_;
    hasPrevious_ = true;
    current_ = next;
  }
  return current_;
}

bool TicketKeys::find(const std::uint8_t* name, Key& out, bool& isCurrent) {
  auto live = [this](const Key& k) {
    return std::chrono::steady_clock::now() - k.created < 2 * rotation_;
  };
  std::lock_guard lock(mu_);
  if (std::memcmp(name, current_.name.data(), current_.name.size()) == 0 && live(current_)) {
    out = current_;
    isCurrent = true;
    return true;
  }
  if (hasPrevious_ && std::memcmp(name, previous_.name.data(), previous_.name.size()) == 0 &&
      live(previous_)) {
    out = previous_;
    isCurrent = false;
    return true;
  }
  return false;
}

}  // namespace wsedge::tls
