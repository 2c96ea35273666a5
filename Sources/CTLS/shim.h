// OpenSSL (libssl-dev) for the TLS client of hoso's HTTP client: nodes reach an
// https:// parent through it, verifying the parent's certificate.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

// Macros Swift cannot call (they expand to SSL_ctrl / SSL_CTX_ctrl), as functions.

/// TLS 1.2 is the oldest version a node accepts (RFC 9325 §3.1.1).
static inline long hoso_tls_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// Non-blocking writes: a retried SSL_write may pass the remaining bytes from a buffer
/// Swift has moved, and may write part of them (SSL_CTX_set_mode(3)).
static inline long hoso_tls_ctx_set_write_modes(SSL_CTX *ctx) {
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// Server Name Indication, so a TLS terminator serving several names picks the right certificate.
static inline long hoso_tls_set_server_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

/// Verify an IP-address URL against the certificate's IP subjectAltName.
static inline int hoso_tls_expect_ip(SSL *ssl, const char *address) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address);
}
