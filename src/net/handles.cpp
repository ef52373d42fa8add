#include "wsedge/core/handles.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

namespace wsedge::core {

void EventBaseDeleter::operator()(event_base* p) const { event_base_free(p); }
void EventDeleter::operator()(event* p) const { event_free(p); }
void EvBufferDeleter::operator()(evbuffer* p) const { evbuffer_free(p); }
void BufferEventDeleter::operator()(bufferevent* p) const { bufferevent_free(p); }
void ListenerDeleter::operator()(evconnlistener* p) const { evconnlistener_free(p); }

}  // namespace wsedge::core
