// Argument parsing and Server::run, nothing else.
#include <event2/event.h>
#include <openssl/opensslv.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "wsedge/config/loader.h"
#include "wsedge/server/policy_build.h"
#include "wsedge/server/server.h"

#ifdef WSEDGE_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

const char* kUsage =
    "usage: wsedge [-c FILE] [--check-config] [--version] [--help]\n"
    "\n"
    "  -c, --config FILE   configuration file (default conf/wsedge.toml)\n"
    "      --check-config  parse and validate FILE, print 'config ok' or every\n"
    "                      error as FILE:LINE:COL: message; exit 0 or 1\n"
    "      --version       print the version and the libraries in use\n"
    "  -h, --help          this text\n"
    "\n"
    "signals: SIGTERM/SIGINT drain and exit (a second one exits at once),\n"
    "         SIGHUP reload the configuration, SIGUSR1 reopen the access log\n";

std::string allocatorVersion() {
#ifdef WSEDGE_HAVE_JEMALLOC
  const char* v = nullptr;
  size_t len = sizeof v;
  // Asked through jemalloc's own API: proof that it is the allocator linked.
  if (mallctl("version", &v, &len, nullptr, 0) == 0 && v != nullptr) return std::string("jemalloc ") + v;
  return "jemalloc (version unknown)";
#else
  return "system malloc";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath = "conf/wsedge.toml";
  bool checkOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc) {
      configPath = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      configPath = a.substr(9);
    } else if (a == "--check-config") {
      checkOnly = true;
    } else if (a == "--version" || a == "-v") {
      std::printf("wsedge %s\nlibevent %s, %s, %s\n", WSEDGE_VERSION, event_get_version(),
                  OPENSSL_VERSION_TEXT, allocatorVersion().c_str());
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "wsedge: unknown argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (checkOnly) {
    wsedge::config::LoadResult r = wsedge::config::loadFile(configPath);
    // Origins and [auth.*] keys are checked by the policy module, files read.
    if (r.ok()) r.errors = wsedge::server::buildPolicies(*r.config, nullptr).errors;
    if (r.ok()) {
      std::puts("config ok");
      return 0;
    }
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    return 1;
  }
  wsedge::server::Server server(configPath);
  return server.run();
}
