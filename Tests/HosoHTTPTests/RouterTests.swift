import Foundation
import Testing
import HosoHTTP

private enum TraceKey: RequestAttributeKey { typealias Value = String }

/// Collects reported errors across tasks. `@unchecked Sendable`: `lock` guards `errors`.
private final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func add(_ error: any Error) { lock.withLock { errors.append(String(describing: error)) } }
    var all: [String] { lock.withLock { errors } }
}

private struct SecretFailure: Error, CustomStringConvertible {
    var description: String { "database password is hunter2" }
}

@Suite("Router")
struct RouterTests {
    func get(_ router: Router, _ target: String, method: HTTPMethod = .get, body: [UInt8] = [],
             headers: HTTPHeaders = [:]) async -> HTTPResponse {
        await router.respond(to: HTTPRequest(method: method, target: target, headers: headers, body: body))
    }

    @Test func parametersAreCapturedAndDecoded() async {
        let router = Router()
        router.get("/api/dossiers/:id/training/:rowId") { _, params in
            .text("\(params["id"] ?? "-")|\(params["rowId"] ?? "-")|\(params["missing"] ?? "nil")")
        }
        #expect(await get(router, "/api/dossiers/42/training/7").bodyText == "42|7|nil")
        #expect(await get(router, "/api/dossiers/h%E1%BB%93%2Fs%C6%A1/training/1").bodyText == "hồ/sơ|1|nil",
                "an encoded slash stays inside its segment")
        #expect(await get(router, "/api/dossiers/42/training/7/").status == .ok, "trailing slash tolerated")
        #expect(await get(router, "/api/dossiers/42/training").status == .notFound)
        #expect(await get(router, "/api/dossiers//training/7").status == .notFound, "empty parameter does not match")
    }

    @Test func wildcardTakesTheRest() async {
        let router = Router()
        router.get("/static/*path") { _, params in .text("[\(params["path"] ?? "nil")]") }
        #expect(await get(router, "/static/css/app.css").bodyText == "[css/app.css]")
        #expect(await get(router, "/static").bodyText == "[]")
        #expect(await get(router, "/statics/x").status == .notFound)
    }

    @Test func literalBeatsParameterBeatsWildcard() async {
        let router = Router()
        router.get("/api/*rest") { _, _ in .text("wildcard") }
        router.get("/api/dossiers/:id") { _, _ in .text("param") }
        router.get("/api/dossiers/new") { _, _ in .text("literal") }
        #expect(await get(router, "/api/dossiers/new").bodyText == "literal")
        #expect(await get(router, "/api/dossiers/9").bodyText == "param")
        #expect(await get(router, "/api/other/9").bodyText == "wildcard")
    }

    @Test func requireConvertsOrFailsWith400() async throws {
        let router = Router()
        router.get("/n/:id") { _, params in .text(String(try params.require("id", as: Int.self) * 2)) }
        #expect(await get(router, "/n/21").bodyText == "42")
        let bad = await get(router, "/n/abc")
        #expect(bad.status == .badRequest)
        #expect(bad.errorCode == "invalid_parameter")
        #expect(throws: HTTPError.self) { try RouteParameters(["a": "1"]).require("b") }
    }

    @Test func unknownPathIs404JSON() async throws {
        let response = await get(Router(), "/nowhere")
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]])
        #expect(json["error"]?["code"] == "not_found")
        #expect(json["error"]?["message"]?.isEmpty == false)
    }

    @Test func wrongMethodIs405WithAllow() async {
        let router = Router()
        router.get("/items/:id") { _, _ in .text("get") }
        router.delete("/items/:id") { _, _ in .noContent() }
        let response = await get(router, "/items/1", method: .post)
        #expect(response.status == .methodNotAllowed)
        #expect(response.errorCode == "method_not_allowed")
        #expect(response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
        let options = await get(router, "/items/1", method: .options)
        #expect(options.status == .noContent)
        #expect(options.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
        // Methods nothing here implements, known to HTTP or not: 405 with Allow, not a 5xx.
        let unknown = await get(router, "/items/1", method: "BREW")
        #expect(unknown.status == .methodNotAllowed)
        #expect(unknown.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
        let trace = await get(router, "/items/1", method: .trace)
        #expect(trace.status == .methodNotAllowed)
        #expect(trace.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS")
    }

    @Test func headIsServedByGetWithoutBody() async {
        let router = Router()
        router.get("/doc") { _, _ in .text("nội dung") }
        let head = await get(router, "/doc", method: .head)
        #expect(head.status == .ok)
        #expect(head.body.isEmpty)
        #expect(head.headers["Content-Length"] == String("nội dung".utf8.count))
        #expect(head.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(await get(router, "/doc").bodyText == "nội dung")
    }

    @Test func middlewareRunsOutermostFirst() async {
        let router = Router()
        for name in ["A", "B", "C"] {
            router.use { request, next in
                var request = request
                request.attributes[TraceKey.self] = (request.attributes[TraceKey.self] ?? "") + name
                var response = try await next(request)
                response.headers.add(name: "X-Trace", value: name)
                return response
            }
        }
        router.get("/t") { request, _ in .text(request.attributes[TraceKey.self] ?? "") }
        let response = await get(router, "/t")
        #expect(response.bodyText == "ABC")
        #expect(response.headers.values(for: "X-Trace") == ["C", "B", "A"])
        let missing = await get(router, "/missing")
        #expect(missing.status == .notFound)
        #expect(missing.headers.values(for: "X-Trace") == ["C", "B", "A"], "middleware also wraps 404s")
    }

    @Test func outerMiddlewareSeesStatusOfAnErrorThrownInside() async {
        let router = Router()
        router.use { request, next in
            let response = try await next(request)
            var copy = response
            copy.headers.set(name: "X-Seen-Status", value: String(response.status.code))
            return copy
        }
        router.use { request, next in
            guard request.headers["Authorization"] == "Bearer ok" else { throw HTTPError.unauthorized() }
            return try await next(request)
        }
        router.get("/secret") { _, _ in .text("ok") }
        let denied = await get(router, "/secret")
        #expect(denied.status == .unauthorized)
        #expect(denied.headers["X-Seen-Status"] == "401")
        let allowed = await get(router, "/secret", headers: ["Authorization": "Bearer ok"])
        #expect(allowed.bodyText == "ok")
        #expect(allowed.headers["X-Seen-Status"] == "200")
    }

    @Test func httpErrorBecomesItsJSON() async throws {
        let router = Router()
        router.post("/dossiers") { _, _ in
            throw HTTPError.conflict("Hồ sơ đã tồn tại", details: ["id": "17"])
        }
        let response = await get(router, "/dossiers", method: .post)
        #expect(response.status == .conflict)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let error = try #require(json["error"] as? [String: Any])
        #expect(error["code"] as? String == "conflict")
        #expect(error["message"] as? String == "Hồ sơ đã tồn tại")
        #expect(error["details"] as? [String: String] == ["id": "17"])
    }

    @Test func decodingErrorBecomes400InvalidJSON() async throws {
        struct Input: Decodable { let name: String; let age: Int }
        let router = Router()
        router.post("/raw") { request, _ in
            _ = try JSONDecoder().decode(Input.self, from: Data(request.body))
            return .noContent()
        }
        let response = await get(router, "/raw", method: .post, body: Array(#"{"name":"An","age":"x"}"#.utf8))
        #expect(response.status == .badRequest)
        let error = try HTTPErrorBody.decode(response)
        #expect(error.code == "invalid_json")
        #expect(error.details?["field"] == "age")
        #expect(error.details?["reason"] == "type_mismatch")
        #expect(error.message.contains("age"))
    }

    @Test func otherErrorsBecome500WithoutLeaking() async {
        let log = ErrorLog()
        let router = Router(errorReporter: { error, _ in log.add(error) })
        router.get("/boom") { _, _ in throw SecretFailure() }
        let response = await get(router, "/boom")
        #expect(response.status == .internalServerError)
        #expect(response.errorCode == "internal")
        #expect(!response.bodyText.contains("hunter2"))
        #expect(!response.bodyText.contains("SecretFailure"))
        #expect(log.all == ["database password is hunter2"], "the reporter gets the real error")
    }

    @Test func requestIDMiddlewareSetsAttributeAndHeader() async {
        let router = Router()
        router.use(RequestIDMiddleware())
        router.get("/id") { request, _ in .text(request.attributes[RequestIDKey.self] ?? "none") }
        let first = await get(router, "/id")
        let second = await get(router, "/id")
        #expect(first.bodyText.count == 16)
        #expect(first.headers["X-Request-Id"] == first.bodyText)
        #expect(first.bodyText != second.bodyText)
        let spoofed = await get(router, "/id", headers: ["X-Request-Id": "abc"])
        #expect(spoofed.bodyText != "abc", "client ids are not trusted by default")
        let trusting = Router()
        trusting.use(RequestIDMiddleware(trustClientID: true))
        trusting.get("/id") { request, _ in .text(request.attributes[RequestIDKey.self] ?? "none") }
        #expect(await get(trusting, "/id", headers: ["X-Request-Id": "abc-123"]).bodyText == "abc-123")
        #expect(await get(trusting, "/id", headers: ["X-Request-Id": "bad id\u{7}"]).bodyText != "bad id\u{7}")
    }

    @Test func reRegisteringReplacesTheHandler() async {
        let router = Router()
        router.get("/v/:a") { _, _ in .text("old") }
        router.get("/v/:b") { _, _ in .text("new") }
        #expect(await get(router, "/v/1").bodyText == "new")
    }
}

/// The decoded `{"error":{…}}` envelope.
struct HTTPErrorBody: Decodable {
    let code: String
    let message: String
    let details: [String: String]?

    private struct Envelope: Decodable { let error: HTTPErrorBody }

    static func decode(_ response: HTTPResponse) throws -> HTTPErrorBody {
        try JSONDecoder().decode(Envelope.self, from: Data(response.body)).error
    }
}
