/// One HTTP/1.1 answer as a client received it.
public struct HTTPClientResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The header fields of the final (non-1xx) answer.
    public var headers: HTTPHeaders
    /// The body, de-chunked.
    public var body: [UInt8]

    /// Creates an answer.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a client request failed. Every case is an ordinary error the caller can retry
/// later, never a crash: a line that drops, a peer killed mid-answer, a proxy truncating
/// or garbling bytes all end here.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, in broad classes a caller may act on.
    public enum Kind: Sendable, Equatable {
        /// The name did not resolve, or no address accepted the connection.
        case connect
        /// Nothing happened for the idle timeout, or the whole exchange overran its deadline.
        case timeout
        /// The connection failed or closed before a complete answer arrived.
        case incomplete
        /// The bytes received are not an HTTP/1.x answer.
        case malformed
        /// The answer is larger than the client accepts.
        case tooLarge
        /// The URL cannot be used (not `http`, no host).
        case badURL
    }

    /// The class of failure.
    public let kind: Kind
    /// A one-line explanation.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The explanation.
    public var description: String { message }
}

/// An incremental parser of one HTTP/1.1 answer (RFC 9112): status line, fields, then
/// a body framed by `Transfer-Encoding: chunked`, `Content-Length`, or the end of the
/// connection. Interim 1xx answers are skipped. It never traps on hostile input: every
/// way bytes can be wrong is an `HTTPClientError`.
///
/// Feed it what the socket delivers with `consume(_:)` until it returns an answer, and
/// call `finish()` when the peer closes: that yields the answer only if its framing
/// allows the close to end it (a body read to the end of the connection).
public struct HTTPResponseReader: Sendable {
    /// Largest accepted status line plus fields.
    public let maxHeadBytes: Int
    /// Largest accepted body.
    public let maxBodyBytes: Int
    /// Whether the request was `HEAD` (the answer then has no body whatever it says).
    public let isHeadRequest: Bool

    private enum Framing: Sendable {
        case length(Int)
        case chunked
        case untilClose
    }

    private enum ChunkState: Sendable {
        /// Expecting a chunk-size line.
        case size
        /// Inside a chunk's data with this many bytes left.
        case data(Int)
        /// Expecting the CRLF after a chunk's data.
        case dataEnd
        /// After the last chunk: trailer fields until an empty line.
        case trailer
    }

    private var buffer: [UInt8] = []
    private var cursor = 0
    private var status = 0
    private var headers = HTTPHeaders()
    private var framing: Framing?
    private var chunkState = ChunkState.size
    private var body: [UInt8] = []

