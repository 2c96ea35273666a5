import Glibc

/// A failure to bind or start the server.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What was being attempted, e.g. `bind 127.0.0.1:8080`.
    public let operation: String
    /// The `errno` (or `getaddrinfo`) code, 0 when not applicable.
    public let code: Int32
    /// The system's explanation.
    public let message: String

    /// Creates an error from an `errno` value.
    init(_ operation: String, errno code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: strerror(code))
    }

    /// Creates an error with a custom message.
    init(_ operation: String, message: String, code: Int32 = 0) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// `bind 0.0.0.0:80: Permission denied`.
    public var description: String { "\(operation): \(message)" }
}

/// Thin wrappers over the POSIX socket calls the server needs.
enum POSIXSocket {
    /// `SOCK_STREAM` etc. are imported as enums on Glibc; these are their raw flags.
    static let streamType = Int32(SOCK_STREAM.rawValue)
    static let socketFlags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)

    /// Creates a non-blocking listening socket bound to `host:port` (port 0 = any free
    /// port) with `SO_REUSEADDR`, and returns it with the actual port.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPServerError) -> (fd: Int32, port: Int) {
        guard (0...65_535).contains(port) else {
            throw HTTPServerError("bind \(host):\(port)", message: "port out of range", code: EINVAL)
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamType
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPServerError("resolve \(host)", message: String(cString: gai_strerror(status)), code: status)
        }
        defer { freeaddrinfo(first) }

        var lastError: Int32 = EADDRNOTAVAIL
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, streamType | socketFlags, 0)
            guard fd >= 0 else {
                lastError = errno
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 || Glibc.listen(fd, backlog) != 0 {
                lastError = errno
                _ = Glibc.close(fd)
                continue
            }
            return (fd, boundPort(of: fd) ?? port)
        }
        throw HTTPServerError("bind \(host):\(port)", errno: lastError)
    }

    /// Makes an accepted socket non-blocking and close-on-exec (Glibc's module map does
    /// not expose `accept4`) and disables Nagle's algorithm.
    static func prepareAccepted(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, (flags < 0 ? 0 : flags) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        setNoDelay(fd)
    }

    /// Disables Nagle's algorithm: responses are written in one buffer, so waiting to
    /// coalesce only adds latency.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The local port a socket is bound to.
    static func boundPort(of fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return nil }
        return endpoint(of: storage)?.port
    }

    /// The textual IP address and port held by a socket address.
    static func endpoint(of storage: sockaddr_storage) -> (address: String, port: Int)? {
        var storage = storage
        return withUnsafePointer(to: &storage) { pointer -> (String, Int)? in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var ip = address.pointee.sin_addr
                    guard inet_ntop(AF_INET, &ip, &text, socklen_t(text.count)) != nil else { return nil }
                    return (decodeCString(text), Int(UInt16(bigEndian: address.pointee.sin_port)))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var ip = address.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count)) != nil else { return nil }
                    return (decodeCString(text), Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            default:
                return nil
            }
        }
    }

    private static func decodeCString(_ chars: [CChar]) -> String {
        let bytes = chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
