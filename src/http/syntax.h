#pragma once
// Internal to the http module: the RFC 9110/9112 character classes and the
// pieces of syntax that the request and the response parser share.
#include <string>
#include <string_view>

#include "wsedge/http/headers.h"

namespace wsedge::http::syntax {

/// tchar of RFC 9110 §5.6.2.
bool isTchar(unsigned char c);
/// 1*tchar.
bool isToken(std::string_view s);
/// field-vchar, SP or HTAB (obs-text allowed; CTLs, DEL and NUL are not).
bool isFieldValueChar(unsigned char c);
/// Strips SP and HTAB at both ends.
std::string_view trimOws(std::string_view s);

/// Parses "HTTP/d.d" exactly (case-sensitive). Any major version is accepted
/// here; callers decide which they serve.
bool parseVersion(std::string_view s, int& major, int& minor);

/// Parses one field line (without its CRLF): token ":" OWS value OWS and
/// appends it to `headers`. Returns nullptr on success or a log-safe reason.
const char* parseFieldLine(std::string_view line, HeaderMap& headers);

}  // namespace wsedge::http::syntax
