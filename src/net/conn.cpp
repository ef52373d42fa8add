#include "wsedge/net/conn.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "wsedge/tls/handles.h"

namespace wsedge::net {

namespace {

// The largest plaintext handed to one SSL_write from the output buffer: a few
// records per call. A retry after WANT_WRITE passes at least the pending
// record again (OpenSSL requires it; one record is at most 16 KiB).
constexpr std::size_t kTlsWriteChunk = 64 * 1024;

bool wouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

}  // namespace

void Conn::SslDeleter::operator()(ssl_st* p) const { tls::OpenSslDeleter{}(p); }

Conn::Conn(event_base* base, evutil_socket_t fd, ssl_st* ssl) : base_(base), fd_(fd), ssl_(ssl) {
  // Assigned once here so that event_del/event_active are always valid;
  // update() re-assigns it whenever the interest (or the fd) changes.
  event_assign(&ev_, base_, fd_, EV_PERSIST, &Conn::onEvent, this);
}

std::unique_ptr<Conn> Conn::accepted(event_base* base, evutil_socket_t fd, ssl_st* ssl) {
  std::unique_ptr<Conn> c(new (std::nothrow) Conn(base, fd, ssl));
  if (!c) {
    tls::SslPtr owned(ssl);
    evutil_closesocket(fd);
    return nullptr;
  }
  if (ssl != nullptr) {
    SSL_set_fd(ssl, fd);
    SSL_set_accept_state(ssl);
    c->handshaking_ = true;
    c->update();
  }
  return c;
}

std::unique_ptr<Conn> Conn::outgoing(event_base* base, ssl_st* ssl) {
  std::unique_ptr<Conn> c(new (std::nothrow) Conn(base, -1, ssl));
  if (!c) tls::SslPtr owned(ssl);
  if (c && ssl != nullptr) c->tlsClient_ = true;
  return c;
}

Conn::~Conn() {
  if (alive_ != nullptr) *alive_ = false;
  event_del(&ev_);
  ssl_.reset();
  if (fd_ >= 0) evutil_closesocket(fd_);
}

void Conn::setCallbacks(ReadCb onRead, WriteCb onWrite, EventCb onEvt, void* ctx) {
  readCb_ = onRead;
  writeCb_ = onWrite;
  eventCb_ = onEvt;
  ctx_ = ctx;
}

bool Conn::connect(const sockaddr* addr, socklen_t len) {
  fd_ = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (::connect(fd_, addr, len) != 0 && errno != EINPROGRESS) return false;
  // Even an immediate success is confirmed on EV_WRITE (SO_ERROR): one path.
  connecting_ = true;
  update();
  return true;
}

void Conn::connected() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (wouldBlock(err)) return;  // spurious wake-up
  connecting_ = false;
  if (err != 0) {
    errno = err;
    return die(Event::Error);
  }
  if (ssl_) {
    SSL_set_fd(ssl_.get(), fd_);
    SSL_set_connect_state(ssl_.get());
    handshaking_ = true;
    return handshake();
  }
  update();
  if (eventCb_) eventCb_(Event::Connected, ctx_);
}

void Conn::startTls(ssl_st* ssl) {
  ssl_.reset(ssl);
  SSL_set_fd(ssl, fd_);
  SSL_set_accept_state(ssl);
  handshaking_ = true;
  // The ClientHello may be in the socket already: try at once, from the loop.
  update();
  event_active(&ev_, EV_READ, 0);
}

bool Conn::handshakePending() const { return ssl_ && SSL_is_init_finished(ssl_.get()) == 0; }

