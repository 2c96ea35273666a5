import Foundation
import Testing
@testable import HosoHTTP

private enum UserKey: RequestAttributeKey { typealias Value = String }
private enum RoleKey: RequestAttributeKey { typealias Value = [String] }

@Suite("Value types and serialisation")
struct TypesTests {
    @Test func headersAreOrderedAndCaseInsensitive() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        headers.add(name: "Vary", value: "Accept")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["x-A"] == "1", "subscript returns the first value")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        #expect(headers.map(\.name) == ["Content-Type", "X-A", "x-a", "Vary"])

        headers.set(name: "X-a", value: "3")
        #expect(headers.values(for: "x-a") == ["3"])
        #expect(headers.map(\.name) == ["Content-Type", "X-a", "Vary"], "set keeps the first position")

        headers["vary"] = nil
        #expect(!headers.contains(name: "Vary"))
        headers.remove(name: "content-type")
        #expect(headers.count == 1)
        #expect(HTTPHeaders([("A", "1")]) == HTTPHeaders([("a", "1")]))
        #expect(HTTPHeaders([("A", "1")]) != HTTPHeaders([("A", "2")]))
    }

    @Test func listTokensCombineLines() {
        let headers = HTTPHeaders([("Connection", "Keep-Alive, Upgrade"), ("connection", " ,close ")])
        #expect(headers.tokens(for: "Connection") == ["keep-alive", "upgrade", "close"])
    }

    @Test func statusEqualityIgnoresReason() {
        #expect(HTTPStatus(code: 404, reason: "Nope") == .notFound)
        #expect(HTTPStatus.unprocessableContent.code == 422)
        #expect(HTTPStatus.payloadTooLarge.reason == "Content Too Large")
        #expect(HTTPStatus(code: 299).reason == "Unknown")
        #expect(!HTTPStatus.noContent.allowsBody && !HTTPStatus.notModified.allowsBody && HTTPStatus.ok.allowsBody)
    }

    @Test func attributesAreTypedAndKeyedByType() {
        var attributes = RequestAttributes()
        #expect(attributes[UserKey.self] == nil)
        attributes[UserKey.self] = "an"
        attributes[RoleKey.self] = ["hr", "admin"]
        #expect(attributes[UserKey.self] == "an")
        #expect(attributes[RoleKey.self] == ["hr", "admin"])
        #expect(attributes.count == 2)
        #expect(attributes[UserKey.self, default: "guest"] == "an")
        #expect(attributes.removeValue(for: UserKey.self) == "an")
        #expect(!attributes.contains(UserKey.self))
        #expect(attributes[UserKey.self, default: "guest"] == "guest")
        attributes[RoleKey.self] = nil
        #expect(attributes.isEmpty)
    }

    @Test func httpDateIsIMFFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    func wire(_ response: HTTPResponse, method: HTTPMethod? = .get, version: HTTPVersion = .http1_1,
              keepAlive: Bool = true) -> String {
        String(decoding: ResponseSerializer.serialize(response, method: method, version: version, keepAlive: keepAlive,
                                                      serverName: nil, now: 784_111_777), as: UTF8.self)
    }

    @Test func serialiserFramesEveryResponse() {
        let text = wire(HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain", "Content-Length": "999",
                                                            "Transfer-Encoding": "chunked"], body: Array("hi".utf8)))
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            + "Content-Length: 2\r\n\r\nhi")
    }

    @Test func serialiserHandlesCloseAndHTTP10KeepAlive() {
        #expect(wire(.text("x"), keepAlive: false).contains("\r\nConnection: close\r\n"))
        #expect(wire(.text("x"), version: .http1_0).contains("\r\nConnection: keep-alive\r\n"))
        #expect(!wire(.text("x")).contains("Connection:"))
    }

    @Test func serialiserOmitsBodiesWhereForbidden() {
        let noContent = wire(HTTPResponse(status: .noContent, body: Array("ignored".utf8)))
        #expect(!noContent.contains("Content-Length") && noContent.hasSuffix("\r\n\r\n"))
        var head = HTTPResponse.text("abcdef")
        head.headers.set(name: "Content-Length", value: "6")
        head.body = []
        let headText = wire(head, method: .head)
        #expect(headText.contains("Content-Length: 6\r\n") && headText.hasSuffix("\r\n\r\n"))
        let headWithBody = wire(.text("abc"), method: .head)
        #expect(headWithBody.contains("Content-Length: 3\r\n") && !headWithBody.hasSuffix("abc"))
    }

    @Test func serialiserDropsInjectedHeaders() {
        let response = HTTPResponse(status: HTTPStatus(code: 200, reason: "OK\r\nX-Evil: 1"),
                                    headers: ["X-Good": "1", "X-Bad": "a\r\nSet-Cookie: stolen", "Bad Name": "x"])
        let text = wire(response)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("X-Good: 1"))
        #expect(!text.contains("stolen") && !text.contains("X-Evil") && !text.contains("Bad Name"))
    }

    @Test func convenienceResponses() throws {
        #expect(HTTPResponse.text("chào").body == Array("chào".utf8))
        #expect(HTTPResponse.redirect(to: "/login").headers["Location"] == "/login")
        #expect(HTTPResponse.redirect(to: "/login").status == .seeOther)
        #expect(HTTPResponse.noContent().status == .noContent)
        let error = HTTPResponse.error(.validation(fields: ["birthDate": "sai định dạng"]))
        #expect(error.status == .unprocessableContent)
        #expect(try HTTPErrorBody.decode(error).details == ["birthDate": "sai định dạng"])
    }

    @Test func methodAndVersionBasics() {
        #expect(HTTPMethod(rawValue: "GET") == .get)
        #expect(HTTPMethod(rawValue: "get") != .get, "methods are case-sensitive")
        #expect(HTTPVersion.http1_0 < .http1_1)
        #expect(HTTPVersion.http1_1.description == "HTTP/1.1")
    }
}
