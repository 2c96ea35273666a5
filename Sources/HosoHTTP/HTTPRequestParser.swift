/// An incremental HTTP/1.1 request parser (RFC 9112).
///
/// Pure and deterministic: feed it byte chunks of any size and pull complete requests
/// with ``nextRequest()``. The result never depends on how the stream was split —
/// every limit is checked so that a partial line is refused only when the complete
/// line would be refused for the same reason. Pipelined requests are returned one by
/// one; after an error the parser stays failed and rethrows it.
///
/// No input can make it trap: numbers are parsed with overflow checks, buffers are
/// indexed only within bounds, and memory is bounded by the configured limits plus
/// whatever the caller feeds between two pulls.
public struct HTTPRequestParser: Sendable {
    /// What the parser is waiting for, used by the server to pick a timeout.
    public enum Phase: Sendable, Hashable {
        /// Between requests, nothing buffered.
        case idle
        /// Inside a request line or header section.
        case head
        /// Inside a body or trailer section.
        case body
    }

    enum State: Sendable {
        case requestLine
        case fieldLines
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailerLines
        case failed(HTTPParseError)
    }

    /// The request being assembled.
    struct Pending: Sendable {
        var method = HTTPMethod.get
        var target = ""
        var parsedTarget = RequestTarget.Parsed(path: "/", queryItems: [])
        var version = HTTPVersion.http1_1
        var headers = HTTPHeaders()
        var headerBytes = 0
        var trailerBytes = 0
        var trailerCount = 0
        var body: [UInt8] = []
    }

    /// The limits in force.
    public let limits: HTTPServerConfiguration.Limits
    var buffer: [UInt8] = []
    /// First unconsumed byte of `buffer`.
    var readIndex = 0
    /// Where the search for the next LF resumes, so byte-by-byte feeding stays linear.
    var scanIndex = 0
    var state: State = .requestLine
    var pending = Pending()
    var continueExpected = false

    /// A parser with the given limits.
    public init(limits: HTTPServerConfiguration.Limits = .init()) {
        self.limits = limits
    }

