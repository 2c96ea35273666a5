import Foundation
import Glibc
import Testing
import HosoHTTP

@Suite("Live server")
struct LiveServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer { _, port in
            let statuses = try await onThread {
                let client = try RawClient(port: port)
                var seen: [String] = []
                for index in 0..<5 {
                    try client.send("GET /hello?n=\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
                    let response = try client.readResponse()
                    seen.append("\(response.status) \(response.text) \(response.closes)")
                }
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping")
                seen.append(try client.readResponse().text)
                return seen
            }
            #expect(statuses == Array(repeating: "200 xin chào false", count: 5) + ["ping"])
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { _, port in
            let bodies = try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /slow?ms=10 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                var out: [String] = []
                out.append(try client.readResponse().text)
                out.append(try client.readResponse().text)
                let head = try client.readResponse(head: true)
                out.append("HEAD \(head.headers["Content-Length"] ?? "-") \(head.body.count)")
                out.append(try client.readResponse().text)
                let last = try client.readResponse()
                out.append("\(last.text) close=\(last.closes)")
                out.append("eof=\(try client.readToEOF().count)")
                return out
            }
            #expect(bodies == ["slow 300", "xin chào", "HEAD \("xin chào".utf8.count) 0", "abc", "slow 10 close=true", "eof=0"])
        }
    }

    @Test func connectionCloseAndHTTP10Semantics() async throws {
        try await withServer { _, port in
            try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200 && response.closes)
                #expect(try client.readToEOF().isEmpty)

                let old = try RawClient(port: port)
                try old.send("GET /hello HTTP/1.0\r\n\r\n")
                #expect(try old.readResponse().closes)
                #expect(try old.readToEOF().isEmpty)

                let persistent = try RawClient(port: port)
                try persistent.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let first = try persistent.readResponse()
                #expect(first.headers["Connection"] == "keep-alive")
                try persistent.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                #expect(try persistent.readResponse().status == 200)
            }
        }
    }

    @Test func responsesCarryDateAndLength() async throws {
        try await withServer { _, port in
            let response = try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /whoami HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.text == "127.0.0.1")
            #expect(response.headers["Content-Length"] == "9")
            #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
        }
    }

    /// A request the server must refuse; built lazily so test names stay short.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let status: Int
        let code: String
        let make: @Sendable () -> String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "Content-Length too large", status: 413, code: "body_too_large") {
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9999999999\r\n\r\n"
        },
        Refusal(name: "header section too large", status: 431, code: "header_fields_too_large") {
            "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
        },
        Refusal(name: "URI too long", status: 414, code: "uri_too_long") {
            "GET /\(String(repeating: "p", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n"
        },
        Refusal(name: "chunks beyond the body limit", status: 413, code: "body_too_large") {
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(repeating: "10000\r\n" + String(repeating: "z", count: 65536) + "\r\n", count: 130)
        },
        Refusal(name: "malformed request line", status: 400, code: "invalid_request_line") { "BAD\r\n\r\n" },
    ]

    @Test("oversized or malformed requests are refused and the server keeps serving", arguments: refusals)
    func refused(_ refusal: Refusal) async throws {
        let (request, status, code) = (refusal.make(), refusal.status, refusal.code)
        try await withServer { _, port in
            try await onThread {
                let bystander = try RawClient(port: port)
                try bystander.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try bystander.readResponse().status == 200)

                let offender = try RawClient(port: port)
                // The chunked case is larger than the socket buffers: send from another thread.
                let bytes = Array(request.utf8)
                let sender = Thread { try? offender.send(bytes) }
                sender.start()
                let response = try offender.readResponse()
                #expect(response.status == status)
                #expect(response.closes)
                #expect(response.text.contains("\"code\":\"\(code)\""))
                _ = try? offender.readToEOF()

                try bystander.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try bystander.readResponse().text == "xin chào")
                let newcomer = try RawClient(port: port)
                try newcomer.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try newcomer.readResponse().status == 200)
            }
        }
    }

    @Test func slowClientIsDisconnectedWhileOthersAreServed() async throws {
        var configuration = HTTPServerConfiguration(port: 0)
        // Generous so that a loaded CI machine (the whole suite runs in parallel on two
        // cores) still serves the healthy client before the slow one times out;
        // `aDrippingClientCannotExtendItsDeadline` covers a sub-second timeout.
        configuration.headerTimeout = 8
        try await withServer(configuration) { server, port in
            // All timing happens on plain threads so a busy cooperative pool cannot skew it.
            let (other, start, otherDone, closedAt, leftovers) = try await onThread {
                let slow = try RawClient(port: port)
                let start = Date()
                try slow.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Partial: ")
                nonisolated(unsafe) var closedAt = Date.distantFuture
                nonisolated(unsafe) var leftovers: [UInt8] = []
                let done = DispatchSemaphore(value: 0)
                Thread {
                    leftovers = (try? slow.readToEOF()) ?? Array("recv failed".utf8)
                    closedAt = Date()
                    done.signal()
                }.start()

                let other = try RawClient(port: port)
                for _ in 0..<2 {
                    try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                    #expect(try other.readResponse().status == 200)
                }
                let otherDone = Date()
                done.wait()
                return (other, start, otherDone, closedAt, leftovers)
            }
            #expect(otherDone < closedAt, "the healthy client was served while the slow one was still connected")
            let elapsed = closedAt.timeIntervalSince(start)
            #expect(elapsed >= 7.95 && elapsed < 60, "closed after \(elapsed)s")
            #expect(String(decoding: leftovers, as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
            #expect(await eventually { server.connectionCount == 1 }, "only the healthy client remains")
            withExtendedLifetime(other) {}
        }
    }

    @Test func aDrippingClientCannotExtendItsDeadline() async throws {
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.headerTimeout = 0.5
        try await withServer(configuration) { _, port in
            let (elapsed, sent, reply) = try await onThread {
                let client = try RawClient(port: port)
                let start = Date()
                var sent = 0
                // One header byte every 50 ms: always active, never complete.
                let drip = Array("GET /hello HTTP/1.1\r\nHost: t\r\nX-Drip: \(String(repeating: "d", count: 200))".utf8)
                while sent < drip.count, Date().timeIntervalSince(start) < 5 {
                    guard (try? client.send([drip[sent]])) != nil else { break }
                    sent += 1
                    usleep(50_000)
                    if Date().timeIntervalSince(start) > 0.7 { break }
                }
                let reply = try client.readToEOF()
                return (Date().timeIntervalSince(start), sent, reply)
            }
            #expect(sent >= 5, "the drip did reach the server")
            #expect(elapsed >= 0.45 && elapsed < 5)
            #expect(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
        }
    }

    @Test func silentClientAndIdleKeepAliveAreClosed() async throws {
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.headerTimeout = 0.3
        configuration.idleTimeout = 0.3
        try await withServer(configuration) { _, port in
            try await onThread {
                let silent = try RawClient(port: port)
                let start = Date()
                #expect(try silent.readToEOF().isEmpty, "no bytes sent → closed without a response")
                #expect(Date().timeIntervalSince(start) >= 0.25)

                let idle = try RawClient(port: port)
                try idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try idle.readResponse().status == 200)
                #expect(try idle.readToEOF().isEmpty, "idle keep-alive closes quietly")
            }
        }
    }

    @Test func manyConcurrentConnectionsAreServed() async throws {
        let count = 200
        // The connections are opened first and used later: on a loaded machine the default
        // 10 s header timeout could close some before they send (seen in CI).
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.headerTimeout = 300
        try await withServer(configuration) { server, port in
            let clients = try await onThread { try (0..<count).map { _ in try RawClient(port: port) } }
            #expect(await eventually { server.connectionCount == count }, "all \(count) connections open at once")
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        try await onThread {
                            let body = "client-\(index)"
                            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                            let first = try client.readResponse()
                            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                            let second = try client.readResponse()
                            return first.text == body && second.status == 200
                        }
                    }
                }
                var ok = 0
                for try await success in group where success { ok += 1 }
                return ok
            }
            #expect(results == count)
            withExtendedLifetime(clients) {}
        }
    }

    @Test func connectionsBeyondTheLimitGet503() async throws {
        var configuration = HTTPServerConfiguration(port: 0)
        configuration.maxConnections = 2
        // The held connections send nothing: the default 10 s header timeout would close
        // them on a loaded machine before the test closes one itself (seen in CI).
        configuration.headerTimeout = 300
        try await withServer(configuration) { server, port in
            var held = try await onThread { try (0..<2).map { _ in try RawClient(port: port) } }
            #expect(await eventually { server.connectionCount == 2 })
            let refused = try await onThread {
                let extra = try RawClient(port: port)
                return try extra.readResponse()
            }
            #expect(refused.status == 503)
            #expect(refused.closes)
            #expect(refused.headers["Retry-After"] == "1")
            held.removeFirst()  // closes one held connection
            #expect(await eventually { server.connectionCount == 1 })
            let served = try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse().status
            }
            #expect(served == 200)
            withExtendedLifetime(held) {}
        }
    }

    @Test func expectContinueGetsInterimResponse() async throws {
        try await withServer { _, port in
            try await onThread {
                let client = try RawClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = try client.readResponse()
                #expect(interim.status == 100)
                try client.send("hello")
                let final = try client.readResponse()
                #expect(final.status == 200 && final.text == "hello")
            }
        }
    }

    @Test func largeResponseSurvivesASlowReader() async throws {
        try await withServer { _, port in
            let body = try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /big?size=6000000 HTTP/1.1\r\nHost: t\r\n\r\n")
                usleep(300_000)  // not reading: the server's socket buffer fills and send() hits EAGAIN
                let response = try client.readResponse()
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse().text == "xin chào", "framing intact after a partial write")
                return response.body
            }
            #expect(body.count == 6_000_000)
            #expect(body == testPattern(size: 6_000_000))
        }
    }

    @Test func clientsVanishingMidRequestDoNotHurtTheServer() async throws {
        try await withServer { server, port in
            try await onThread {
                for _ in 0..<20 {
                    let partial = try RawClient(port: port)
                    try partial.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
                }
                for _ in 0..<20 {
                    let impatient = try RawClient(port: port)
                    try impatient.send("GET /slow?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n")
                }
            }
            try await Task.sleep(for: .milliseconds(150))  // the slow responses now hit closed sockets
            let status = try await onThread {
                let client = try RawClient(port: port)
                try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse().status
            }
            #expect(status == 200)
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func stopClosesListenerAndConnections() async throws {
        let server = HTTPServer(configuration: .init(port: 0), responder: makeTestRouter())
        let port = try server.start()
        #expect(port > 0 && server.port == port && server.isRunning)
        #expect(throws: HTTPServerError.self) { try server.start() }
        let eof = try await onThread {
            let client = try RawClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            server.stop()
            server.stop()  // idempotent
            return try client.readToEOF().isEmpty
        }
        #expect(eof)
        #expect(!server.isRunning)
        #expect(throws: ClientError.self) { _ = try RawClient(port: port) }
    }

    @Test func bindingATakenPortFails() throws {
        let first = HTTPServer(configuration: .init(port: 0), responder: makeTestRouter())
        let port = try first.start()
        defer { first.stop() }
        let second = HTTPServer(configuration: .init(port: port), responder: makeTestRouter())
        #expect(throws: HTTPServerError.self) { try second.start() }
    }
}
