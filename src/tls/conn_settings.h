#pragma once
// Private to tls/: the SSL_CTX settings that net::Conn's I/O relies on, the
// same for the server side (listeners) and the client side (backends).
#include <openssl/ssl.h>

namespace wsedge::tls {

/// Sets the options and modes every context used under a net::Conn needs.
inline void applyConnSettings(SSL_CTX* c) {
  // No renegotiation (a CPU-exhaustion vector, and nothing here needs it).
  // IGNORE_UNEXPECTED_EOF: OpenSSL 3 reports a TCP close without
  // close_notify as a protocol error; many peers (browsers among them) close
  // that way, and WebSocket frames carry their own lengths and close
  // handshake, so it is the plain EOF that it is.
  SSL_CTX_set_options(
      c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // RELEASE_BUFFERS: an idle connection holds no 16 KiB read/write buffers.
  // No partial-write modes: records go to net::Conn's own output BIO, which
  // never refuses bytes, so SSL_write always takes everything at once.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  // Read ahead: one recv() takes as many records as the read buffer holds
  // instead of a header read and a body read per record; net::Conn drains
  // what SSL buffered before it sleeps.
  SSL_CTX_set_read_ahead(c, 1);
}

}  // namespace wsedge::tls
