#pragma once
// One side of a session on the wire: a non-blocking TCP socket, one libevent
// event, and on TLS connections the SSL object over the socket. It replaces
// libevent's bufferevents (see docs/architecture.md, "Transport"):
//
// - reads go straight into the caller's buffer (the worker's scratch in the
//   relay; the handshake fills input() instead), one recv()/SSL_read() per
//   readiness, no FIONREAD ioctl and no chain allocated per read;
// - writes go straight to the kernel (send()/SSL_write()) from the caller's
//   bytes; only what the kernel refuses is copied into an output evbuffer and
//   waits for EV_WRITE;
// - both evbuffers exist only while they hold bytes, so an idle connection
//   is the socket, this object and its event (and an SSL with released
//   buffers on TLS).
//
// EOF and errors are reported through EventCb from the event loop, never from
// inside read() or write(): the caller always finishes what it was doing
// with the bytes it got first. After Eof or Error the Conn does nothing more;
// its owner destroys it.
//
// Worker thread only, like the event_base it runs on.
#include <event2/event_struct.h>
#include <event2/util.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "wsedge/core/handles.h"

struct event_base;
struct ssl_st;
struct bio_st;
struct bio_method_st;

namespace wsedge::net {

class Conn {
 public:
  enum class Event : std::uint8_t {
    Connected,  // outgoing: TCP (and TLS, if any) is up
    Eof,        // the peer closed its sending side (or a dirty TLS close)
    Error,      // reset, refused, TLS failure: see tlsFailure()
  };
  /// The socket (or TLS) has bytes for read()/fill().
  using ReadCb = void (*)(void* ctx);
  /// Output that had to wait went out, down to the low watermark (0 by default).
  using WriteCb = void (*)(void* ctx);
  using EventCb = void (*)(Event what, void* ctx);

  /// An accepted socket. Takes `fd` (closed on destruction) and `ssl` (null:
  /// plain TCP, or TLS started later by startTls; freed on destruction).
  /// Server-side TLS handshakes start at once. Null on allocation failure
  /// (fd is then closed and ssl freed).
  static std::unique_ptr<Conn> accepted(event_base* base, evutil_socket_t fd, ssl_st* ssl);
  /// Not connected yet: connect() creates the socket. Takes `ssl` (may be null).
  static std::unique_ptr<Conn> outgoing(event_base* base, ssl_st* ssl);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void setCallbacks(ReadCb onRead, WriteCb onWrite, EventCb onEvt, void* ctx);

  /// Starts a non-blocking connect; Event::Connected or Event::Error follows
  /// (after the TLS handshake on TLS). False when it failed synchronously.
  bool connect(const sockaddr* addr, socklen_t len);
  /// Server-side TLS over an accepted plain Conn (after a PROXY header read
  /// with peek()/consume(), so no TLS byte was read yet). Takes `ssl`.
  void startTls(ssl_st* ssl);

  // ---- reading -------------------------------------------------------------
  /// Read interest (off at creation). TLS handshakes read whatever this says.
  void setReading(bool on);
  /// One read from the socket appended to input(). Returns the byte count
  /// (0: nothing now, or Eof/Error is on its way).
  std::size_t fill();
  /// Up to `cap` bytes: first what input() holds, then one socket read.
  std::size_t read(void* buf, std::size_t cap);
  /// Puts `n` bytes back in front of input(): the next read() returns them first.
  void unread(const void* buf, std::size_t n);
  /// Bytes from fill() or unread() not read yet; created on demand, freed
  /// when read() empties it.
  evbuffer* input();
  std::size_t buffered() const;
  /// Drops what input() holds.
  void dropInput() { in_.reset(); }
  /// Plain sockets only: copies what is waiting without taking it.
  std::size_t peek(void* buf, std::size_t cap);
  /// Plain sockets only: takes `n` bytes that peek() returned.
  void consume(std::size_t n);

  // ---- writing -------------------------------------------------------------
  /// Sends now; what the kernel does not take is copied and sent on EV_WRITE.
  void write(const void* buf, std::size_t n);
  /// Bytes written but not yet taken by the kernel.
  std::size_t pending() const;
  /// WriteCb runs when pending() falls to `bytes` or below.
  void setLowWatermark(std::size_t bytes) { lowWatermark_ = bytes; }
  /// TLS close_notify (if established) then FIN. Call with pending() == 0.
  void shutdownWrite();

  evutil_socket_t fd() const { return fd_; }
  bool isTls() const { return ssl_ != nullptr; }
  /// TLS and its handshake has not finished.
  bool handshakePending() const;
  /// Why TLS failed: the certificate verification error or the first OpenSSL
  /// error; "" when nothing TLS-specific is known (e.g. a plain reset).
  std::string tlsFailure() const;

 private:
  Conn(event_base* base, evutil_socket_t fd, ssl_st* ssl);
  static void onEvent(evutil_socket_t, short what, void* arg);
  void dispatch(short what);
  /// Re-registers the event when the wanted interest changed.
  void update();
  /// One recv()/SSL_read(); 0 when nothing (would block, or dead now).
  std::size_t readSocket(void* buf, std::size_t cap);
  /// One recv() on a plain socket; dies on EOF or an error.
  std::size_t recvPlain(void* buf, std::size_t cap, int flags);
  /// One writev of out_; the rest waits for EV_WRITE.
  void flushOutput();
  /// One send() of buf; bytes taken (0 on would-block or death).
  std::size_t sendPlain(const void* buf, std::size_t n);
  /// TLS: encrypts all of buf into out_; false (and dead) on failure.
  bool encrypt(const void* buf, std::size_t n);
  void handshake();
  void connected();
  /// Marks the Conn dead and queues the report for the event loop.
  void die(Event what);
  /// TLS: an SSL_* call returned `ret`. True when it waits for more input;
  /// otherwise the Conn is dead (Eof or Error).
  bool sslRetry(int ret);
  /// TLS: a socket BIO to read, our output BIO to write. False if out of memory.
  bool attachTls(ssl_st* ssl);
  static int bioWrite(bio_st* bio, const char* data, std::size_t len, std::size_t* written);
  static long bioCtrl(bio_st* bio, int cmd, long num, void* ptr);
  static bio_method_st* bioMethod();
  /// Decrypted (or read-ahead) bytes wait inside SSL: run ReadCb again.
  void activateIfBuffered();

  /// Frees the SSL (tls::OpenSslDeleter, kept out of this header).
  struct SslDeleter { void operator()(ssl_st* p) const; };

  event_base* base_;
  evutil_socket_t fd_;
  std::unique_ptr<ssl_st, SslDeleter> ssl_;
  core::EvBufferPtr in_;   // null unless it holds bytes
  core::EvBufferPtr out_;  // null unless the kernel refused bytes
  ReadCb readCb_ = nullptr;
  WriteCb writeCb_ = nullptr;
  EventCb eventCb_ = nullptr;
  void* ctx_ = nullptr;
  bool* alive_ = nullptr;  // set while dispatch() runs: cleared by ~Conn
  std::size_t lowWatermark_ = 0;
  unsigned long tlsError_ = 0;  // first real OpenSSL error of a failed handshake
  event ev_{};
  short registered_ = 0;  // interest currently added to the base
  bool reading_ = false;
  bool connecting_ = false;
  bool handshaking_ = false;
  bool tlsClient_ = false;
  bool shutAfterFlush_ = false;  // FIN once out_ (ending with close_notify) is sent
  bool dead_ = false;
  bool reported_ = false;  // the EventCb for dead_ ran
  Event report_ = Event::Eof;
};

}  // namespace wsedge::net
