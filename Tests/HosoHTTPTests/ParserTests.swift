import Testing
@testable import HosoHTTP

/// Parses `text` whole and returns the requests, failing the test on error.
func parseAll(_ text: String, limits: HTTPServerConfiguration.Limits = .init()) throws -> [HTTPRequest] {
    var parser = HTTPRequestParser(limits: limits)
    return try parser.parse(Array(text.utf8))
}

@Suite("Parser behaviour")
struct ParserTests {
    @Test func simpleGet() throws {
        let requests = try parseAll("GET /api/dossiers?page=2 HTTP/1.1\r\nHost: example\r\nAccept:  application/json \r\n\r\n")
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.method == .get)
        #expect(request.target == "/api/dossiers?page=2")
        #expect(request.path == "/api/dossiers")
        #expect(request.query == ["page": "2"])
        #expect(request.version == .http1_1)
        #expect(request.headers["accept"] == "application/json")  // OWS trimmed, case-insensitive
        #expect(request.headers["HOST"] == "example")
        #expect(request.body.isEmpty)
        #expect(request.keepAlive)
    }

    @Test func pipelinedRequestsInOneChunkComeOutInOrder() throws {
        let text = "GET /first HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /second HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
            + "DELETE /third HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let requests = try parseAll(text)
        #expect(requests.map(\.path) == ["/first", "/second", "/third"])
        #expect(requests.map(\.method) == [.get, .post, .delete])
        #expect(requests[1].bodyText == "hello world")
        #expect(requests[2].keepAlive == false)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let text = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n"
            + "6 ; quoted=\"a b\"\r\n world\r\n"
            + "0009\r\n, Việt!\r\n"
            + "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
        let requests = try parseAll(text)
        #expect(requests.count == 2)
        #expect(requests[0].bodyText == "hello world, Việt!")
        #expect(requests[0].headers["X-Checksum"] == nil, "trailers are skipped, not merged")
        #expect(requests[1].path == "/next")
    }

    @Test func bodySplitAcrossFeedsIsReassembled() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab".utf8))
        #expect(try parser.nextRequest() == nil)
        #expect(parser.phase == .body)
        parser.feed(Array("cd".utf8))
        #expect(try parser.nextRequest() == nil)
        parser.feed(Array("ef".utf8))
        let request = try #require(try parser.nextRequest())
        #expect(request.bodyText == "abcdef")
        #expect(parser.phase == .idle)
    }

    @Test func phasesFollowTheRequest() throws {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        parser.feed(Array("GE".utf8))
        #expect(try parser.nextRequest() == nil)
        #expect(parser.phase == .head)
        parser.feed(Array("T / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n".utf8))
        #expect(try parser.nextRequest() == nil)
        #expect(parser.phase == .body)
    }

    @Test func expectContinueIsSignalledOnceWhileBodyIsPending() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(try parser.nextRequest() == nil)
        let first = parser.takeContinueExpectation()
        let second = parser.takeContinueExpectation()
        #expect(first)
        #expect(!second)
        parser.feed(Array("abc".utf8))
        #expect(try parser.nextRequest()?.bodyText == "abc")

        var http10 = HTTPRequestParser()
        http10.feed(Array("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(try http10.nextRequest() == nil)
        let ignored = http10.takeContinueExpectation()
        #expect(!ignored, "HTTP/1.0 expectations are ignored")
    }

    @Test("keep-alive defaults", arguments: [
        ("HTTP/1.1", nil, true), ("HTTP/1.1", "close", false), ("HTTP/1.1", "Keep-Alive, CLOSE", false),
        ("HTTP/1.1", "keep-alive", true), ("HTTP/1.0", nil, false), ("HTTP/1.0", "keep-alive", true),
        ("HTTP/1.0", "Keep-Alive", true), ("HTTP/1.0", "close", false),
    ] as [(String, String?, Bool)])
    func keepAlive(version: String, connection: String?, expected: Bool) throws {
        var text = "GET / \(version)\r\nHost: h\r\n"
        if let connection { text += "Connection: \(connection)\r\n" }
        let request = try #require(try parseAll(text + "\r\n").first)
        #expect(request.keepAlive == expected)
    }

    @Test func pathAndQueryArePercentDecoded() throws {
        let request = try #require(try parseAll(
            "GET /api/h%E1%BB%93-s%C6%A1/7?q=Nguy%E1%BB%85n+V%C4%83n&page=2&page=3&flag HTTP/1.1\r\nHost: h\r\n\r\n").first)
        #expect(request.path == "/api/hồ-sơ/7")
        #expect(request.query["q"] == "Nguyễn Văn")
        #expect(request.query["page"] == "3", "last value wins")
        #expect(request.queryValues("page") == ["2", "3"])
        #expect(request.query["flag"] == "")
        #expect(request.queryItems.map(\.name) == ["q", "page", "page", "flag"])
    }

    @Test func absoluteFormAndAsteriskForm() throws {
        let absolute = try #require(try parseAll("GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n").first)
        #expect(absolute.path == "/a/b")
        #expect(absolute.query["x"] == "1")
        let bare = try #require(try parseAll("GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").first)
        #expect(bare.path == "/")
        let star = try #require(try parseAll("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").first)
        #expect(star.path == "*")
    }

    @Test func httpMinorVersionsAndHostRules() throws {
        #expect(try parseAll("GET / HTTP/1.0\r\n\r\n").count == 1, "HTTP/1.0 needs no Host")
        #expect(try parseAll("GET / HTTP/1.1\r\nHost:\r\n\r\n").count == 1, "empty Host is allowed")
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").count == 1)
        let future = try #require(try parseAll("GET / HTTP/1.9\r\nHost: h\r\n\r\n").first)
        #expect(future.version == HTTPVersion(major: 1, minor: 9))
        #expect(future.keepAlive)
    }

    @Test func limitsAreInclusive() throws {
        let limits = HTTPServerConfiguration.Limits()
        let path = "/" + String(repeating: "a", count: limits.maxRequestLineLength - "GET  HTTP/1.1".utf8.count - 1)
        #expect(try parseAll("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n").count == 1)
        #expect(throws: HTTPParseError.self) { try parseAll("GET \(path)a HTTP/1.1\r\nHost: h\r\n\r\n") }

        let fields = (1...99).map { "X-\($0): v\r\n" }.joined()
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n").first?.headers.count == 100)

        var parser = HTTPRequestParser(limits: limits)
        parser.feed(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(limits.maxBodyBytes)\r\n\r\n".utf8))
        parser.feed([UInt8](repeating: 0x62, count: limits.maxBodyBytes))
        #expect(try parser.nextRequest()?.body.count == limits.maxBodyBytes)
    }

    @Test func zeroLengthAndChunkedBodiesReportEmptyBodies() throws {
        let requests = try parseAll("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(requests.map(\.path) == ["/a", "/b", "/c"])
        #expect(requests.allSatisfy { $0.body.isEmpty })
    }

    @Test func memoryIsBoundedForAnEndlessLine() {
        var parser = HTTPRequestParser()
        var thrown: HTTPParseError?
        for _ in 0..<64 {
            parser.feed([UInt8](repeating: UInt8(ascii: "A"), count: 1024))
            do { _ = try parser.nextRequest() } catch { thrown = error; break }
        }
        #expect(thrown?.kind == .uriTooLong)
        #expect(parser.bufferedByteCount == 0, "a failed parser drops its buffer")
        parser.feed([1, 2, 3])
        #expect(parser.bufferedByteCount == 0, "and ignores further input")
        #expect(throws: HTTPParseError(.uriTooLong, "request line longer than 8192 bytes")) { try parser.nextRequest() }
    }

    @Test func requestInitDecodesTargetsLikeTheParser() {
        let request = HTTPRequest(method: .get, target: "/a%20b?x=1&x=2")
        #expect(request.path == "/a b")
        #expect(request.query == ["x": "2"])
        let broken = HTTPRequest(method: .get, target: "/bad%zz?x=1")
        #expect(broken.path == "/bad%zz")
        #expect(broken.queryItems.isEmpty)
    }
}
