#pragma once
// RAII owners for libevent objects. The C structs are only forward-declared
// here so core stays free of event2/ headers; the deleters are defined in
// src/net/handles.cpp. These are the only places that call the *_free functions.
#include <memory>

struct event_base;
struct event;
struct bufferevent;
struct evbuffer;
struct evconnlistener;

namespace wsedge::core {

struct EventBaseDeleter { void operator()(event_base* p) const; };
struct EventDeleter { void operator()(event* p) const; };
struct EvBufferDeleter { void operator()(evbuffer* p) const; };
/// Bufferevents are created with BEV_OPT_CLOSE_ON_FREE: freeing one closes its socket.
struct BufferEventDeleter { void operator()(bufferevent* p) const; };
/// Listeners are created with LEV_OPT_CLOSE_ON_FREE: freeing one closes its socket.
struct ListenerDeleter { void operator()(evconnlistener* p) const; };

using EventBasePtr = std::unique_ptr<event_base, EventBaseDeleter>;
using EventPtr = std::unique_ptr<event, EventDeleter>;
using EvBufferPtr = std::unique_ptr<evbuffer, EvBufferDeleter>;
using BufferEventPtr = std::unique_ptr<bufferevent, BufferEventDeleter>;
using ListenerPtr = std::unique_ptr<evconnlistener, ListenerDeleter>;

}  // namespace wsedge::core
