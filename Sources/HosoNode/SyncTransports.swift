import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoHTTP
import HosoReplication

/// The real transport: HTTP POSTs to the parent. `http://` parents are reached with
/// hoso's own `HTTPClient` (one connection per request); `https://` parents with
/// URLSession (FoundationNetworking on Linux, which verifies TLS certificates against
/// the system's trust store).
///
/// Why not URLSession for both: on Linux it traps, killing the node, when a connection
/// closes in the middle of an answer's header (libcurl calls that a success and
/// Foundation finds no response) — a parent killed mid-answer or a line cutting a
/// response short did exactly that in the chaos test. Over TLS the parent is a TLS
/// terminator (nginx, see deploy/) that answers whole responses or a 502.
public struct HTTPSyncTransport: SyncTransport {
    /// The parent's base URL, e.g. `http://10.0.0.5:8700`.
    public let baseURL: URL
    let session: URLSession?
    let client: HTTPClient

    public init(baseURL: URL, timeout: TimeInterval = 60) {
        self.baseURL = baseURL
        client = HTTPClient(idleTimeout: timeout, totalTimeout: timeout * 4)
        if baseURL.scheme?.lowercased() == "https" {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = timeout
            configuration.timeoutIntervalForResource = timeout * 4
            configuration.httpMaximumConnectionsPerHost = 2
            configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
            session = URLSession(configuration: configuration)
        } else {
            session = nil
        }
    }

    public func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8]) {
        let url = baseURL.appendingPathComponent(path)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Authorization", value: "\(NodeAPI.nodeAuthScheme) \(credential)")
        headers.add(name: "User-Agent", value: "hoso/\(HosoVersion.current)")
        guard let session else {
            do {
                let answer = try await client.send(method: "POST", url: url, headers: headers, body: body)
                return (answer.status, answer.body)
            } catch {
                throw SyncError(.transport, "Cannot reach the parent at \(baseURL): \(error.message)")
            }
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for field in headers { request.setValue(field.value, forHTTPHeaderField: field.name) }
        // One connection per request. On a kept-alive connection that the parent closes
        // after reading a request without answering (the parent killed, a proxy or the
        // line failing mid-request), libcurl retries on a fresh connection but
        // FoundationNetworking cannot send the body again: the request hangs until the
        // timeout (60 s) and the whole sync loop with it (found by FaultProxyTests). A new
        // connection costs a TCP (and TLS) handshake per request, a few per sync cycle.
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.httpBody = Data(body)
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw SyncError(.transport, "No HTTP response from \(baseURL).") }
            return (http.statusCode, Array(data))
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.transport, "Cannot reach the parent at \(baseURL): \(error.localizedDescription)")
        }
    }
}

/// A transport that calls the parent's router in-process: the same requests, bodies,
/// authentication and handlers as over HTTP, without sockets. Tests build whole
/// topologies with it; `connected` simulates a cut line.
///
/// `@unchecked Sendable`: `lock` guards `isConnected`, `parentRouter` and `recorded`.
public final class InMemorySyncTransport: SyncTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var isConnected = true
    private var parentRouter: Router
    private var recorded: [(path: String, body: [UInt8])] = []
    private var failAfter: Int?

    public init(parent router: Router) { self.parentRouter = router }

    /// The parent's router (replaced when a test restarts the parent).
    public var router: Router {
        get { lock.lock(); defer { lock.unlock() }; return parentRouter }
        set { lock.lock(); parentRouter = newValue; lock.unlock() }
    }

    /// Every request sent so far (path and body), for replay tests.
    public var requests: [(path: String, body: [UInt8])] { lock.lock(); defer { lock.unlock() }; return recorded }

    /// Cuts the line after `count` more successful exchanges (nil: never).
    public func cut(after count: Int?) { lock.lock(); failAfter = count; lock.unlock() }

    /// Whether requests reach the parent (false: every exchange fails as a network error).
    public var connected: Bool {
        get { lock.lock(); defer { lock.unlock() }; return isConnected }
        set { lock.lock(); isConnected = newValue; lock.unlock() }
    }

    public func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8]) {
        let (router, allowed): (Router, Bool) = {
            lock.lock(); defer { lock.unlock() }
            guard isConnected else { return (parentRouter, false) }
            if let remaining = failAfter {
                if remaining <= 0 { isConnected = false; return (parentRouter, false) }
                failAfter = remaining - 1
            }
            recorded.append((path, body))
            return (parentRouter, true)
        }()
        guard allowed else { throw SyncError(.transport, "In-memory line to the parent is cut.") }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Authorization", value: "\(NodeAPI.nodeAuthScheme) \(credential)")
        let request = HTTPRequest(method: .post, target: path, headers: headers, body: body)
        let response = await router.respond(to: request)
        guard connected else { throw SyncError(.transport, "In-memory line cut before the answer arrived.") }
        return (response.status.code, response.body)
    }
}
