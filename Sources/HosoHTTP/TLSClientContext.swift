import CTLS
import Foundation
import Glibc

/// Where a TLS client gets its trust and, optionally, its own certificate.
public struct TLSClientOptions: Sendable, Equatable {
    /// PEM file of the certificate authorities to trust for the peer. nil: the system's
    /// trust store (Debian's `/etc/ssl/certs`, where `update-ca-certificates` installs
    /// local CAs). When set, only these authorities are trusted.
    public var caFile: String?
    /// PEM file of this client's certificate (and its chain), for peers that require
    /// client certificates.
    public var certificateFile: String?
    /// PEM file of the private key of `certificateFile`.
    public var keyFile: String?

    /// Creates options; all nil means the system trust store and no client certificate.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Whether nothing is configured.
    public var isEmpty: Bool { caFile == nil && certificateFile == nil && keyFile == nil }
}

/// An OpenSSL client context (`SSL_CTX`): TLS 1.2 or later, the peer's certificate
/// verified against the configured authorities, its name checked against the URL's
/// host (RFC 6125), and an optional client certificate. Made once (it reads the files)
/// and shared by every connection.
///
/// `@unchecked Sendable`: the context is configured completely in `init` and never
/// changed afterwards; OpenSSL allows `SSL_new` on one context from many threads
/// (it reference-counts the context and locks its certificate store internally).
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    /// What it was made from (for messages).
    public let options: TLSClientOptions

    /// Reads the files and builds the context; a missing or unreadable file, or a key
    /// that does not match its certificate, is an error naming the file.
    public init(_ options: TLSClientOptions = TLSClientOptions()) throws(HTTPClientError) {
        // OpenSSL writes to sockets with write(2), which raises SIGPIPE on a connection
        // the peer has closed; the error is handled where the write fails instead.
        // (hoso's main ignores SIGPIPE already; a test process may not.)
        signal(SIGPIPE, SIG_IGN)
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw HTTPClientError(.tls, "Cannot create a TLS context: \(Self.errorQueue())")
        }
        self.context = context
        self.options = options
        _ = hoso_tls_ctx_set_min_tls12(context)
        _ = hoso_tls_ctx_set_write_modes(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let caFile = options.caFile {
            try Self.requireReadable(caFile, "CA file")
            ERR_clear_error()
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw HTTPClientError(.tls, "The CA file \(caFile) holds no usable PEM certificate: \(Self.errorQueue())")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw HTTPClientError(.tls, "Cannot load the system's trusted certificates: \(Self.errorQueue())")
            }
        }
        switch (options.certificateFile, options.keyFile) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            try Self.requireReadable(certificate, "client certificate")
            try Self.requireReadable(key, "client key")
            ERR_clear_error()
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw HTTPClientError(.tls, "The client certificate \(certificate) is not a PEM certificate: \(Self.errorQueue())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw HTTPClientError(.tls, "The client key \(key) is not a PEM private key (or is encrypted): \(Self.errorQueue())")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw HTTPClientError(.tls, "The client key \(key) does not belong to the certificate \(certificate).")
            }
        default:
            throw HTTPClientError(.tls, "A client certificate needs both its certificate file and its key file.")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The context trusting the system's store, made on first use.
    public static let system: Result<TLSClientContext, HTTPClientError> = {
        do throws(HTTPClientError) { return .success(try TLSClientContext()) } catch { return .failure(error) }
    }()

    static func requireReadable(_ path: String, _ what: String) throws(HTTPClientError) {
        guard access(path, R_OK) == 0 else {
            throw HTTPClientError(.tls, "Cannot read the \(what) \(path): \(String(cString: strerror(errno))).")
        }
    }

    /// OpenSSL's queued errors of this thread, oldest first, as one line (and clears them).
    static func errorQueue() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no details" : parts.joined(separator: "; ")
    }
}
