import Foundation
import HosoHTTP
import HosoReplication

/// The real transport: HTTP POSTs to the parent with hoso's own `HTTPClient`, one
/// connection per request, over TLS for `https://` parents.
///
/// Why not URLSession: on Linux it traps, killing the node, when a connection closes in
/// the middle of an answer's header (libcurl calls that a success and Foundation finds
/// no response) — a parent killed mid-answer or a line cutting a response short did
/// exactly that in the chaos test; over the WAN to an `https://` parent the same cut can
/// happen. It also cannot be told, on Linux, which authority to trust (a province's
/// private CA) or present a client certificate. `HTTPClient` verifies the parent's
/// certificate against `sync.ca_file` (or the system's trust store) and its name
/// against the URL's host, and presents `sync.client_certificate` when configured.
public struct HTTPSyncTransport: SyncTransport {
    /// The parent's base URL, e.g. `https://hoso.snv.example` or `http://10.0.0.5:8700`.
    public let baseURL: URL
    let client: HTTPClient

    /// A transport to `baseURL`. TLS files (`tls`) are read now: a missing or unusable
    /// file is an error here, when the node starts, not at its first sync. They are
    /// refused for an `http://` parent, whose traffic they would not protect.
    public init(baseURL: URL, timeout: TimeInterval = 60, tls: TLSClientOptions = TLSClientOptions()) throws(HTTPClientError) {
        self.baseURL = baseURL
        var client = HTTPClient(idleTimeout: timeout, totalTimeout: timeout * 4)
        switch baseURL.scheme?.lowercased() {
        case "https":
            client.tls = try TLSClientContext(tls)
        case "http":
            guard tls.isEmpty else {
                throw HTTPClientError(.tls, "sync.ca_file, sync.client_certificate and sync.client_key apply to an https:// parent, but parent_url is \(baseURL.absoluteString).")
            }
        default:
            throw HTTPClientError(.badURL, "The parent's URL must be http:// or https://: \(baseURL.absoluteString)")
        }
        self.client = client
    }

    /// The transport node.json's `sync` settings describe.
    public init(settings: SyncSettings, timeout: TimeInterval = 60) throws(HTTPClientError) {
        guard let url = URL(string: settings.parent_url), url.host != nil else {
            throw HTTPClientError(.badURL, "sync.parent_url is not a URL: \(settings.parent_url)")
        }
        try self.init(baseURL: url, timeout: timeout, tls: settings.tlsOptions)
    }

    public func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8]) {
        let url = baseURL.appendingPathComponent(path)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Authorization", value: "\(NodeAPI.nodeAuthScheme) \(credential)")
        headers.add(name: "User-Agent", value: "hoso/\(HosoVersion.current)")
        do {
            let answer = try await client.send(method: "POST", url: url, headers: headers, body: body)
            return (answer.status, answer.body)
        } catch {
            throw SyncError(.transport, "Cannot reach the parent at \(baseURL): \(error.message)")
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