std::string Conn::tlsFailure() const {
  if (!ssl_) return {};
  long verify = SSL_get_verify_result(ssl_.get());
  if (verify != X509_V_OK) {
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (tlsError_ == 0) return {};
  char buf[256];
  ERR_error_string_n(tlsError_, buf, sizeof buf);
  return buf;
}

// ---- events -------------------------------------------------------------------

void Conn::onEvent(evutil_socket_t, short what, void* arg) { static_cast<Conn*>(arg)->dispatch(what); }

void Conn::dispatch(short what) {
  if (dead_) {
    // The queued report of an EOF or error (die()). Nothing runs after the
    // callback: the owner destroys us in it.
    if (reported_) return;
    reported_ = true;
    if (eventCb_) eventCb_(report_, ctx_);
    return;
  }
  // A callback may destroy this Conn: ~Conn clears `alive` through alive_,
  // and nothing here touches a member after that. alive_ is reset below
  // before `alive` goes out of scope, whatever GCC's flow analysis thinks.
  bool alive = true;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
  alive_ = &alive;
#pragma GCC diagnostic pop
  auto done = [&] { return !alive || dead_; };
  if (connecting_) {
    if (what & EV_WRITE) connected();
  } else if (handshaking_) {
    handshake();
  } else {
    if ((what & EV_WRITE) && readWantsWrite_) {
      // SSL_read wanted to write (a TLS 1.3 key update answer): read again.
      readWantsWrite_ = false;
      update();
      what |= EV_READ;
    }
    if ((what & EV_WRITE) || ((what & EV_READ) && writeWantsRead_)) {
      writeWantsRead_ = false;
      if (out_) {
        flushOutput();
        if (!done() && pending() <= lowWatermark_ && writeCb_) writeCb_(ctx_);
      }
    }
    if (!done() && (what & EV_READ) && reading_ && readCb_) readCb_(ctx_);
  }
  if (alive) alive_ = nullptr;
}

void Conn::update() {
  if (dead_) return;  // the report is queued on ev_: leave it alone
  short want = 0;
  if (fd_ < 0) {
    want = 0;
  } else if (connecting_) {
    want = EV_WRITE;
  } else if (handshaking_) {
    want = readWantsWrite_ ? EV_WRITE : EV_READ;
  } else {
    if (reading_ || writeWantsRead_) want |= EV_READ;
    // A write waiting for readability must not spin on EV_WRITE meanwhile.
    if ((out_ && !writeWantsRead_) || readWantsWrite_) want |= EV_WRITE;
  }
  if (want == registered_) return;
  // Also takes ev_ off the active queue (activateIfBuffered): a re-assigned
  // event must not be queued.
  event_del(&ev_);
  event_assign(&ev_, base_, fd_, static_cast<short>(want | EV_PERSIST), &Conn::onEvent, this);
  if (want != 0) event_add(&ev_, nullptr);
  registered_ = want;
  // The del above also dropped a queued wake-up for bytes waiting in input()
  // or inside SSL (activateIfBuffered): queue it again.
  activateIfBuffered();
}

void Conn::die(Event what) {
  if (dead_) return;
  if (what == Event::Error && ssl_) {
    // Keep the first real OpenSSL error for tlsFailure(); leave the thread's
    // queue empty for the next connection's SSL_get_error().
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
      if (tlsError_ == 0 && ERR_GET_LIB(code) != 0) tlsError_ = code;
    }
  }
  out_.reset();  // can never be sent; input() stays for a last look by the owner
  event_del(&ev_);
  registered_ = 0;
  dead_ = true;
  report_ = what;
  event_active(&ev_, EV_READ, 0);
}

// ---- TLS ----------------------------------------------------------------------

bool Conn::sslRetry(int ret, bool reading) {
  int err = SSL_get_error(ssl_.get(), ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      if (!reading) writeWantsRead_ = true;
      if (handshaking_) readWantsWrite_ = false;
      update();
      return true;
    case SSL_ERROR_WANT_WRITE:
      if (reading || handshaking_) readWantsWrite_ = true;
      update();
      return true;
    case SSL_ERROR_ZERO_RETURN:
      // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain TCP close.
      die(Event::Eof);
      return false;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && errno == 0) {
        die(Event::Eof);
        return false;
      }
      if (ERR_peek_error() == 0 && wouldBlock(errno)) return true;
      die(Event::Error);
      return false;
    default:
      die(Event::Error);
      return false;
  }
}

