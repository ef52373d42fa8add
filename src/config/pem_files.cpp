#include "pem_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "wsedge/tls/handles.h"

namespace wsedge::config::detail {
namespace {

using tls::BioPtr;
using tls::EvpPkeyPtr;
using tls::X509Ptr;

/// The file's bytes, or an explanation in `error`.
std::string readFile(const std::string& path, std::string& error) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read \"" + path + "\": " + std::strerror(errno ? errno : ENOENT);
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) error = "cannot read \"" + path + "\": " + std::strerror(errno ? errno : EIO);
  return text.str();
}

BioPtr memBio(const std::string& bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string timeText(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

X509Ptr readFirstCertificate(const std::string& path, std::string& error) {
  std::string bytes = readFile(path, error);
  if (!error.empty()) return nullptr;
  BioPtr bio = memBio(bytes);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) error = "\"" + path + "\" holds no PEM certificate";
  return cert;
}

}  // namespace

PemProblems checkCertificateFiles(const CertificateFiles& files) {
  PemProblems p;
  X509Ptr cert = readFirstCertificate(files.cert, p.cert);
  if (cert) {
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
      p.cert = "certificate \"" + files.cert + "\" expired on " +
               timeText(X509_get0_notAfter(cert.get()));
    } else if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0) {
      p.cert = "certificate \"" + files.cert + "\" is not valid before " +
               timeText(X509_get0_notBefore(cert.get()));
    }
  }
  std::string keyBytes = readFile(files.key, p.key);
  if (!p.key.empty()) return p;
  BioPtr bio = memBio(keyBytes);
  // A null password callback with an encrypted key would prompt on the
  // terminal; an empty password makes it fail instead.
  char empty[] = "";
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty));
  ERR_clear_error();
  if (!key) {
    p.key = "\"" + files.key + "\" holds no PEM private key (or it is encrypted)";
  } else if (cert && X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    p.key = "key \"" + files.key + "\" does not match certificate \"" + files.cert + "\"";
  }
  return p;
}

std::string checkCaFile(const std::string& path) {
  std::string error;
  readFirstCertificate(path, error);
  return error;
}

}  // namespace wsedge::config::detail