    /// Creates a reader with the given limits.
    public init(maxHeadBytes: Int = 64 * 1024, maxBodyBytes: Int = 512 * 1024 * 1024, isHeadRequest: Bool = false) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.isHeadRequest = isHeadRequest
    }

    /// Adds received bytes; returns the answer once it is complete.
    public mutating func consume(_ bytes: some Collection<UInt8>) throws(HTTPClientError) -> HTTPClientResponse? {
        buffer.append(contentsOf: bytes)
        return try advance()
    }

    /// The peer closed the connection: returns the answer if the close completes it.
    public mutating func finish() throws(HTTPClientError) -> HTTPClientResponse {
        if let done = try advance() { return done }
        guard let framing else {
            throw HTTPClientError(.incomplete, buffer.isEmpty && status == 0
                ? "The server closed the connection without answering."
                : "The server closed the connection in the middle of the answer's header.")
        }
        switch framing {
        case .untilClose:
            body.append(contentsOf: buffer[cursor...])
            return HTTPClientResponse(status: status, headers: headers, body: body)
        case .length(let expected):
            throw HTTPClientError(.incomplete, "The answer was cut off: \(body.count + buffer.count - cursor) of \(expected) body bytes arrived.")
        case .chunked:
            throw HTTPClientError(.incomplete, "The chunked answer was cut off before its last chunk.")
        }
    }

    private mutating func advance() throws(HTTPClientError) -> HTTPClientResponse? {
        while framing == nil {
            guard try parseHead() else { return nil }
        }
        let answer: HTTPClientResponse?
        switch framing! {
        case .length(let expected):
            guard buffer.count - cursor >= expected else { return nil }
            body = Array(buffer[cursor..<(cursor + expected)])
            cursor += expected
            answer = HTTPClientResponse(status: status, headers: headers, body: body)
        case .chunked:
            answer = try parseChunks()
        case .untilClose:
            guard buffer.count - cursor <= maxBodyBytes else { throw tooLarge() }
            answer = nil
        }
        compact()
        return answer
    }

    /// Parses one head (status line and fields) if complete; returns false for more bytes.
    private mutating func parseHead() throws(HTTPClientError) -> Bool {
        guard let end = headEnd() else {
            if buffer.count - cursor > maxHeadBytes { throw HTTPClientError(.tooLarge, "The answer's header exceeds \(maxHeadBytes) bytes.") }
            return false
        }
        guard end - cursor <= maxHeadBytes else { throw HTTPClientError(.tooLarge, "The answer's header exceeds \(maxHeadBytes) bytes.") }
        let lines = buffer[cursor..<end].split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        cursor = end
        guard let statusLine = lines.first else { throw HTTPClientError(.malformed, "The answer has no status line.") }
        let code = try Self.statusCode(of: statusLine)
        var fields = HTTPHeaders()
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: 58), colon > line.startIndex else {
                throw HTTPClientError(.malformed, "The answer has a header line without a field name.")
            }
            guard HTTPSyntax.isToken(line[line.startIndex..<colon]) else {
                throw HTTPClientError(.malformed, "The answer has an invalid header field name.")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: HTTPSyntax.trimmingWhitespace(line[(colon + 1)...]), as: UTF8.self)
            fields.add(name: name, value: value)
        }
        if (100...199).contains(code) {
            // An interim answer (100 Continue, 103 Early Hints): the final one follows.
            return true
        }
        status = code
        headers = fields
        framing = try Self.framing(status: code, fields: fields, isHead: isHeadRequest, maxBody: maxBodyBytes)
        return true
    }

    /// The index just past the empty line that ends a head starting at `cursor`
    /// (empty lines before a status line are skipped).
    private mutating func headEnd() -> Int? {
        var index = cursor
        var lineStart = cursor
        while index < buffer.count {
            if buffer[index] == 10 {
                let length = index - lineStart
                if length == 0 || (length == 1 && buffer[lineStart] == 13) {
                    guard lineStart != cursor else {
                        cursor = index + 1
                        lineStart = cursor
                        index += 1
                        continue
                    }
                    return index + 1
                }
                lineStart = index + 1
            }
            index += 1
        }
        return nil
    }

    private static func statusCode(of line: ArraySlice<UInt8>) throws(HTTPClientError) -> Int {
        let parts = line.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[0].count == 8,
              parts[1].count == 3, parts[1].allSatisfy({ (48...57).contains($0) }) else {
            throw HTTPClientError(.malformed, "The answer does not start with an HTTP/1.x status line.")
        }
        let code = parts[1].reduce(0) { $0 * 10 + Int($1 - 48) }
        guard (100...599).contains(code) else { throw HTTPClientError(.malformed, "The answer's status \(code) is out of range.") }
        return code
    }

    private static func framing(status: Int, fields: HTTPHeaders, isHead: Bool, maxBody: Int) throws(HTTPClientError) -> Framing {
        if isHead || status == 204 || status == 304 { return .length(0) }
        if let coding = fields["Transfer-Encoding"] {
            let last = coding.lowercased().split(separator: ",").last.map { String(decoding: HTTPSyntax.trimmingWhitespace(ArraySlice($0.utf8)), as: UTF8.self) }
            guard last == "chunked" else {
                throw HTTPClientError(.malformed, "The answer uses a transfer coding other than chunked: \(coding).")
            }
            return .chunked
        }
        let lengths = fields.values(for: "Content-Length")
        guard !lengths.isEmpty else { return .untilClose }
        guard Set(lengths).count == 1, let text = lengths.first, !text.isEmpty, text.count <= 18,
              text.utf8.allSatisfy({ (48...57).contains($0) }), let length = Int(text) else {
            throw HTTPClientError(.malformed, "The answer's Content-Length is invalid.")
        }
        guard length <= maxBody else { throw HTTPClientError(.tooLarge, "The answer's body of \(length) bytes exceeds \(maxBody).") }
        return .length(length)
    }

    private mutating func parseChunks() throws(HTTPClientError) -> HTTPClientResponse? {
        while true {
            switch chunkState {
            case .size:
                guard let line = takeLine() else { return nil }
                let sizeText = line.prefix { $0 != 59 }  // chunk extensions after ';' are ignored
                    .filter { $0 != 32 && $0 != 9 }
                guard !sizeText.isEmpty, sizeText.count <= 15,
                      let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16) else {
                    throw HTTPClientError(.malformed, "The chunked answer has an invalid chunk size.")
                }
                guard body.count + size <= maxBodyBytes else { throw tooLarge() }
                chunkState = size == 0 ? .trailer : .data(size)
            case .data(let left):
                let take = min(left, buffer.count - cursor)
                guard take > 0 else { return nil }
                body.append(contentsOf: buffer[cursor..<(cursor + take)])
                cursor += take
                chunkState = left == take ? .dataEnd : .data(left - take)
            case .dataEnd:
                guard let line = takeLine() else { return nil }
                guard line.isEmpty else { throw HTTPClientError(.malformed, "A chunk of the answer is longer than its size says.") }
                chunkState = .size
            case .trailer:
                guard let line = takeLine() else { return nil }
                if line.isEmpty { return HTTPClientResponse(status: status, headers: headers, body: body) }
            }
        }
    }

    /// Takes one line (without CR LF) at the cursor, or nil if it is not complete.
    private mutating func takeLine() -> ArraySlice<UInt8>? {
        guard let newline = buffer[cursor...].firstIndex(of: 10) else { return nil }
        var line = buffer[cursor..<newline]
        if line.last == 13 { line = line.dropLast() }
        cursor = newline + 1
        return line
    }

    /// Drops consumed bytes once they make up most of the buffer.
    private mutating func compact() {
        if cursor > 64 * 1024 && cursor * 2 > buffer.count {
            buffer.removeFirst(cursor)
            cursor = 0
        }
    }

    private func tooLarge() -> HTTPClientError {
        HTTPClientError(.tooLarge, "The answer's body exceeds \(maxBodyBytes) bytes.")
    }
}