void Conn::handshake() {
  ERR_clear_error();
  errno = 0;
  int r = SSL_do_handshake(ssl_.get());
  if (r != 1) {
    sslRetry(r, true);
    return;
  }
  handshaking_ = false;
  readWantsWrite_ = false;
  update();
  if (tlsClient_) {
    if (eventCb_) eventCb_(Event::Connected, ctx_);
  } else if (reading_ && readCb_) {
    // The request may have come with the handshake's last flight.
    readCb_(ctx_);
  }
}

void Conn::activateIfBuffered() {
  if (!reading_ || dead_) return;
  bool buffered = (in_ && evbuffer_get_length(in_.get()) > 0) ||
                  (ssl_ && !handshaking_ && SSL_has_pending(ssl_.get()) == 1);
  if (buffered) event_active(&ev_, EV_READ, 0);
}

// ---- reading ------------------------------------------------------------------

void Conn::setReading(bool on) {
  if (reading_ == on) return;
  reading_ = on;
  update();
  // Level-triggered epoll reports what waits in the kernel; what waits in
  // input() or inside SSL it cannot see.
  if (on) activateIfBuffered();
}

std::size_t Conn::readSocket(void* buf, std::size_t cap) {
  if (dead_ || fd_ < 0 || connecting_ || cap == 0) return 0;
  if (!ssl_) return recvPlain(buf, cap, 0);
  if (handshaking_) return 0;
  // SSL_read returns one record at most: take every record already read
  // ahead (no syscall for those), stop at the first that needs the socket.
  auto* p = static_cast<std::uint8_t*>(buf);
  std::size_t total = 0;
  do {
    std::size_t got = 0;
    // SSL_get_error() reads the thread's error queue: it must hold nothing
    // from earlier work (JWT verification, another connection).
    ERR_clear_error();
    errno = 0;
    int r = SSL_read_ex(ssl_.get(), p + total, cap - total, &got);
    if (r != 1) {
      sslRetry(r, true);
      break;
    }
    total += got;
  } while (total < cap && SSL_has_pending(ssl_.get()) == 1);
  if (total == cap) activateIfBuffered();
  return total;
}

std::size_t Conn::fill() {
  if (dead_) return 0;
  if (!in_) in_.reset(evbuffer_new());
  if (!in_) return 0;
  evbuffer_iovec vec;
  if (evbuffer_reserve_space(in_.get(), 4096, &vec, 1) < 1) return 0;
  // Commit before looking at dead_: a TLS read can return data and meet the
  // peer's close_notify behind it in the same call.
  std::size_t n = readSocket(vec.iov_base, vec.iov_len);
  vec.iov_len = n;
  evbuffer_commit_space(in_.get(), &vec, 1);
  if (evbuffer_get_length(in_.get()) == 0) in_.reset();
  return n;
}

std::size_t Conn::read(void* buf, std::size_t cap) {
  std::size_t n = 0;
  if (in_) {
    int got = evbuffer_remove(in_.get(), buf, cap);
    if (got > 0) n = static_cast<std::size_t>(got);
    if (evbuffer_get_length(in_.get()) == 0) in_.reset();
  }
  if (n < cap) n += readSocket(static_cast<std::uint8_t*>(buf) + n, cap - n);
  return n;
}

void Conn::unread(const void* buf, std::size_t n) {
  if (n == 0 || dead_) return;
  if (!in_) in_.reset(evbuffer_new());
  if (in_) evbuffer_prepend(in_.get(), buf, n);
}

evbuffer* Conn::input() {
  if (!in_) in_.reset(evbuffer_new());
  return in_.get();
}

std::size_t Conn::buffered() const { return in_ ? evbuffer_get_length(in_.get()) : 0; }

