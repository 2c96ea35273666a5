import Dispatch
import Glibc

/// One accepted socket: reads with a dispatch read source, parses, hands each request
/// to the responder in a `Task`, writes responses in request order, enforces the
/// timeouts and closes gracefully.
///
/// Requests are served one at a time: while a request is with the responder or its
/// response is being written, reading is suspended, so pipelined requests wait in the
/// kernel buffer (natural back-pressure) and responses cannot be reordered
/// (RFC 9112 §9.3.2).
///
/// `@unchecked Sendable`: every mutable property is confined to `queue`, a serial
/// queue. The dispatch sources deliver their events on it, and the responder's result
/// hops back onto it before touching any state.
final class HTTPConnection: @unchecked Sendable {
    /// Whether the connection is served or only told the server is full.
    enum Mode: Sendable { case serve, reject }

    private enum State {
        case reading
        case processing
        case writing(closeAfter: Bool)
        case lingering
        case closed
    }

    let fd: Int32
    private let queue: DispatchQueue
    private let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let remoteAddress: String?
    private let mode: Mode
    private let onClose: @Sendable (HTTPConnection) -> Void

    private var parser: HTTPRequestParser
    private var state: State = .reading
    private var readSource: (any DispatchSourceRead)?
    private var readSuspended = false
    private var writeSource: (any DispatchSourceWrite)?
    private var timer: (any DispatchSourceTimer)?
    private var deadline: DispatchTime?
    /// Read/write sources not yet fully cancelled; the descriptor is closed only when
    /// this reaches zero, so libdispatch never watches a recycled descriptor number.
    private var liveSources = 0
    private var descriptorOpen = true
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var requestsCompleted = 0
    private var trackedPhase: HTTPRequestParser.Phase = .idle
    private var drained = 0

    init(fd: Int32, configuration: HTTPServerConfiguration, responder: any HTTPResponder,
         remoteAddress: String?, mode: Mode, target: DispatchQueue,
         onClose: @escaping @Sendable (HTTPConnection) -> Void) {
        self.fd = fd
        self.queue = DispatchQueue(label: "hoso.http.connection", target: target)
        self.configuration = configuration
        self.responder = responder
        self.remoteAddress = remoteAddress
        self.mode = mode
        self.onClose = onClose
        self.parser = HTTPRequestParser(limits: configuration.limits)
    }

