import Dispatch
import Foundation
import Glibc

/// The socket loop: accepts TCP connections and serves HTTP/1.1 on them with a
/// ``HTTPResponder``.
///
/// Built on non-blocking POSIX sockets and Dispatch sources: one read source on the
/// listening socket (on a private serial queue), and per connection a serial queue
/// with read/write/timer sources. No thread ever blocks on a client, so hundreds of
/// keep-alive connections and slow clients cost memory, not threads. Responders run
/// in Swift concurrency tasks.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), responder: router)
/// let port = try server.start()
/// …
/// server.stop()
/// ```
///
/// `@unchecked Sendable`: every `var` below is guarded by `lock`; the accept source
/// runs on `acceptQueue` and only reaches shared state through the lock.
public final class HTTPServer: @unchecked Sendable {
    /// The configuration the server was created with.
    public let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder

    private let lock = NSLock()
    private let acceptQueue = DispatchQueue(label: "hoso.http.accept")
    private static let onAcceptQueue = DispatchSpecificKey<Bool>()
    private let ioQueue = DispatchQueue(label: "hoso.http.io", qos: .userInitiated, attributes: .concurrent)
    private var listener: (any DispatchSourceRead)?
    private var listenerClosed: DispatchSemaphore?
    private var boundPort = 0
    private var running = false
    private var connections: [ObjectIdentifier: (connection: HTTPConnection, counted: Bool)] = [:]
    private var servedCount = 0

    /// Creates a server; nothing is bound until ``start()``.
    public init(configuration: HTTPServerConfiguration = .init(), responder: any HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
        acceptQueue.setSpecific(key: HTTPServer.onAcceptQueue, value: true)
    }

    deinit { stop() }

    /// The bound port while running (useful after starting with port 0), else 0.
    public var port: Int { lock.withLock { boundPort } }

    /// Whether the server is accepting connections.
    public var isRunning: Bool { lock.withLock { running } }

    /// Open connections, including ones being refused with 503.
    public var connectionCount: Int { lock.withLock { connections.count } }

    /// Binds `host:port`, starts accepting, and returns the bound port (the kernel's
    /// choice when the configured port is 0). Throws ``HTTPServerError`` if binding
    /// fails or the server is already running.
    @discardableResult
    public func start() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { throw HTTPServerError("start", message: "server is already running") }
        let (fd, port) = try POSIXSocket.listen(host: configuration.host, port: configuration.port,
                                                backlog: configuration.backlog)
        let closed = DispatchSemaphore(value: 0)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
        source.setEventHandler { [weak self] in self?.acceptPending(on: fd) }
        source.setCancelHandler {
            _ = Glibc.close(fd)
            closed.signal()
        }
        listener = source
        listenerClosed = closed
        boundPort = port
        running = true
        source.resume()
        return port
    }

    /// Stops accepting, closes the listening socket and every connection (requests in
    /// progress are abandoned). Idempotent. When it returns, the port is released.
    public func stop() {
        lock.lock()
        guard running else {
            lock.unlock()
            return
        }
        running = false
        let source = listener
        let closed = listenerClosed
        let open = connections.values.map(\.connection)
        listener = nil
        listenerClosed = nil
        connections.removeAll()
        servedCount = 0
        boundPort = 0
        lock.unlock()

        source?.cancel()
        // Wait until the cancel handler has closed the socket, unless we are on the
        // accept queue ourselves (a deinit there), where waiting would only time out.
        if DispatchQueue.getSpecific(key: HTTPServer.onAcceptQueue) != true {
            _ = closed?.wait(timeout: .now() + 2)
        }
        for connection in open { connection.close() }
    }

    /// Accepts every pending connection (in bounded batches so one burst cannot
    /// monopolise the queue).
    private func acceptPending(on listener: Int32) {
        for _ in 0..<256 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listener, $0, &length)
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: the listener stays readable, so back off briefly
                    // instead of spinning; pending clients wait in the backlog.
                    usleep(50_000)
                    return
                default:
                    return  // EAGAIN: nothing left to accept
                }
            }
            POSIXSocket.prepareAccepted(fd)
            admit(fd, remoteAddress: POSIXSocket.endpoint(of: storage)?.address)
        }
    }

    private func admit(_ fd: Int32, remoteAddress: String?) {
        lock.lock()
        guard running else {
            lock.unlock()
            _ = Glibc.close(fd)
            return
        }
        let serve = servedCount < configuration.maxConnections
        if serve { servedCount += 1 }
        let connection = HTTPConnection(
            fd: fd, configuration: configuration, responder: responder, remoteAddress: remoteAddress,
            mode: serve ? .serve : .reject, target: ioQueue,
            onClose: { [weak self] connection in self?.connectionClosed(connection) })
        connections[ObjectIdentifier(connection)] = (connection, serve)
        lock.unlock()
        connection.start()
    }

    private func connectionClosed(_ connection: HTTPConnection) {
        lock.withLock {
            if let entry = connections.removeValue(forKey: ObjectIdentifier(connection)), entry.counted {
                servedCount -= 1
            }
        }
    }
}