std::size_t Conn::peek(void* buf, std::size_t cap) {
  if (dead_ || ssl_) return 0;
  return recvPlain(buf, cap, MSG_PEEK);
}

std::size_t Conn::recvPlain(void* buf, std::size_t cap, int flags) {
  ssize_t n = ::recv(fd_, buf, cap, flags);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n == 0) {
    die(Event::Eof);
  } else if (!wouldBlock(errno)) {
    die(Event::Error);
  }
  return 0;
}

void Conn::consume(std::size_t n) {
  std::uint8_t sink[512];
  while (n > 0 && !dead_) {
    ssize_t got = ::recv(fd_, sink, std::min(n, sizeof sink), 0);
    if (got <= 0) return;  // peek() saw these bytes: only a reset gets here
    n -= static_cast<std::size_t>(got);
  }
}

// ---- writing ------------------------------------------------------------------

std::size_t Conn::pending() const { return out_ ? evbuffer_get_length(out_.get()) : 0; }

std::size_t Conn::writeSocket(const void* buf, std::size_t n) {
  if (!ssl_) {
    ssize_t w = ::send(fd_, buf, n, MSG_NOSIGNAL);
    if (w >= 0) return static_cast<std::size_t>(w);
    if (!wouldBlock(errno)) die(Event::Error);
    return 0;
  }
  // With partial writes SSL_write_ex returns after each record: go on until
  // everything is sent or the socket is full. What is left is retried from
  // the output buffer, which then starts with the refused record's bytes.
  const auto* p = static_cast<const std::uint8_t*>(buf);
  std::size_t total = 0;
  while (total < n) {
    std::size_t written = 0;
    ERR_clear_error();
    errno = 0;
    int r = SSL_write_ex(ssl_.get(), p + total, n - total, &written);
    if (r != 1) {
      sslRetry(r, false);
      break;
    }
    total += written;
  }
  return total;
}

void Conn::write(const void* buf, std::size_t n) {
  if (dead_ || n == 0) return;
  std::size_t done = 0;
  // Queue behind a TLS read or write that waits for the other direction:
  // OpenSSL must see its pending record retried before anything new.
  if (!out_ && !connecting_ && !handshaking_ && fd_ >= 0 && !writeWantsRead_ && !readWantsWrite_) {
    done = writeSocket(buf, n);
    if (dead_) return;
  }
  if (done == n) return;
  if (!out_) out_.reset(evbuffer_new());
  if (!out_) return die(Event::Error);
  evbuffer_add(out_.get(), static_cast<const std::uint8_t*>(buf) + done, n - done);
  update();
}

void Conn::flushOutput() {
  while (out_ && !dead_) {
    std::size_t left = evbuffer_get_length(out_.get());
    if (left == 0) break;
    if (!ssl_) {
      // One writev of every chain; what is left waits for the next EV_WRITE.
      int w = evbuffer_write(out_.get(), fd_);
      if (w < 0 && !wouldBlock(errno)) return die(Event::Error);
      break;
    }
    std::size_t len = std::min(left, kTlsWriteChunk);
    void* p = evbuffer_pullup(out_.get(), static_cast<ev_ssize_t>(len));
    std::size_t w = writeSocket(p, len);
    if (dead_) return;
    if (w == 0) break;
    evbuffer_drain(out_.get(), w);
  }
  if (out_ && evbuffer_get_length(out_.get()) == 0) out_.reset();
  update();
}

void Conn::shutdownWrite() {
  if (dead_ || fd_ < 0) return;
  if (ssl_ && SSL_is_init_finished(ssl_.get()) == 1 &&
      (SSL_get_shutdown(ssl_.get()) & SSL_SENT_SHUTDOWN) == 0) {
    // Output is flushed, so this alert follows the last record. A full socket
    // (WANT_WRITE) loses it: the peer then sees a dirty shutdown, which it
    // must tolerate anyway. TLS 1.3 close_notify closes one direction only,
    // which is exactly our half-close.
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace wsedge::net
