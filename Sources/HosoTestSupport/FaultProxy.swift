import Foundation
import HosoNode
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy between a node and its parent that injects network faults into HTTP/1.1
/// exchanges, for fault tests over real sockets.
///
/// It reads each request from the child (head + `Content-Length` body: the framing the
/// sync client and hoso's server use), draws one fault from a seeded generator and acts:
/// forwards it, drops it, delays it, sends it twice, cuts it short, loses or cuts the
/// answer, or forwards it and replays a copy later, after newer requests (reordering). A
/// partition refuses everything for a while. Each request goes to the parent on a fresh
/// connection. Counts of what was done are kept for the test to print.
public final class FaultProxy: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`; sockets are owned by the
    // threads that opened them, except that `stop()` shuts them down (thread-safe in POSIX).

    /// What can happen to one request, with its weight in the draw.
    public enum Fault: String, CaseIterable, Sendable {
        /// Forwarded untouched.
        case pass
        /// Held for up to `maximumDelay`, then forwarded.
        case delay
        /// The request never reaches the parent; the child's connection is closed.
        case dropRequest = "drop_request"
        /// The parent processes it, the answer is lost (the lost acknowledgement).
        case dropResponse = "drop_response"
        /// The parent receives it twice; the child gets the second answer.
        case duplicate
        /// A random prefix of the request (cut in its head or its body) reaches the parent,
        /// then both connections close.
        case truncateRequest = "truncate_request"
        /// A random prefix of the answer (cut in its head or its body) reaches the child,
        /// then the connection closes.
        case truncateResponse = "truncate_response"
        /// Forwarded now and sent again after one to three newer requests (its answer discarded).
        case replayLater = "replay_later"
    }

    /// Weights of the faults; all zero except `pass` means a transparent proxy.
    public struct Profile: Sendable {
        public var weights: [Fault: Double]
        /// The longest a delayed request is held, seconds.
        public var maximumDelay: Double

        public init(weights: [Fault: Double], maximumDelay: Double = 2) {
            self.weights = weights
            self.maximumDelay = maximumDelay
        }

        /// No faults.
        public static let transparent = Profile(weights: [.pass: 1])
        /// Every fault, about one request in three affected.
        public static let hostile = Profile(weights: [.pass: 20, .delay: 3, .dropRequest: 1.5, .dropResponse: 1.5, .duplicate: 1.5,
                                                      .truncateRequest: 1, .truncateResponse: 1, .replayLater: 1.5], maximumDelay: 1.5)
    }

    /// The port the proxy listens on (127.0.0.1).
    public let port: Int
    /// The parent's port (127.0.0.1).
    public let upstreamPort: Int
    public let seed: UInt64

    private let lock = NSLock()
    private var random: SampleData.Generator
    private var profile: Profile
    private var partitionedUntil: Date = .distantPast
    private var counters: [String: Int] = [:]
    private var replays: [(due: Int, bytes: [UInt8])] = []
    private var requestNumber = 0
    private var openSockets: Set<Int32> = []
    private var stopped = false
    private let listener: Int32
    private let logHandle: FileHandle?

    /// Starts listening on a free loopback port and forwarding to `upstreamPort`; with
    /// `logPath`, every decision is appended to that file (time, request, fault, outcome).
    public init(upstreamPort: Int, seed: UInt64, profile: Profile = .transparent, logPath: String? = nil) throws {
        if let logPath {
            FileManager.default.createFile(atPath: logPath, contents: nil)
            logHandle = FileHandle(forWritingAtPath: logPath)
        } else {
            logHandle = nil
        }
        self.upstreamPort = upstreamPort
        self.seed = seed
        self.random = SampleData.Generator(seed: seed)
        self.profile = profile
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessNodeError("proxy: socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw ProcessNodeError("proxy: bind: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept"
        thread.start()
    }

    deinit { stop() }

    /// The URL a child uses to reach its parent through the proxy.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Changes the fault weights from now on.
    public func setProfile(_ profile: Profile) { locked { self.profile = profile } }

    /// Refuses every connection (and cuts open ones) for `seconds`.
    public func partition(for seconds: Double) {
        // Under the lock: a descriptor is removed from `openSockets` (under the lock)
        // before it is closed, so every number shut down here is still this proxy's own,
        // not one the process has since given to another test's socket.
        locked {
            partitionedUntil = Date().addingTimeInterval(seconds)
            counters["partition", default: 0] += 1
            for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Ends a partition now.
    public func heal() { locked { partitionedUntil = .distantPast } }

    /// How many times each fault was injected (and `requests`, `partition`, `refused`).
    public var counts: [String: Int] { locked { counters } }

    /// A one-line summary for the test's output.
    public var summary: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Closes the listener and every open connection.
    public func stop() {
        locked {
            guard !stopped else { return }
            stopped = true
            // The accept thread closes the listener when accept() fails: closed here,
            // its number could go to another test's socket before that thread's next
            // accept() call, which would then take that socket's connections.
            shutdown(listener, Int32(SHUT_RDWR))
            // Under the lock, as in `partition(for:)`.
            for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: Connections

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let refuse = locked { () -> Bool in
                if stopped || partitionedUntil > Date() {
                    counters["refused", default: 0] += 1
                    return true
                }
                openSockets.insert(fd)
                return false
            }
            if refuse {
                close(fd)
                continue
            }
            Self.configure(fd)
            log("accepted connection \(fd)")
            let thread = Thread { [self] in
                serve(client: fd)
                log("closed connection \(fd)")
                locked { _ = openSockets.remove(fd) }
                close(fd)
            }
            thread.name = "fault-proxy-connection"
            thread.start()
        }
    }

    /// Serves one child connection: request after request until it closes or a fault cuts it.
    private func serve(client: Int32) {
        var buffer: [UInt8] = []
        defer {
            if !buffer.isEmpty { log("[\(client)] incomplete request, \(buffer.count) bytes: \(String(decoding: buffer.prefix(300), as: UTF8.self).debugDescription)") }
        }
        while let request = Self.readMessage(client, buffer: &buffer) {
            let (fault, delay, replay, cut) = locked { () -> (Fault, Double, [UInt8]?, Double) in
                requestNumber += 1
                counters["requests", default: 0] += 1
                var due: [UInt8]?
                if let index = replays.firstIndex(where: { $0.due <= requestNumber }) { due = replays.remove(at: index).bytes }
                if partitionedUntil > Date() { return (.dropRequest, 0, due, 0) }
                let fault = draw()
                counters[fault.rawValue, default: 0] += 1
                let delay = fault == .delay ? Double(random.next() % 1_000) / 1_000 * profile.maximumDelay : 0
                if fault == .replayLater { replays.append((requestNumber + 1 + Int(random.next() % 3), request)) }
                // Where a truncated message is cut: anywhere, in its head as well as its body.
                let cut = Double(random.next() % 1_000) / 1_000
                return (fault, delay, due, cut)
            }
            let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self)
            // An old request replayed now, after newer ones: its answer goes nowhere.
            if let replay {
                let answer = exchange(replay)
                log("replayed \(String(decoding: replay.prefix { $0 != 13 }, as: UTF8.self)) → \(Self.status(answer))")
            }
            log("[\(client)] \(line) \(fault.rawValue)\(delay > 0 ? String(format: " %.2fs", delay) : "")")
            switch fault {
            case .pass, .replayLater:
                let answer = exchange(request)
                if answer == nil { log("  \(line) → no answer from the parent") }
                guard let answer, Self.send(client, answer) else { return }
            case .delay:
                Thread.sleep(forTimeInterval: delay)
                guard let answer = exchange(request), Self.send(client, answer) else { return }
            case .dropRequest:
                return
            case .dropResponse:
                _ = exchange(request)
                return
            case .duplicate:
                _ = exchange(request)
                guard let answer = exchange(request), Self.send(client, answer) else { return }
            case .truncateRequest:
                if let upstream = connectUpstream() {
                    _ = Self.send(upstream, Array(request.prefix(max(1, Int(Double(request.count) * cut)))))
                    Thread.sleep(forTimeInterval: 0.05)
                    // Out of `openSockets` before it is closed (see `partition(for:)`): a
                    // stale number there once cut other tests' connections at `stop()`.
                    locked { _ = openSockets.remove(upstream) }
                    close(upstream)
                }
                return
            case .truncateResponse:
                if let answer = exchange(request) {
                    let kept = max(1, Int(Double(answer.count) * cut))
                    log("  cut the answer after \(kept) of \(answer.count) bytes")
                    _ = Self.send(client, Array(answer.prefix(kept)))
                }
                return
            }
        }
    }

    /// `HTTP/1.1 200 OK` → `200`; nil → `no answer`.
    static func status(_ answer: [UInt8]?) -> String {
        guard let answer else { return "no answer" }
        return String(decoding: answer.prefix { $0 != 13 }.dropFirst(9).prefix(3), as: UTF8.self)
    }

    private func log(_ text: String) {
        guard let logHandle else { return }
        let stamp = String(format: "%.3f", Date().timeIntervalSince1970)
        locked { logHandle.write(Data("\(stamp) \(text)\n".utf8)) }
    }

    private func draw() -> Fault {
        let weights = Fault.allCases.map { max(0, profile.weights[$0] ?? 0) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return .pass }
        var point = Double(random.next() % 1_000_000) / 1_000_000 * total
        for (fault, weight) in zip(Fault.allCases, weights) {
            if point < weight { return fault }
            point -= weight
        }
        return .pass
    }

    /// Sends a request to the parent on a new connection and reads its answer.
    private func exchange(_ request: [UInt8]) -> [UInt8]? {
        guard let upstream = connectUpstream() else { return nil }
        defer {
            locked { _ = openSockets.remove(upstream) }
            close(upstream)
        }
        guard Self.send(upstream, request) else { return nil }
        // A large body goes with `Expect: 100-continue` (curl's habit): the parent's interim
        // `100 Continue` comes before its answer, and both go back to the child.
        var buffer: [UInt8] = []
        var answer: [UInt8] = []
        while let message = Self.readMessage(upstream, buffer: &buffer) {
            answer += message
            let interim = message.count > 12 && message[9] == UInt8(ascii: "1") && message.starts(with: Array("HTTP/1.".utf8))
            if !interim { return answer }
        }
        return nil
    }

    private func connectUpstream() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        Self.configure(fd)
        let accepted = locked { () -> Bool in
            guard !stopped else { return false }
            openSockets.insert(fd)
            return true
        }
        if !accepted { close(fd) }
        return accepted ? fd : nil
    }

    // MARK: Sockets and framing

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Close-on-exec (a node process started by the test must not inherit the socket:
    /// it would stay open after the proxy closes it), a 60 s receive timeout (nothing
    /// hangs forever) and no Nagle delay.
    private static func configure(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// Reads one HTTP/1.1 message (head, then a `Content-Length` body) from `fd`; bytes
    /// beyond it stay in `buffer` for the next one. Nil at end of stream or on error.
    static func readMessage(_ fd: Int32, buffer: inout [UInt8]) -> [UInt8]? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if headEnd == nil, buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { buffer[$0..<$0 + 4].elementsEqual(terminator) }.map { $0 + 4 }
            }
            if let end = headEnd {
                let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
                var length = 0
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
                if buffer.count >= end + length {
                    let message = Array(buffer[..<(end + length)])
                    buffer.removeFirst(end + length)
                    return message
                }
            }
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received < 0, errno == EINTR { continue }
            guard received > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<received])
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
