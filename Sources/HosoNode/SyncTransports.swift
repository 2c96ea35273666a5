import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoHTTP
import HosoReplication

/// The real transport: HTTP POSTs to the parent. `http://` parents are reached with
/// hoso's own `HTTPClient` (one connection per request); `https://` parents with
/// URLSession (FoundationNetworking, libcurl on Linux).
///
/// URLSession verifies the parent's certificate chain against the system trust store
/// (`/etc/ssl/certs/ca-certificates.crt`; a province CA is installed there with
/// `update-ca-certificates`) and its name against the URL's host. hoso links no TLS
/// library of its own: the customer allows only Foundation, Dispatch and SQLite, crypt
/// and zlib. So there is no per-node CA file and no client certificate (URLSession on
/// Linux can present none); nodes authenticate with their credential over TLS.
///
/// Why not URLSession for both: on Linux it traps, killing the node, when a connection
/// closes in the middle of an answer's header (libcurl calls that a success and
/// Foundation finds no response) — a parent killed mid-answer or a line cutting a
/// response short did exactly that in the chaos test. Over TLS the parent is a TLS
/// terminator (nginx, see deploy/) that answers whole responses or a 502, so only an
/// active attacker on the line can cut one; the node then crashes before applying
/// anything and systemd restarts it (deploy/README.md, "Known limitation").
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
            let (data, response) = try await Self.data(session, for: request)
            guard let http = response as? HTTPURLResponse else { throw SyncError(.transport, "No HTTP response from \(baseURL).") }
            return (http.statusCode, Array(data))
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.transport, "Cannot reach the parent at \(baseURL): \(error.localizedDescription)" + Self.certificateHint(error.localizedDescription, host: baseURL.host ?? ""))
        }
    }

    /// `session.data(for:)`, cancellable without touching the URLSession task.
    ///
    /// FoundationNetworking's own `data(for:)` cancels the URLSession task from the Swift
    /// task's cancellation handler, under the task's status lock, and waits there for
    /// URLSession's work queue, while that queue, completing the same request, waits for
    /// the status lock to resume the task: a deadlock (swift-corelibs-foundation issue
    /// 5412). A node stopped (SIGTERM) just as a sync request completed hung until
    /// SIGKILL (found by HTTPSSyncTests). Cancelling the URLSession task from another
    /// thread instead races its completion and traps ("a task that is not in the
    /// registry"). So a cancelled exchange ends at once with `CancellationError` and the
    /// request is left to finish or time out on its own, as a request cut off by the
    /// network would (sync requests are idempotent, Protocol.md §7). Only stopping the
    /// sync loop cancels.
    static func data(_ session: URLSession, for request: URLRequest) async throws -> (Data, URLResponse) {
        let running = RunningRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), Error>) in
                guard running.attach(continuation) else { return }
                session.dataTask(with: request) { data, response, error in
                    if let error {
                        running.finish(.failure(error))
                    } else if let response {
                        running.finish(.success((data ?? Data(), response)))
                    } else {
                        running.finish(.failure(URLError(.badServerResponse)))
                    }
                }.resume()
            }
        } onCancel: {
            // Not here: the handler runs under the task's status lock, which resuming needs.
            DispatchQueue.global().async { running.finish(.failure(CancellationError())) }
        }
    }

    /// What to do about a certificate libcurl refused (its message says which check
    /// failed; URLSession on Linux reports every one as the same unknown error code).
    /// Empty for other errors.
    static func certificateHint(_ message: String, host: String) -> String {
        if message.contains("subject name") || message.contains("does not match target host") {
            return " (the parent's certificate is not issued for \(host): put a name it carries in sync.parent_url, or issue a certificate for \(host))"
        }
        if message.contains("SSL certificate problem") {
            return " (the parent's certificate was refused: this machine trusts only the authorities in its system trust store; "
                + "install the province CA there with update-ca-certificates, see deploy/README.md \"Trusting the province CA\", "
                + "and check the certificate's dates and this machine's clock)"
        }
        return ""
    }
}

/// The waiting side of one URLSession request (see `HTTPSyncTransport.data(_:for:)`):
/// the first outcome, the answer or a cancellation, resumes it; a later one is dropped.
///
/// `@unchecked Sendable`: `lock` guards `continuation` and `outcome`.
final class RunningRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<(Data, URLResponse), Error>?
    private var outcome: Result<(Data, URLResponse), Error>?

    /// Attaches the waiter; false when it was cancelled already (and is resumed now).
    func attach(_ continuation: CheckedContinuation<(Data, URLResponse), Error>) -> Bool {
        let early: Result<(Data, URLResponse), Error>? = lock.withLock {
            if outcome == nil { self.continuation = continuation }
            return outcome
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    /// Resumes the waiter with `result`, unless something came first.
    func finish(_ result: Result<(Data, URLResponse), Error>) {
        let waiter: CheckedContinuation<(Data, URLResponse), Error>?? = lock.withLock {
            guard outcome == nil else { return .none }
            outcome = result
            defer { continuation = nil }
            return .some(continuation)
        }
        if case .some(.some(let waiter)) = waiter { waiter.resume(with: result) }
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