    /// Installs the sources and starts reading (or answers 503 in reject mode).
    func start() {
        queue.async { [self] in
            // The server may have been stopped between accepting and starting us.
            if case .closed = state { return }
            let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            read.setEventHandler { [self] in handleReadable() }
            read.setCancelHandler { [self] in sourceCancelled() }
            liveSources += 1
            readSource = read

            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [self] in timerFired() }
            self.timer = timer
            // The first request's head must be complete within headerTimeout of accept.
            setDeadline(after: configuration.headerTimeout)
            timer.resume()
            read.resume()

            if mode == .reject {
                let error = HTTPError(.serviceUnavailable, code: "server_busy",
                                      message: "Máy chủ đang quá tải, vui lòng thử lại",
                                      headers: ["Retry-After": "1"])
                startWrite(serialize(error.response, for: nil, keepAlive: false), closeAfter: true)
            }
        }
    }

    /// Closes the connection at once (server shutdown).
    func close() {
        queue.async { [self] in finalClose() }
    }

    // MARK: - Reading

    private func handleReadable() {
        switch state {
        case .reading, .lingering: break
        case .processing, .writing, .closed: return
        }
        let lingering: Bool = if case .lingering = state { true } else { false }
        let (count, error) = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 * 1024) { buffer -> (Int, Int32) in
            guard let base = buffer.baseAddress else { return (-1, EINVAL) }
            let count = recv(fd, base, buffer.count, 0)
            if count < 0 { return (count, errno) }
            if count > 0 && !lingering { parser.feed(UnsafeBufferPointer(start: base, count: count)) }
            return (count, 0)
        }
        if count == 0 { return finalClose() }  // peer closed (or half-closed) its side
        if count < 0 {
            if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { return }
            return finalClose()
        }
        if lingering {
            drained += count
            if drained > configuration.lingerMaxBytes { finalClose() }
            return
        }
        processBuffered()
    }

    /// Pulls the next complete request, if any, and dispatches it.
    private func processBuffered() {
        guard case .reading = state else { return }
        let next: HTTPRequest?
        do {
            next = try parser.nextRequest()
        } catch {
            // The stream's framing is now unknown: answer and close (RFC 9112 §9.6).
            return startWrite(serialize(error.httpError.response, for: nil, keepAlive: false), closeAfter: true)
        }
        guard var request = next else {
            trackPhase()
            if parser.takeContinueExpectation() {
                startWrite(ResponseSerializer.continueResponse, closeAfter: false)
            }
            return
        }
        request.remoteAddress = remoteAddress
        state = .processing
        suspendReading()
        setDeadline(after: nil)
        let responder = self.responder
        let finished = request
        let work: @Sendable () async -> Void = { [self] in
            let response = await responder.respond(to: finished)
            queue.async { [self] in finishRequest(finished, response: response) }
        }
        if #available(macOS 15.0, *) { Task(executorPreference: ResponderExecutor.shared) { await work() } } else { Task { await work() } }
    }

    private func finishRequest(_ request: HTTPRequest, response: HTTPResponse) {
        guard case .processing = state else { return }
        requestsCompleted += 1
        let keepAlive = request.keepAlive
        startWrite(serialize(response, for: request, keepAlive: keepAlive), closeAfter: !keepAlive)
    }

    /// Re-arms the read deadline when the parser moves between idle, head and body.
    private func trackPhase() {
        let phase = parser.phase
        guard phase != trackedPhase else { return }
        let previous = trackedPhase
        trackedPhase = phase
        switch phase {
        case .idle:
            setDeadline(after: requestsCompleted == 0 ? configuration.headerTimeout : configuration.idleTimeout)
        case .head:
            // The first head keeps the deadline counted from accept; later heads get a
            // fresh headerTimeout from their first byte.
            if !(requestsCompleted == 0 && previous == .idle) { setDeadline(after: configuration.headerTimeout) }
        case .body:
            setDeadline(after: configuration.bodyTimeout)
        }
    }

    // MARK: - Writing

    private func serialize(_ response: HTTPResponse, for request: HTTPRequest?, keepAlive: Bool) -> [UInt8] {
        ResponseSerializer.serialize(response, method: request?.method, version: request?.version ?? .http1_1,
                                     keepAlive: keepAlive, serverName: configuration.serverName)
    }

    private func startWrite(_ bytes: [UInt8], closeAfter: Bool) {
        state = .writing(closeAfter: closeAfter)
        suspendReading()
        output = bytes
        outputOffset = 0
        setDeadline(after: configuration.writeTimeout)
        flush()
    }

    /// Writes as much as the socket takes; on EAGAIN waits for a write event.
    private func flush() {
        guard case .writing(let closeAfter) = state else { return }
        while outputOffset < output.count {
            let offset = outputOffset
            let (count, error) = output.withUnsafeBytes { raw -> (Int, Int32) in
                guard let base = raw.baseAddress else { return (-1, EINVAL) }
                // MSG_NOSIGNAL: a vanished peer yields EPIPE instead of killing the process.
                let count = send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                return (count, count < 0 ? errno : 0)
            }
            if count > 0 {
                outputOffset += count
            } else if count < 0 && error == EINTR {
                continue
            } else if count < 0 && (error == EAGAIN || error == EWOULDBLOCK) {
                return armWriteSource()
            } else {
                return finalClose()  // EPIPE, ECONNRESET…: the client is gone
            }
        }
        output = []
        outputOffset = 0
        disarmWriteSource()
        if closeAfter { beginLingering() } else { resumeAfterWrite() }
    }

    private func resumeAfterWrite() {
        state = .reading
        trackedPhase = parser.phase
        switch trackedPhase {
        case .idle: setDeadline(after: configuration.idleTimeout)
        case .head: setDeadline(after: configuration.headerTimeout)
        case .body: setDeadline(after: configuration.bodyTimeout)
        }
        resumeReading()
        processBuffered()  // a pipelined request may already be buffered
    }

    private func armWriteSource() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self] in flush() }
        source.setCancelHandler { [self] in sourceCancelled() }
        liveSources += 1
        writeSource = source
        source.resume()
    }

    private func disarmWriteSource() {
        writeSource?.cancel()
        writeSource = nil
    }

    // MARK: - Closing

    /// Half-closes and drains what the client still sends for a short while, so the
    /// final response is not destroyed by a reset (RFC 9112 §9.6).
    private func beginLingering() {
        state = .lingering
        parser = HTTPRequestParser(limits: configuration.limits)
        _ = shutdown(fd, Int32(SHUT_WR))
        drained = 0
        setDeadline(after: configuration.lingerTimeout)
        resumeReading()
    }

    private func timerFired() {
        guard let deadline, DispatchTime.now() >= deadline else { return }
        switch state {
        case .reading:
            if parser.phase == .idle {
                finalClose()  // idle keep-alive, or never sent anything: close quietly
            } else {
                let error = HTTPError(.requestTimeout, code: "request_timeout", message: "Hết thời gian chờ yêu cầu")
                startWrite(serialize(error.response, for: nil, keepAlive: false), closeAfter: true)
            }
        case .writing, .lingering:
            finalClose()
        case .processing, .closed:
            break
        }
    }

    private func finalClose() {
        if case .closed = state { return }
        state = .closed
        timer?.cancel()
        timer = nil
        deadline = nil
        disarmWriteSource()
        if let read = readSource {
            readSource = nil
            read.cancel()
            // A suspended source never delivers its cancellation; resume it after cancel.
            if readSuspended {
                readSuspended = false
                read.resume()
            }
        }
        if liveSources == 0 { closeDescriptor() }
        parser = HTTPRequestParser(limits: configuration.limits)
        output = []
        onClose(self)
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0, case .closed = state { closeDescriptor() }
    }

    private func closeDescriptor() {
        guard descriptorOpen else { return }
        descriptorOpen = false
        _ = Glibc.close(fd)
    }

    // MARK: - Helpers

    private func suspendReading() {
        guard let read = readSource, !readSuspended else { return }
        readSuspended = true
        read.suspend()
    }

    private func resumeReading() {
        guard let read = readSource, readSuspended else { return }
        readSuspended = false
        read.resume()
    }

    private func setDeadline(after seconds: Double?) {
        guard let timer else { return }
        if let seconds {
            let when = DispatchTime.now() + seconds
            deadline = when
            timer.schedule(deadline: when, leeway: .milliseconds(50))
        } else {
            deadline = nil
            timer.schedule(deadline: .distantFuture)
        }
    }
}
