import Testing
@testable import HosoHTTP

/// Decoder-verifier tests in the style of SwiftNIO's `ByteToMessageDecoderVerifier`:
/// every input must give the same requests and the same error whether it arrives
/// whole, byte by byte, or split at any single point.
@Suite("Parser split invariance")
struct ParserSplitTests {
    /// A comparable digest of a parsed request.
    struct Snapshot: Equatable, CustomStringConvertible {
        let method: String, target: String, path: String, query: [QueryItem]
        let version: HTTPVersion, headers: HTTPHeaders, body: [UInt8], keepAlive: Bool
        init(_ r: HTTPRequest) {
            method = r.method.rawValue; target = r.target; path = r.path; query = r.queryItems
            version = r.version; headers = r.headers; body = r.body; keepAlive = r.keepAlive
        }
        var description: String { "\(method) \(target) body=\(body.count)" }
    }

    struct Outcome: Equatable {
        var requests: [Snapshot] = []
        var error: HTTPParseError?
        var phase: HTTPRequestParser.Phase = .idle
    }

    static func run(_ chunks: [ArraySlice<UInt8>], limits: HTTPServerConfiguration.Limits) -> Outcome {
        var parser = HTTPRequestParser(limits: limits)
        var outcome = Outcome()
        for chunk in chunks {
            parser.feed(chunk)
            do {
                while let request = try parser.nextRequest() { outcome.requests.append(Snapshot(request)) }
            } catch {
                outcome.error = error
                break
            }
        }
        outcome.phase = parser.phase
        return outcome
    }

    enum Expect: Sendable { case requests(Int), error(HTTPParseError.Kind), incomplete(Int) }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let limits: HTTPServerConfiguration.Limits
        let expect: Expect
        var testDescription: String { name }
        init(_ name: String, _ text: String, limits: HTTPServerConfiguration.Limits = .init(), _ expect: Expect) {
            self.name = name
            self.bytes = Array(text.utf8)
            self.limits = limits
            self.expect = expect
        }
    }

    static let small = HTTPServerConfiguration.Limits(
        maxRequestLineLength: 24, maxHeaderBytes: 48, maxHeaderCount: 3, maxBodyBytes: 10, maxChunkLineLength: 12)

    static let corpus: [Case] = [
        Case("simple GET", "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", .requests(1)),
        Case("pipelined trio",
             "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "PUT /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", .requests(3)),
        Case("chunked with extensions and trailers",
             "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6 ; q=\"x\"\r\n world\r\n"
                + "0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n", .requests(1)),
        Case("leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .requests(1)),
        Case("incomplete body", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", .incomplete(0)),
        Case("second request incomplete", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHo", .incomplete(1)),
        Case("request line at limit", "GET /0123456789 HTTP/1.1\r\nHost: h\r\n\r\n", limits: small, .requests(1)),
        Case("request line over limit", "GET /01234567890 HTTP/1.1\r\nHost: h\r\n\r\n", limits: small, .error(.uriTooLong)),
        Case("header section at budget", "GET / HTTP/1.1\r\nHost: h\r\nA: 01234567890123456789012345678901\r\n\r\n",
             limits: small, .requests(1)),
        Case("header section over budget", "GET / HTTP/1.1\r\nHost: h\r\nA: 012345678901234567890123456789012\r\n\r\n",
             limits: small, .error(.headerFieldsTooLarge)),
        Case("too many fields", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: small,
             .error(.tooManyHeaderFields)),
        Case("body at limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: small, .requests(1)),
        Case("body over limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n01234567890", limits: small,
             .error(.bodyTooLarge)),
        Case("chunks over limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n",
             limits: small, .error(.bodyTooLarge)),
        Case("chunk line too long", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;abcdefghijk\r\n",
             limits: small, .error(.invalidChunk)),
        Case("bad chunk terminator", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
             .error(.invalidChunk)),
        Case("overflowing chunk size",
             "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFFFF\r\n", .error(.bodyTooLarge)),
        Case("bare LF", "GET / HTTP/1.1\nHost: h\n\n", .error(.invalidLineEnding)),
        Case("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", .error(.obsoleteLineFolding)),
        Case("CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
             .error(.conflictingFraming)),
        Case("bad version after good request", "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/3.0\r\n\r\n",
             .error(.unsupportedVersion)),
        Case("garbage", "\u{1}\u{2}\u{3}\r\n", .error(.invalidRequestLine)),
        Case("invalid path bytes", "GET /%C3%28 HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidPath)),
        Case("HTTP/1.0 keep-alive pair",
             "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n", .requests(2)),
        Case("trailer over budget",
             "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 0123456789012345678901234567890123456789012345\r\n\r\n",
             limits: small, .error(.headerFieldsTooLarge)),
    ]

    @Test("whole, byte-by-byte and every two-way split agree", arguments: corpus)
    func splitInvariance(_ testCase: Case) {
        let whole = Self.run([testCase.bytes[...]], limits: testCase.limits)
        switch testCase.expect {
        case .requests(let count):
            #expect(whole.error == nil)
            #expect(whole.requests.count == count)
        case .error(let kind):
            #expect(whole.error?.kind == kind)
        case .incomplete(let count):
            #expect(whole.error == nil)
            #expect(whole.requests.count == count)
            #expect(whole.phase != .idle)
        }
        let bytewise = Self.run(testCase.bytes.indices.map { testCase.bytes[$0...$0] }, limits: testCase.limits)
        #expect(bytewise == whole)
        for split in 0...testCase.bytes.count {
            let halves = [testCase.bytes[..<split], testCase.bytes[split...]]
            let outcome = Self.run(halves, limits: testCase.limits)
            #expect(outcome == whole, "split at \(split)")
            if outcome != whole { break }
        }
    }

    /// A deterministic generator so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("random garbage of any size is refused or waits, never traps")
    func garbage() async {
        var rng = SplitMix64(state: 7)
        for iteration in 0..<500 {
            if iteration % 20 == 0 { await Task.yield() }
            let count = Int(rng.next() % 600)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let whole = Self.run([bytes[...]], limits: .init())
            let bytewise = Self.run(bytes.indices.map { bytes[$0...$0] }, limits: .init())
            #expect(whole == bytewise)
            #expect(whole.requests.isEmpty)
        }
    }
}
