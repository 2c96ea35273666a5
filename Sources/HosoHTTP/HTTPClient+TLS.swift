import CTLS
import Foundation
import Glibc

/// One TLS client connection over a connected non-blocking socket (`SSL` on the fd).
/// The caller owns and closes the socket; this owns the `SSL` object.
///
/// Not `Sendable`: used by the one thread running an exchange.
final class TLSSession {
    let ssl: OpaquePointer
    let host: String
    let port: Int
    let context: TLSClientContext

    /// Prepares the handshake: SNI and the name (or address) the certificate must carry.
    init(context: TLSClientContext, fd: Int32, host: String, port: Int) throws(HTTPClientError) {
        guard let ssl = SSL_new(context.context) else {
            throw HTTPClientError(.tls, "Cannot start TLS: \(TLSClientContext.errorQueue())")
        }
        self.ssl = ssl
        self.host = host
        self.port = port
        self.context = context
        SSL_set_fd(ssl, fd)
        // RFC 6066 §3: no SNI for literal addresses; their certificate carries an IP SAN.
        let literal = host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        if literal {
            guard hoso_tls_expect_ip(ssl, host) == 1 else { throw HTTPClientError(.badURL, "\(host) is not a valid address.") }
        } else {
            _ = hoso_tls_set_server_name(ssl, host)
            guard SSL_set1_host(ssl, host) == 1 else { throw HTTPClientError(.tls, "Cannot check certificates for the name \(host).") }
        }
    }

    deinit { SSL_free(ssl) }

    /// What a failed call left: the certificate check's verdict if there was one, else
    /// OpenSSL's error queue.
    func failure(_ doing: String) -> HTTPClientError {
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verdict))
            let hint: String
            switch Int32(truncatingIfNeeded: verdict) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                hint = "it is not issued for \(host): use a name it carries in the URL, or issue one for \(host)"
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                hint = "check the server's certificate dates and this machine's clock"
            default:
                hint = context.options.caFile.map { "only authorities in \($0) are trusted" }
                    ?? "only authorities in the system's trust store are trusted (for a private CA set sync.ca_file)"
            }
            return HTTPClientError(.tls, "TLS with \(host):\(port) failed: the server's certificate was refused (\(reason)); \(hint).")
        }
        let queue = TLSClientContext.errorQueue()
        let detail = queue == "no details" && errno != 0 ? String(cString: strerror(errno)) : queue
        return HTTPClientError(.tls, "TLS with \(host):\(port) failed \(doing): \(detail).")
    }
}

extension HTTPClient {
    /// The exchange over TLS: handshake (the certificate is verified during it), the
    /// request, then the answer until `reader` has it whole. A connection closed without
    /// TLS's close_notify before the answer is complete is an error, never an answer
    /// (RFC 8446 §6.1: it may be a truncation).
    func exchange(_ session: TLSSession, _ request: [UInt8], _ reader: inout HTTPResponseReader,
                  deadline: Deadline) throws(HTTPClientError) -> HTTPClientResponse {
        let fd = SSL_get_fd(session.ssl)
        while true {
            ERR_clear_error()
            errno = 0
            let result = SSL_connect(session.ssl)
            if result == 1 { break }
            try proceed(session, result, fd: fd, deadline: deadline, doing: "during the handshake")
        }
        defer { _ = SSL_shutdown(session.ssl) }

        var sent = 0
        while sent < request.count {
            ERR_clear_error()
            errno = 0
            let count = request[sent...].withUnsafeBytes { SSL_write(session.ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 { sent += Int(count); continue }
            try proceed(session, count, fd: fd, deadline: deadline, doing: "while sending the request")
        }

        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            ERR_clear_error()
            errno = 0
            let count = chunk.withUnsafeMutableBytes { SSL_read(session.ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                if let answer = try reader.consume(chunk[0..<Int(count)]) { return answer }
                continue
            }
            if SSL_get_error(session.ssl, count) == SSL_ERROR_ZERO_RETURN { return try reader.finish() }
            do throws(HTTPClientError) {
                try proceed(session, count, fd: fd, deadline: deadline, doing: "while reading the answer")
            } catch where error.kind == .tls {
                throw HTTPClientError(.incomplete, "The connection failed while reading the answer: \(error.message)")
            }
        }
    }

    /// After an SSL call returned `result` ≤ 0: waits for the socket when OpenSSL asks
    /// to, and throws otherwise.
    private func proceed(_ session: TLSSession, _ result: Int32, fd: Int32, deadline: Deadline, doing: String) throws(HTTPClientError) {
        switch SSL_get_error(session.ssl, result) {
        case SSL_ERROR_WANT_READ:
            try wait(fd, for: Int16(POLLIN), deadline: deadline, doing: "for TLS data \(doing)")
        case SSL_ERROR_WANT_WRITE:
            try wait(fd, for: Int16(POLLOUT), deadline: deadline, doing: "to send TLS data \(doing)")
        case SSL_ERROR_ZERO_RETURN:
            throw HTTPClientError(.incomplete, "The server closed the TLS connection \(doing).")
        case SSL_ERROR_SYSCALL where errno == 0 && ERR_peek_error() == 0:
            throw HTTPClientError(.incomplete, "The server closed the connection \(doing).")
        default:
            throw session.failure(doing)
        }
    }
}
