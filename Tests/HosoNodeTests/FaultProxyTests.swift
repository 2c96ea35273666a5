import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoHTTP
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

/// The fault proxy itself: each fault does what it says to a real server behind it and to
/// the sync client's HTTP client in front of it (which must see an error at once, not a
/// hang, and never trap: URLSession did when an answer was cut in its head).
@Suite struct FaultProxyTests {
    /// A server counting the requests it received, answering each with its number.
    final class Counter: HTTPResponder, @unchecked Sendable {
        // @unchecked: `lock` guards `bodies`.
        let lock = NSLock()
        var bodies: [String] = []
        func respond(to request: HTTPRequest) async -> HTTPResponse {
            let count = lock.withLock { bodies.append(String(decoding: request.body, as: UTF8.self)); return bodies.count }
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array(String(repeating: "\(count)", count: 10_000).utf8))
        }
        var received: [String] { lock.withLock { bodies } }
    }

    /// Posts `body` through the proxy with the sync client's `HTTPClient` (one connection
    /// per request); returns the status (nil for a transport error) and how long it took.
    static func post(_ url: String, _ body: String) async -> (status: Int?, seconds: Double) {
        let start = Date()
        do {
            let answer = try await HTTPClient(idleTimeout: 120).send(method: "POST", url: URL(string: url + "/x")!, body: Array(body.utf8))
            return (answer.status, Date().timeIntervalSince(start))
        } catch {
            print("FaultProxyTests: \(body.utf8.count) bytes: \(error)")
            return (nil, Date().timeIntervalSince(start))
        }
    }

    /// Posts `body` through the proxy with URLSession; returns the status (nil for a
    /// transport error) and how long it took.
    static func post(_ session: URLSession, _ url: String, _ body: String, keepAlive: Bool = false) async -> (status: Int?, seconds: Double) {
        var request = URLRequest(url: URL(string: url + "/x")!)
        request.httpMethod = "POST"
        if !keepAlive { request.setValue("close", forHTTPHeaderField: "Connection") }
        request.httpBody = Data(body.utf8)
        let start = Date()
        let response = try? await session.data(for: request)
        return ((response?.1 as? HTTPURLResponse)?.statusCode, Date().timeIntervalSince(start))
    }

    @Test(arguments: [FaultProxy.Fault.pass, .delay, .dropRequest, .dropResponse, .duplicate, .truncateRequest, .truncateResponse])
    func eachFault(_ fault: FaultProxy.Fault) async throws {
        let counter = Counter()
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: counter)
        let port = try server.start()
        defer { server.stop() }
        let proxy = try FaultProxy(upstreamPort: port, seed: 1, profile: .init(weights: [fault: 1], maximumDelay: 0.3))
        defer { proxy.stop() }
        // Small and large bodies; several times, as truncations cut at random points.
        for body in ["nhỏ", String(repeating: "lớn ", count: 300_000), "nhỏ", "nhỏ", "nhỏ"] {
            proxy.setProfile(.transparent)
            #expect(await Self.post(proxy.url, "trước").status == 200)
            proxy.setProfile(.init(weights: [fault: 1], maximumDelay: 0.3))
            let before = counter.received.count
            let (status, seconds) = await Self.post(proxy.url, body)
            let reached = counter.received.count - before
            switch fault {
            case .pass, .delay: #expect(status == 200 && reached == 1)
            case .duplicate: #expect(status == 200 && reached == 2)
            case .dropRequest: #expect(status == nil && reached == 0)
            case .dropResponse: #expect(status == nil && reached == 1)
            case .truncateRequest: #expect(status == nil && reached == 0, "half a request is not a request")
            case .truncateResponse: #expect(status == nil && reached == 1)
            case .replayLater: break
            }
            // Liveness, not speed: the client learns of the fault from the connection, it
            // does not wait for its 120 s idle timeout (a generous bound for a loaded machine).
            #expect(seconds < 90, "\(fault): the client learns at once, it does not wait for its timeout (\(seconds) s)")
        }
        #expect(proxy.counts[fault.rawValue] == (fault == .pass ? 10 : 5))
    }

    /// Small answers cut at random points, mostly in their head: the sync transport reports
    /// a transport error each time. Under URLSession the first cut in a head trapped in
    /// FoundationNetworking and killed the node (seen in CI in the chaos test).
    @Test func theSyncTransportSurvivesAnswersCutInTheirHead() async throws {
        let router = Router()
        router.post("/sync/v1/hello") { _, _ in .text("{\"ok\":true}") }
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: router)
        let port = try server.start()
        defer { server.stop() }
        let proxy = try FaultProxy(upstreamPort: port, seed: 7, profile: .init(weights: [.truncateResponse: 1]))
        defer { proxy.stop() }
        let transport = HTTPSyncTransport(baseURL: URL(string: proxy.url)!, timeout: 10)
        for attempt in 0..<40 {
            do {
                let answer = try await transport.exchange(path: "/sync/v1/hello", body: Array("{}".utf8), credential: "x")
                Issue.record("attempt \(attempt): a cut answer was taken for \(answer.status)")
            } catch let error as SyncError {
                #expect(error.code == .transport, "\(error)")
            }
        }
        proxy.setProfile(.transparent)
        let whole = try await transport.exchange(path: "/sync/v1/hello", body: Array("{}".utf8), credential: "x")
        #expect(whole.status == 200 && whole.body == Array("{\"ok\":true}".utf8))
        #expect(proxy.counts["truncate_response"] == 40)
    }

    /// Stopping a node cancels its sync loop's task, maybe just as its request to an
    /// `https://` parent completes. FoundationNetworking's `URLSession.data(for:)`
    /// deadlocks there (swift-corelibs-foundation issue 5412: `Task.cancel()` blocks for
    /// ever, and with it the node's shutdown); the transport's own wrapper must not. A
    /// request to a closed port fails at once, so cancels land on completions. A
    /// deadlock cannot be undone from inside the process: a watchdog ends the test run
    /// with a message rather than let it hang.
    @Test func cancellingAnHTTPSExchangeAsItCompletesNeverHangs() async throws {
        let closed = ProcessNode.freePort()
        let transport = HTTPSyncTransport(baseURL: URL(string: "https://127.0.0.1:\(closed)")!, timeout: 5)
        /// Attempts done, and how many the watchdog saw last time.
        final class Progress: @unchecked Sendable {
            // @unchecked: `lock` guards both.
            let lock = NSLock()
            var done = 0, seen = -1
            func advance() { lock.withLock { done += 1 } }
            /// False when nothing was done since the last look.
            func moved() -> Bool { lock.withLock { defer { seen = done }; return done != seen } }
        }
        let progress = Progress()
        let watchdog = DispatchSource.makeTimerSource(queue: .global())
        watchdog.schedule(deadline: .now() + 20, repeating: 20)
        watchdog.setEventHandler {
            guard progress.moved() else {
                fatalError("FaultProxyTests: cancelling an https:// sync exchange deadlocked; see swift-corelibs-foundation issue 5412")
            }
        }
        watchdog.resume()
        defer { watchdog.cancel() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let exchange = Task { try await transport.exchange(path: "/sync/v1/hello", body: Array("{}".utf8), credential: "x") }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...3_000_000, using: &generator))
            exchange.cancel()
            let outcome = await exchange.result
            if case .success(let answer) = outcome { Issue.record("a closed port answered \(answer.status)") }
            progress.advance()
        }
    }

    /// Why the sync client asks for `Connection: close`: on a kept-alive connection that
    /// the server closes after reading a request, URLSession (libcurl) retries on a new
    /// connection without the body and hangs until its timeout. If this starts passing
    /// quickly, FoundationNetworking was fixed and keep-alive could come back.
    @Test func keptAliveConnectionsHangWhenTheServerDiesMidRequest() async throws {
        let counter = Counter()
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: counter)
        let port = try server.start()
        defer { server.stop() }
        let proxy = try FaultProxy(upstreamPort: port, seed: 1)
        defer { proxy.stop() }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 3
        let session = URLSession(configuration: configuration)
        #expect(await Self.post(session, proxy.url, "một", keepAlive: true).status == 200)
        proxy.setProfile(.init(weights: [.dropResponse: 1]))
        let lost = await Self.post(session, proxy.url, "hai", keepAlive: true)
        #expect(lost.status == nil)
        withKnownIssue("FoundationNetworking resends a request without its body on a fresh connection") {
            #expect(lost.seconds < 2.5, "\(lost.seconds) s")
        }
    }

    @Test func replayedRequestsArriveAfterNewerOnesAndPartitionsRefuse() async throws {
        let counter = Counter()
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: counter)
        let port = try server.start()
        defer { server.stop() }
        let proxy = try FaultProxy(upstreamPort: port, seed: 2, profile: .init(weights: [.replayLater: 1]))
        defer { proxy.stop() }
        #expect(await Self.post(proxy.url, "một").status == 200)
        proxy.setProfile(.transparent)
        for body in ["hai", "ba", "bốn", "năm"] { #expect(await Self.post(proxy.url, body).status == 200) }
        let order = counter.received
        #expect(order.first == "một" && order.filter { $0 == "một" }.count == 2, "\(order)")
        #expect(order.lastIndex(of: "một")! > order.firstIndex(of: "hai")!, "the copy arrives after a newer request: \(order)")

        proxy.partition(for: 30)
        let cut = await Self.post(proxy.url, "sáu")
        #expect(cut.status == nil && cut.seconds < 90 && !counter.received.contains("sáu"), "refused at once, not after the client's timeout")
        proxy.heal()
        #expect(await Self.post(proxy.url, "bảy").status == 200)
    }
}
