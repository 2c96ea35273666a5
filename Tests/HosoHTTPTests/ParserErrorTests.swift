import Testing
@testable import HosoHTTP

@Suite("Parser errors")
struct ParserErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let kind: HTTPParseError.Kind
        let status: Int
        var limits = HTTPServerConfiguration.Limits()
        var testDescription: String { name }
    }

    static let host = "Host: h\r\n"
    static let chunkedHead = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

    static let cases: [Case] = [
        // Request line
        Case(name: "missing version", text: "GET /\r\n\r\n", kind: .invalidRequestLine, status: 400),
        Case(name: "double space", text: "GET  / HTTP/1.1\r\n\(host)\r\n", kind: .invalidRequestLine, status: 400),
        Case(name: "extra part", text: "GET / HTTP/1.1 x\r\n\(host)\r\n", kind: .invalidRequestLine, status: 400),
        Case(name: "tab separator", text: "GET\t/ HTTP/1.1\r\n\(host)\r\n", kind: .invalidRequestLine, status: 400),
        Case(name: "method with separator", text: "GE(T / HTTP/1.1\r\n\(host)\r\n", kind: .invalidMethod, status: 400),
        Case(name: "method with control", text: "GET\u{1} / HTTP/1.1\r\n\(host)\r\n", kind: .invalidMethod, status: 400),
        Case(name: "HTTP/2.0", text: "GET / HTTP/2.0\r\n\(host)\r\n", kind: .unsupportedVersion, status: 505),
        Case(name: "HTTP/0.9", text: "GET / HTTP/0.9\r\n\(host)\r\n", kind: .unsupportedVersion, status: 505),
        Case(name: "lowercase http", text: "GET / http/1.1\r\n\(host)\r\n", kind: .invalidVersion, status: 400),
        Case(name: "two-digit minor", text: "GET / HTTP/1.10\r\n\(host)\r\n", kind: .invalidVersion, status: 400),
        Case(name: "URI too long", text: "GET /\(String(repeating: "x", count: 9000)) HTTP/1.1\r\n\(host)\r\n",
             kind: .uriTooLong, status: 414),
        // Target
        Case(name: "fragment", text: "GET /a#b HTTP/1.1\r\n\(host)\r\n", kind: .invalidTarget, status: 400),
        Case(name: "non-ASCII byte", text: "GET /hồ HTTP/1.1\r\n\(host)\r\n", kind: .invalidTarget, status: 400),
        Case(name: "relative target", text: "GET a/b HTTP/1.1\r\n\(host)\r\n", kind: .invalidTarget, status: 400),
        Case(name: "asterisk with GET", text: "GET * HTTP/1.1\r\n\(host)\r\n", kind: .invalidTarget, status: 400),
        Case(name: "invalid UTF-8 after decoding", text: "GET /%FF%FE HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "overlong UTF-8", text: "GET /%C0%AF HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "NUL after decoding", text: "GET /a%00b HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "bad escape", text: "GET /a%G1 HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "truncated escape", text: "GET /a% HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "encoded dot-dot", text: "GET /static/%2e%2e/secret HTTP/1.1\r\n\(host)\r\n", kind: .invalidPath, status: 400),
        Case(name: "bad query escape", text: "GET /?a=%ZZ HTTP/1.1\r\n\(host)\r\n", kind: .invalidQuery, status: 400),
        Case(name: "invalid UTF-8 in query", text: "GET /?a=%E1%BB HTTP/1.1\r\n\(host)\r\n", kind: .invalidQuery, status: 400),
        // Header section
        Case(name: "bare LF", text: "GET / HTTP/1.1\nHost: h\n\n", kind: .invalidLineEnding, status: 400),
        Case(name: "bare CR in value", text: "GET / HTTP/1.1\r\n\(host)X: a\rb\r\n\r\n", kind: .invalidLineEnding, status: 400),
        Case(name: "obs-fold", text: "GET / HTTP/1.1\r\n\(host)X: a\r\n\tb\r\n\r\n", kind: .obsoleteLineFolding, status: 400),
        Case(name: "space before first field", text: "GET / HTTP/1.1\r\n Host: h\r\n\r\n", kind: .obsoleteLineFolding, status: 400),
        Case(name: "space before colon", text: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", kind: .invalidHeader, status: 400),
        Case(name: "name with separator", text: "GET / HTTP/1.1\r\n\(host)X(y): 1\r\n\r\n", kind: .invalidHeader, status: 400),
        Case(name: "no colon", text: "GET / HTTP/1.1\r\n\(host)Nonsense\r\n\r\n", kind: .invalidHeader, status: 400),
        Case(name: "NUL in value", text: "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n", kind: .invalidHeader, status: 400),
        Case(name: "header section too large",
             text: "GET / HTTP/1.1\r\n\(host)X: \(String(repeating: "v", count: 17_000))\r\n\r\n",
             kind: .headerFieldsTooLarge, status: 431),
        Case(name: "too many header fields",
             text: "GET / HTTP/1.1\r\n\(host)\((1...100).map { "X-\($0): v\r\n" }.joined())\r\n",
             kind: .tooManyHeaderFields, status: 431),
        Case(name: "missing Host", text: "GET / HTTP/1.1\r\n\r\n", kind: .invalidHost, status: 400),
        Case(name: "two Hosts", text: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", kind: .invalidHost, status: 400),
        Case(name: "Host with path", text: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", kind: .invalidHost, status: 400),
        // Content-Length
        Case(name: "CL over limit", text: "POST / HTTP/1.1\r\n\(host)Content-Length: 8388609\r\n\r\n", kind: .bodyTooLarge, status: 413),
        Case(name: "CL overflowing Int", text: "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999999\r\n\r\n",
             kind: .bodyTooLarge, status: 413),
        Case(name: "negative CL", text: "POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n", kind: .invalidContentLength, status: 400),
        Case(name: "signed CL", text: "POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\n", kind: .invalidContentLength, status: 400),
        Case(name: "hex CL", text: "POST / HTTP/1.1\r\n\(host)Content-Length: 0x10\r\n\r\n", kind: .invalidContentLength, status: 400),
        Case(name: "empty CL", text: "POST / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n", kind: .invalidContentLength, status: 400),
        Case(name: "CL list", text: "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 5\r\n\r\nhello", kind: .invalidContentLength, status: 400),
        Case(name: "duplicate differing CL",
             text: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", kind: .invalidContentLength, status: 400),
        Case(name: "duplicate identical CL",
             text: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", kind: .invalidContentLength, status: 400),
        // Transfer-Encoding
        Case(name: "CL and TE", text: "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
             kind: .conflictingFraming, status: 400),
        Case(name: "TE and CL", text: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
             kind: .conflictingFraming, status: 400),
        Case(name: "gzip only", text: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n", kind: .invalidTransferEncoding, status: 400),
        Case(name: "gzip then chunked", text: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n",
             kind: .unsupportedTransferEncoding, status: 501),
        Case(name: "chunked twice", text: "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
             kind: .invalidTransferEncoding, status: 400),
        Case(name: "TE in HTTP/1.0", text: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", kind: .invalidTransferEncoding, status: 400),
        // Chunks
        Case(name: "chunk size overflow", text: chunkedHead + "FFFFFFFFFFFFFFFFF\r\n", kind: .bodyTooLarge, status: 413),
        Case(name: "chunk size with leading zeros over limit", text: chunkedHead + "0000000000000000000000800001\r\n",
             kind: .bodyTooLarge, status: 413),
        Case(name: "chunks summing over limit", text: chunkedHead + "8\r\n01234567\r\n8\r\n",
             kind: .bodyTooLarge, status: 413, limits: .init(maxBodyBytes: 12)),
        Case(name: "negative chunk size", text: chunkedHead + "-5\r\nhello\r\n", kind: .invalidChunk, status: 400),
        Case(name: "non-hex chunk size", text: chunkedHead + "zz\r\n", kind: .invalidChunk, status: 400),
        Case(name: "empty chunk size", text: chunkedHead + "\r\n", kind: .invalidChunk, status: 400),
        Case(name: "junk after chunk size", text: chunkedHead + "5 x\r\nhello\r\n", kind: .invalidChunk, status: 400),
        Case(name: "missing CRLF after data", text: chunkedHead + "5\r\nhelloXX", kind: .invalidChunk, status: 400),
        Case(name: "bad trailer", text: chunkedHead + "0\r\nbad trailer\r\n\r\n", kind: .invalidHeader, status: 400),
        // Length required
        Case(name: "POST without length when required", text: "POST / HTTP/1.1\r\n\(host)\r\n",
             kind: .lengthRequired, status: 411, limits: .init(requireContentLength: true)),
    ]

    @Test("each malformed request gets its status", arguments: cases)
    func rejected(_ testCase: Case) {
        var parser = HTTPRequestParser(limits: testCase.limits)
        do {
            let requests = try parser.parse(Array(testCase.text.utf8))
            Issue.record("accepted \(requests.count) request(s)")
        } catch {
            #expect(error.kind == testCase.kind, "\(error)")
            #expect(error.status.code == testCase.status)
            #expect(error.httpError.code == testCase.kind.rawValue)
        }
    }

    @Test func lengthNotRequiredByDefaultOrForGet() throws {
        #expect(try parseAll("POST / HTTP/1.1\r\nHost: h\r\n\r\n").first?.body == [])
        let strict = HTTPServerConfiguration.Limits(requireContentLength: true)
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits: strict).count == 1)
    }

    @Test func errorBodyIsJSONWithCodeAndVietnameseMessage() throws {
        let error = HTTPParseError(.bodyTooLarge, "Content-Length exceeds 10 bytes")
        let response = error.httpError.response
        #expect(response.status == .payloadTooLarge)
        #expect(response.errorCode == "body_too_large")
        #expect(response.bodyText.contains("Nội dung yêu cầu quá lớn"))
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
    }

    @Test func everyKindMapsToAClientOrServerErrorStatus() {
        for kind in HTTPParseError.Kind.allCases {
            let status = HTTPParseError(kind, "x").status
            #expect([400, 411, 413, 414, 431, 501, 505].contains(status.code), "\(kind)")
        }
    }
}
