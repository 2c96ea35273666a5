import Foundation
import Glibc
import HosoHTTP

/// A failure inside the raw test client.
struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking socket work on its own thread, never on the cooperative pool (the
/// server's responders need that pool to answer).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// A response as seen on the wire by the raw client.
struct RawResponse: Sendable {
    var status: Int
    var reason: String
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var closes: Bool { headers.tokens(for: "Connection").contains("close") }
}

/// A tiny blocking HTTP/1.1 client over a raw socket, with a receive timeout so a
/// misbehaving server fails the test instead of hanging it.
///
/// `@unchecked Sendable`: handed between test threads but used by one thread at a time
/// (`buffer` is only touched by the reading thread; `send` only uses the descriptor).
final class RawClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeout: Double = 20) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            // No close here: the initializer throws after `fd` is set, so deinit runs and
            // closes it. Closing twice could close a descriptor another thread just
            // opened (an SQLite file of a parallel test).
            throw ClientError("connect: errno \(errno)")
        }
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ClientError("send: errno \(errno)") }
            offset += n
        }
    }

    /// Reads more bytes; returns false at EOF, throws on timeout or error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return false }
        if n < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { throw ClientError("recv timed out") }
            if code == ECONNRESET { return false }
            throw ClientError("recv: errno \(code)")
        }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response. `head` means the request was HEAD (no body follows).
    func readResponse(head: Bool = false) throws -> RawResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            if headEnd == nil, try !fill() { throw ClientError("EOF before response head (\(buffer.count) bytes)") }
        }
        let end = headEnd!
        let lines = String(decoding: buffer[0..<(end - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(end)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2).map(String.init)
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
            throw ClientError("bad status line: \(lines[0])")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw ClientError("bad header: \(line)") }
            headers.add(name: String(line[..<colon]),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body: [UInt8] = []
        if !head && status >= 200 && status != 204 && status != 304 {
            if let length = headers["Content-Length"].flatMap(Int.init) {
                while buffer.count < length {
                    if try !fill() { throw ClientError("EOF inside body") }
                }
                body = Array(buffer[0..<length])
                buffer.removeFirst(length)
            } else {
                body = try readToEOF()
            }
        }
        return RawResponse(status: status, reason: statusParts.count > 2 ? statusParts[2] : "",
                           headers: headers, body: body)
    }

    /// Reads until the server closes; throws if it does not within the timeout.
    func readToEOF() throws -> [UInt8] {
        while try fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// Half-closes the client side.
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }
}

/// Starts a server on a free port for the duration of `body`.
func withServer<T: Sendable>(
    _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(port: 0),
    responder: any HTTPResponder = makeTestRouter(),
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.port = 0
    let server = HTTPServer(configuration: configuration, responder: responder)
    let port = try server.start()
    do {
        let result = try await body(server, port)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

/// A router with the endpoints the live tests use.
func makeTestRouter() -> Router {
    let router = Router()
    router.get("/hello") { _, _ in .text("xin chào") }
    router.get("/slow") { request, _ in
        let ms = Int(request.query["ms"] ?? "") ?? 100
        try await Task.sleep(for: .milliseconds(ms))
        return .text("slow \(ms)")
    }
    router.post("/echo") { request, _ in
        HTTPResponse(status: .ok, headers: ["Content-Type": request.headers["Content-Type"] ?? "application/octet-stream"],
                     body: request.body)
    }
    router.get("/big") { request, _ in
        let size = Int(request.query["size"] ?? "") ?? 1_000_000
        return .bytes(testPattern(size: size), contentType: "application/octet-stream")
    }
    router.post("/greet") { request, _ in
        struct Person: Codable { let name: String; let age: Int }
        struct Greeting: Codable { let message: String; let nextAge: Int }
        let person = try request.decodeJSON(Person.self)
        return try .json(Greeting(message: "Xin chào \(person.name)", nextAge: person.age + 1), status: .created)
    }
    router.get("/whoami") { request, _ in .text(request.remoteAddress ?? "?") }
    return router
}

/// Deterministic non-repeating-looking bytes (a 4093-byte prime-length block, so an
/// offset error shows up), cheap to build even in debug builds.
func testPattern(size: Int) -> [UInt8] {
    let block = (0..<4093).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size)
    while bytes.count < size { bytes.append(contentsOf: block.prefix(size - bytes.count)) }
    return bytes
}

/// Polls `condition` until it holds or `timeout` passes (generous: a liveness check on a
/// loaded two-core CI machine, not a timing threshold).
func eventually(timeout: Double = 15, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