    /// Appends received bytes. Ignored once the parser has failed.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        if case .failed = state { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete request, nil if more bytes are needed, or throws the
    /// error to answer with (and keeps throwing it on later calls).
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        if case .failed(let error) = state { throw error }
        do {
            return try step()
        } catch {
            state = .failed(error)
            continueExpected = false
            pending = Pending()
            buffer = []
            readIndex = 0
            scanIndex = 0
            throw error
        }
    }

    /// Feeds `bytes` and drains every request now complete.
    public mutating func parse(_ bytes: some Collection<UInt8>) throws(HTTPParseError) -> [HTTPRequest] {
        feed(bytes)
        var requests: [HTTPRequest] = []
        while let request = try nextRequest() { requests.append(request) }
        return requests
    }

    /// Where in a request the parser currently is.
    public var phase: Phase {
        switch state {
        case .requestLine: readIndex == buffer.count ? .idle : .head
        case .fieldLines: .head
        case .failed: .idle
        case .fixedBody, .chunkSize, .chunkData, .chunkEnd, .trailerLines: .body
        }
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True once per request whose head carried `Expect: 100-continue` and whose body
    /// has not fully arrived: the server should then send `100 Continue`
    /// (RFC 9110 §10.1.1). HTTP/1.0 expectations are ignored, as that section requires.
    public mutating func takeContinueExpectation() -> Bool {
        defer { continueExpected = false }
        return continueExpected && phase == .body
    }

    // MARK: - State machine

    private mutating func step() throws(HTTPParseError) -> HTTPRequest? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .requestLine:
                let limit = min(limits.maxRequestLineLength, Int.max - 2) + 2  // + CRLF
                guard let line = try takeLine(.requestLine, limit: limit) else { return nil }
                // RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request-line.
                if line.content.isEmpty { continue }
                try parseRequestLine(line.content)
                state = .fieldLines
            case .fieldLines:
                guard let line = try takeLine(.fieldLine, limit: limits.maxHeaderBytes - pending.headerBytes)
                else { return nil }
                pending.headerBytes += line.size
                if line.content.isEmpty {
                    if let request = try finishHead() { return request }
                } else {
                    try parseFieldLine(line.content)
                }
            case .fixedBody(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken == 0 { return nil }
                if taken == remaining { return complete() }
                state = .fixedBody(remaining: remaining - taken)
            case .chunkSize:
                guard let line = try takeLine(.chunkSizeLine, limit: limits.maxChunkLineLength) else { return nil }
                let size = try parseChunkSize(line.content)
                state = size == 0 ? .trailerLines : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken == 0 { return nil }
                state = taken == remaining ? .chunkEnd : .chunkData(remaining: remaining - taken)
            case .chunkEnd:
                // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1)
                let available = buffer.count - readIndex
                if available == 0 { return nil }
                guard buffer[readIndex] == HTTPSyntax.cr else {
                    throw HTTPParseError(.invalidChunk, "chunk data not followed by CRLF")
                }
                if available == 1 { return nil }
                guard buffer[readIndex + 1] == HTTPSyntax.lf else {
                    throw HTTPParseError(.invalidChunk, "chunk data not followed by CRLF")
                }
                consume(2)
                state = .chunkSize
            case .trailerLines:
                guard let line = try takeLine(.trailerLine, limit: limits.maxHeaderBytes - pending.trailerBytes)
                else { return nil }
                pending.trailerBytes += line.size
                if line.content.isEmpty { return complete() }
                pending.trailerCount += 1
                guard pending.trailerCount <= limits.maxHeaderCount else {
                    throw HTTPParseError(.tooManyHeaderFields, "more than \(limits.maxHeaderCount) trailer fields")
                }
                // Trailers are validated, then discarded: RFC 9110 §6.5.1 lets a recipient
                // drop them, and merging them into the header section is unsafe.
                _ = try validateField(line.content)
            }
        }
    }

    /// Moves up to `limit` buffered bytes into the pending body; returns how many.
    private mutating func takeBody(upTo limit: Int) -> Int {
        let count = min(buffer.count - readIndex, limit)
        guard count > 0 else { return 0 }
        pending.body.append(contentsOf: buffer[readIndex..<(readIndex + count)])
        consume(count)
        return count
    }

    /// Finishes the pending request and resets for the next one.
    mutating func complete() -> HTTPRequest {
        let request = HTTPRequest(
            method: pending.method, target: pending.target, parsed: pending.parsedTarget,
            version: pending.version, headers: pending.headers, body: pending.body, remoteAddress: nil)
        pending = Pending()
        state = .requestLine
        continueExpected = false
        return request
    }

    // MARK: - Buffer

    /// Which kind of line is expected; decides the error for an oversized one.
    enum LineKind {
        case requestLine, fieldLine, chunkSizeLine, trailerLine
    }

    private func tooLong(_ kind: LineKind) -> HTTPParseError {
        switch kind {
        case .requestLine:
            HTTPParseError(.uriTooLong, "request line longer than \(limits.maxRequestLineLength) bytes")
        case .fieldLine:
            HTTPParseError(.headerFieldsTooLarge, "header section larger than \(limits.maxHeaderBytes) bytes")
        case .chunkSizeLine:
            HTTPParseError(.invalidChunk, "chunk-size line longer than \(limits.maxChunkLineLength) bytes")
        case .trailerLine:
            HTTPParseError(.headerFieldsTooLarge, "trailer section larger than \(limits.maxHeaderBytes) bytes")
        }
    }

    /// A line with its terminator removed, and its size on the wire.
    struct Line {
        var content: ArraySlice<UInt8>
        var size: Int
    }

    /// Takes the next CRLF-terminated line, or returns nil if it is incomplete.
    ///
    /// `limit` bounds the line's size including CRLF. A complete line over the limit, or
    /// an incomplete one already holding `limit` bytes (so its complete form must be
    /// over it), throws the kind's size error; the size is checked before the content so both
    /// orders of arrival report the same error. Bare LF and bare CR are refused:
    /// RFC 9112 §2.2 only *allows* accepting bare LF, and refusing it removes a
    /// classic parser-disagreement smuggling vector.
    mutating func takeLine(_ kind: LineKind, limit: Int) throws(HTTPParseError) -> Line? {
        guard let lf = buffer[scanIndex...].firstIndex(of: HTTPSyntax.lf) else {
            scanIndex = buffer.count
            let partial = buffer.count - readIndex
            if partial > 0 && partial >= limit { throw tooLong(kind) }
            return nil
        }
        let size = lf - readIndex + 1
        if size > limit { throw tooLong(kind) }
        guard lf > readIndex, buffer[lf - 1] == HTTPSyntax.cr else {
            throw HTTPParseError(.invalidLineEnding, "line terminated by bare LF")
        }
        let content = buffer[readIndex..<(lf - 1)]
        if content.contains(HTTPSyntax.cr) {
            throw HTTPParseError(.invalidLineEnding, "bare CR inside a line")
        }
        consume(size)
        return Line(content: content, size: size)
    }

    private mutating func consume(_ count: Int) {
        readIndex += count
        scanIndex = readIndex
    }

    /// Drops consumed bytes, amortised so each byte moves at most once.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            if buffer.capacity > 64 * 1024 { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            readIndex = 0
            scanIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
