#pragma once
// Internal to the config module: the value parsers behind parseDuration,
// parseSize and parseHostPort, returning a human explanation on failure so the
// loader can say *why* a value is wrong, not just that it is.
#include <cstdint>
#include <string_view>

#include "wsedge/config/config.h"
#include "wsedge/core/result.h"

namespace wsedge::config::detail {

/// "250ms", "10s", "5m", "1h", "0" (disabled). Integers only; no sign, no fraction.
core::Result<Millis> durationFromString(std::string_view s);
/// "512B", "64KiB", "1MiB", "1GiB" or plain digits (bytes).
core::Result<std::uint64_t> sizeFromString(std::string_view s);
/// "1.2.3.4:80", "[::1]:80"; with `allowName` also "backend.local:80".
core::Result<HostPort> hostPortFromString(std::string_view s, bool allowName);

}  // namespace wsedge::config::detail
