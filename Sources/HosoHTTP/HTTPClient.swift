import Foundation
import Glibc

/// A small HTTP/1.1 client for plain `http://` URLs: one request per connection
/// (`Connection: close`), non-blocking sockets with `poll` timeouts, answers read by
/// `HTTPResponseReader`.
///
/// hoso's sync client uses it instead of URLSession for `http://` parents because
/// FoundationNetworking on Linux traps (`fatalError("Transfer completed, but there's no
/// response.")`) when a connection closes in the middle of an answer's header: libcurl
/// reports that as a success and Foundation finds no response. A parent killed
/// mid-answer or a line that cuts a response short would kill the node (found by
/// the chaos test of `FaultInjectionTests`). Here every such case is an error.
public struct HTTPClient: Sendable {
    /// The longest wait for any progress (connect, send, or the next bytes).
    public var idleTimeout: Double
    /// The longest a whole exchange may take.
    public var totalTimeout: Double
    /// Largest accepted answer body.
    public var maxBodyBytes: Int

    /// Creates a client.
    public init(idleTimeout: Double = 60, totalTimeout: Double = 240, maxBodyBytes: Int = 512 * 1024 * 1024) {
        self.idleTimeout = idleTimeout
        self.totalTimeout = totalTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Sends one request to `url` (`http://host[:port]/path[?query]`) and reads the answer.
    /// Runs the blocking socket work on a Dispatch worker thread, off the caller's executor.
    public func send(method: String, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) async throws(HTTPClientError) -> HTTPClientResponse {
        let client = self
        let result: Result<HTTPClientResponse, HTTPClientError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(HTTPClientError) {
                    continuation.resume(returning: .success(try client.sendBlocking(method: method, url: url, headers: headers, body: body)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// The same exchange, blocking the calling thread.
    public func sendBlocking(method: String, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) throws(HTTPClientError) -> HTTPClientResponse {
        guard url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else {
            throw HTTPClientError(.badURL, "Only http:// URLs with a host are supported here: \(url.absoluteString)")
        }
        let port = url.port ?? 80
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var target = components?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?" + query }
        guard !target.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            throw HTTPClientError(.badURL, "The request target contains spaces or control characters.")
        }

        let deadline = Deadline(seconds: totalTimeout)
        let fd = try connect(host: host, port: port, deadline: deadline)
        defer { _ = Glibc.close(fd) }

        let hostField = host.contains(":") ? "[\(host)]" : host
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(hostField)\(url.port.map { ":\($0)" } ?? "")\r\n"
        for field in headers where !["host", "content-length", "connection", "transfer-encoding"].contains(field.name.lowercased()) {
            guard !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                throw HTTPClientError(.badURL, "The header field \(field.name) contains a line break.")
            }
            head += "\(field.name): \(field.value)\r\n"
        }
        if !body.isEmpty || !["GET", "HEAD"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        try write(fd, Array(head.utf8) + body, deadline: deadline)

        var reader = HTTPResponseReader(maxBodyBytes: maxBodyBytes, isHeadRequest: method == "HEAD")
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            try wait(fd, for: Int16(POLLIN), deadline: deadline, doing: "waiting for the answer")
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                if let answer = try reader.consume(chunk[0..<count]) { return answer }
            } else if count == 0 {
                return try reader.finish()
            } else if errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK {
                let reason = String(cString: strerror(errno))
                // A reset after a complete read-to-close body still ends the answer badly.
                throw HTTPClientError(.incomplete, "The connection failed while reading the answer: \(reason).")
            }
        }
    }

    // MARK: - Sockets

    private struct Deadline {
        let end: Double
        init(seconds: Double) { end = Self.now() + seconds }
        var remaining: Double { end - Self.now() }
        static func now() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
    }

    /// Resolves `host` and connects to the first address that accepts, within the deadline.
    private func connect(host: String, port: Int, deadline: Deadline) throws(HTTPClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = POSIXSocket.streamType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPClientError(.connect, "Cannot resolve \(host): \(String(cString: gai_strerror(status))).")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, POSIXSocket.streamType | POSIXSocket.socketFlags, 0)
            guard fd >= 0 else {
                lastError = String(cString: strerror(errno))
                continue
            }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                do throws(HTTPClientError) {
                    try wait(fd, for: Int16(POLLOUT), deadline: deadline, doing: "connecting to \(host):\(port)")
                    var code: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
                    if code == 0 {
                        POSIXSocket.setNoDelay(fd)
                        return fd
                    }
                    lastError = String(cString: strerror(code))
                } catch {
                    if error.kind == .timeout {
                        _ = Glibc.close(fd)
                        throw error
                    }
                    lastError = error.message
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            _ = Glibc.close(fd)
        }
        throw HTTPClientError(.connect, "Cannot connect to \(host):\(port): \(lastError).")
    }

    private func write(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline) throws(HTTPClientError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sent += count
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                try wait(fd, for: Int16(POLLOUT), deadline: deadline, doing: "sending the request")
            } else {
                throw HTTPClientError(.incomplete, "The connection failed while sending the request: \(String(cString: strerror(errno))).")
            }
        }
    }

    /// Waits until `fd` is ready for `events`, at most the idle timeout and the deadline.
    private func wait(_ fd: Int32, for events: Int16, deadline: Deadline, doing: String) throws(HTTPClientError) {
        while true {
            let limit = min(idleTimeout, deadline.remaining)
            guard limit > 0 else { throw HTTPClientError(.timeout, "Timed out \(doing).") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(limit * 1000, Double(Int32.max)).rounded(.up)))
            if ready > 0 { return }  // readable, writable, or an error/hang-up the next call reports
            if ready == 0 {
                throw HTTPClientError(.timeout, "Timed out \(doing).")
            } else if errno != EINTR {
                throw HTTPClientError(.incomplete, "poll failed \(doing): \(String(cString: strerror(errno))).")
            }
        }
    }
}
