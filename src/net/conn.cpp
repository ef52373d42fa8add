#include "wsedge/net/conn.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "wsedge/tls/handles.h"

namespace wsedge::net {

namespace {

bool wouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

}  // namespace

void Conn::SslDeleter::operator()(ssl_st* p) const { tls::OpenSslDeleter{}(p); }

// TLS output: OpenSSL writes its records into our BIO, which appends them to
// the Conn's output buffer; the Conn sends that buffer with one writev after
// each SSL call, exactly like plain output. So a whole handshake flight or a
// relay pass of many records leaves in one syscall (one burst of segments for
// the peer to wake up to, not one per record), SSL never sees a full socket
// (no WANT_WRITE, no "retry with the same buffer" rule), and a close_notify
// is never cut in half. Reads stay on a socket BIO (with read-ahead).
int Conn::bioWrite(BIO* bio, const char* data, std::size_t len, std::size_t* written) {
  auto* c = static_cast<Conn*>(BIO_get_data(bio));
  if (!c->out_) c->out_.reset(evbuffer_new());
  if (!c->out_ || evbuffer_add(c->out_.get(), data, len) != 0) return 0;
  *written = len;
  return 1;
}

long Conn::bioCtrl(BIO*, int cmd, long, void*) {
  // FLUSH: ours happens after the SSL call. Everything else (pending counts,
  // kTLS queries, push/pop) has nothing to report.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

BIO_METHOD* Conn::bioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wsedge conn output");
    if (m != nullptr) {
      BIO_meth_set_write_ex(m, &Conn::bioWrite);
      BIO_meth_set_ctrl(m, &Conn::bioCtrl);
    }
    return m;
  }();
  return method;
}

bool Conn::attachTls(ssl_st* ssl) {
  BIO* rbio = BIO_new_socket(fd_, BIO_NOCLOSE);
  BIO* wbio = bioMethod() ? BIO_new(bioMethod()) : nullptr;
  if (rbio == nullptr || wbio == nullptr) {
    tls::BioPtr r(rbio), w(wbio);
    return false;
  }
  BIO_set_data(wbio, this);
  BIO_set_init(wbio, 1);
  SSL_set_bio(ssl, rbio, wbio);  // the SSL owns both BIOs from here on
  return true;
}

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
    if (!c->attachTls(ssl)) return nullptr;
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
    if (!attachTls(ssl_.get())) return die(Event::Error);
    SSL_set_connect_state(ssl_.get());
    handshaking_ = true;
    return handshake();
  }
  update();
  if (eventCb_) eventCb_(Event::Connected, ctx_);
}

void Conn::startTls(ssl_st* ssl) {
  ssl_.reset(ssl);
  if (!attachTls(ssl)) return die(Event::Error);
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
  } else {
    if ((what & EV_WRITE) && out_) {
      flushOutput();
      if (!done() && !handshaking_ && pending() <= lowWatermark_ && writeCb_) writeCb_(ctx_);
    }
    if (!done() && (what & EV_READ)) {
      if (handshaking_) {
        handshake();
      } else if (reading_ && readCb_) {
        readCb_(ctx_);
      }
    }
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
  } else {
    if (reading_ || handshaking_) want |= EV_READ;
    if (out_) want |= EV_WRITE;
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

bool Conn::sslRetry(int ret) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      // The only thing SSL ever waits for: our BIO takes every write.
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
      // SSL_ERROR_SSL, and WANT_WRITE/WANT_X509_LOOKUP/... that our setup
      // never produces: a failed connection, not a spin.
      die(Event::Error);
      return false;
  }
}

void Conn::handshake() {
  ERR_clear_error();
  errno = 0;
  int r = SSL_do_handshake(ssl_.get());
  // Our flight (if any) is in out_: send it before anything else happens.
  if (r != 1 && SSL_get_error(ssl_.get(), r) == SSL_ERROR_WANT_READ) {
    if (out_) flushOutput();
    return;
  }
  if (r != 1) {
    // The alert that explains the failure goes out too, best effort.
    if (out_) evbuffer_write(out_.get(), fd_);
    sslRetry(r);
    return;
  }
  handshaking_ = false;
  if (out_) flushOutput();  // the last flight, and TLS 1.3 session tickets
  if (dead_) return;
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
      sslRetry(r);
      break;
    }
    total += got;
  } while (total < cap && SSL_has_pending(ssl_.get()) == 1);
  // SSL_read may have answered something (a TLS 1.3 key update).
  if (out_ && !dead_ && !(registered_ & EV_WRITE)) flushOutput();
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
    if (evbuffer_get_length(in_.get()) == 0) {
      in_.reset();
    } else {
      activateIfBuffered();  // more than `cap` was waiting: come back for it
    }
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

std::size_t Conn::sendPlain(const void* buf, std::size_t n) {
  ssize_t w = ::send(fd_, buf, n, MSG_NOSIGNAL);
  if (w >= 0) return static_cast<std::size_t>(w);
  if (!wouldBlock(errno)) die(Event::Error);
  return 0;
}

bool Conn::encrypt(const void* buf, std::size_t n) {
  // The BIO takes every record, so one SSL_write_ex consumes everything; the
  // loop only guards against a partial write mode set elsewhere.
  const auto* p = static_cast<const std::uint8_t*>(buf);
  std::size_t total = 0;
  while (total < n) {
    std::size_t written = 0;
    ERR_clear_error();
    errno = 0;
    int r = SSL_write_ex(ssl_.get(), p + total, n - total, &written);
    if (r != 1) {
      // Only during a handshake (the session never writes then) or on a
      // real failure: either way this connection cannot go on.
      if (sslRetry(r)) die(Event::Error);
      return false;
    }
    total += written;
  }
  return true;
}

void Conn::write(const void* buf, std::size_t n) {
  if (dead_ || n == 0) return;
  if (ssl_) {
    bool flushNow = !out_;  // else EV_WRITE is armed and flushes in order
    if (!encrypt(buf, n)) return;
    if (flushNow) flushOutput();
    return;
  }
  std::size_t done = 0;
  if (!out_ && !connecting_ && fd_ >= 0) {
    done = sendPlain(buf, n);
    if (dead_) return;
  }
  if (done == n) return;
  if (!out_) out_.reset(evbuffer_new());
  if (!out_) return die(Event::Error);
  evbuffer_add(out_.get(), static_cast<const std::uint8_t*>(buf) + done, n - done);
  update();
}

void Conn::flushOutput() {
  if (out_ && !dead_ && fd_ >= 0 && !connecting_) {
    // One writev of every chain; what is left waits for the next EV_WRITE.
    int w = evbuffer_write(out_.get(), fd_);
    if (w < 0 && !wouldBlock(errno)) return die(Event::Error);
    if (evbuffer_get_length(out_.get()) == 0) {
      out_.reset();
      if (shutAfterFlush_) {
        shutAfterFlush_ = false;
        ::shutdown(fd_, SHUT_WR);
      }
    }
  }
  update();
}

void Conn::shutdownWrite() {
  if (dead_ || fd_ < 0) return;
  if (ssl_ && SSL_is_init_finished(ssl_.get()) == 1 &&
      (SSL_get_shutdown(ssl_.get()) & SSL_SENT_SHUTDOWN) == 0) {
    // The alert follows the last record through out_; the FIN waits for it.
    // TLS 1.3 close_notify closes one direction only, which is exactly our
    // half-close.
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
    if (out_) {
      shutAfterFlush_ = true;
      flushOutput();
      return;
    }
  }
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace wsedge::net
