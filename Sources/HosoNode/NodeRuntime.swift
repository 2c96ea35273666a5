import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoDomain
import HosoHTTP

/// A running node: its store, its API and its HTTP server, started from a data directory.
public final class NodeRuntime: @unchecked Sendable {
    // @unchecked: stored properties are immutable after init except `handoffTimer`, which
    // `timerLock` guards; `server` is thread-safe.
    public let directory: DataDirectory
    public let configuration: NodeConfiguration
    public let store: NodeStore
    public let api: NodeAPI
    /// The sync client towards the parent (nil on the hub).
    public let sync: SyncClient?
    private let server: HTTPServer
    private let lock: ProcessLock
    private let timerLock = NSLock()
    private var handoffTimer: DispatchSourceTimer?
    let log: Log

    /// Opens the data directory (taking its lock) and prepares the server.
    /// `portOverride` replaces the configured port (0 picks a free one).
    public init(directory: DataDirectory, portOverride: Int? = nil, hostOverride: String? = nil, syncEnabled: Bool? = nil,
                log: Log = Log(component: "node")) throws {
        self.directory = directory
        var configuration = try directory.loadConfiguration()
        if let portOverride { configuration.port = portOverride }
        if let hostOverride { configuration.host = hostOverride }
        self.lock = try ProcessLock(path: directory.lockPath)
        if let syncEnabled { configuration.sync?.enabled = syncEnabled }
        self.configuration = configuration
        self.store = try NodeStore(path: directory.databasePath, nodeID: configuration.sync?.nodeID,
                                   seedCatalogues: configuration.sync == nil)
        self.log = log
        if !store.migrationsApplied.isEmpty {
            // An upgrade (or a new database): which migrations ran, for the operator's log.
            log.info("migrated", ["applied": store.migrationsApplied.joined(separator: ","), "schema": NodeStore.schemaVersion])
        }
        if let handoff = configuration.handoff { store.handoffConfiguration.set(handoff) }
        if let reports = configuration.reports { store.reportConfiguration.set(reports) }
        if let monitor = configuration.monitor { store.monitorConfiguration.set(monitor) }
        if let settings = configuration.sync {
            guard let url = URL(string: settings.parent_url), url.scheme == "http" || url.scheme == "https" else {
                throw NodeError(.badRequest, "bad_config", "sync.parent_url '\(settings.parent_url)' is not an http(s) URL.")
            }
            sync = SyncClient(store: store, settings: settings, transport: HTTPSyncTransport(baseURL: url),
                              log: Log(component: "sync", level: log.level))
        } else {
            sync = nil
        }
        self.api = NodeAPI(store: store, policy: configuration.sessionPolicy, name: configuration.name,
                           secureCookies: configuration.secure_cookies, sync: sync, log: Log(component: "http", level: log.level))
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        self.server = HTTPServer(configuration: serverConfiguration, responder: api.makeRouter())
    }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let port = try server.start()
        sync?.start()
        startHandoffTimer()
        log.info("listening", ["node_id": store.nodeID, "host": configuration.host, "port": String(port), "version": HosoVersion.current])
        return port
    }

    /// Every minute (and at start) the node takes the handoff steps it owes: timeouts
    /// happen without any message arriving.
    private func startHandoffTimer() {
        let store = self.store, log = self.log
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 60)
        timer.setEventHandler {
            do { try store.advanceHandoffs() } catch { log.warning("handoff_step_failed", ["error": String(describing: type(of: error))]) }
            // The node's own availability: a gap since the last heartbeat is an outage.
            do { try store.heartbeat() } catch { log.warning("heartbeat_failed", ["error": String(describing: type(of: error))]) }
            // New monitoring alerts go to the webhook, once per condition.
            if let url = store.monitorConfiguration.get().webhook_url.flatMap(URL.init(string:)) {
                do {
                    let sent = try store.notifyMonitorAlerts { try NodeRuntime.postWebhook(url, $0) }
                    if !sent.isEmpty { log.info("monitor_alerts_sent", ["count": String(sent.count)]) }
                } catch {
                    log.warning("monitor_webhook_failed", ["error": String(describing: type(of: error))])
                }
            }
        }
        timer.resume()
        timerLock.lock()
        handoffTimer = timer
        timerLock.unlock()
    }

    /// Stops the server (idempotent).
    public func stop() {
        timerLock.lock()
        handoffTimer?.cancel()
        handoffTimer = nil
        timerLock.unlock()
        server.stop()
        if let sync {
            let done = DispatchSemaphore(value: 0)
            Task.detached { await sync.stop(); done.signal() }
            done.wait()
        }
    }

    /// POSTs alerts as JSON (`{"text": "...", "alerts": [...]}`, the shape chat webhooks
    /// accept) and waits up to 10 seconds; a failure is retried at the next minute.
    public static func postWebhook(_ url: URL, _ alerts: [MonitorAlertDTO]) throws {
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        let body: JSONValue = .object(["text": .string("hoso: " + alerts.map(\.message).joined(separator: "\n")),
                                       "alerts": .array(alerts.map { a in .object(["kind": .string(a.kind), "key": .string(a.key), "message": .string(a.message),
                                                                                   "node_id": a.node_id.map(JSONValue.string) ?? .null,
                                                                                   "handoff_id": a.handoff_id.map(JSONValue.string) ?? .null]) })])
        request.httpBody = Data(body.jsonString().utf8)
        if url.scheme?.lowercased() == "http" {
            // hoso's client for plain HTTP: URLSession traps on an answer cut off in its header.
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            do {
                let answer = try HTTPClient(idleTimeout: 10, totalTimeout: 15).sendBlocking(method: "POST", url: url, headers: headers, body: Array(body.jsonString().utf8))
                guard (200..<300).contains(answer.status) else { throw NodeError(.unavailable, "webhook", "The webhook answered \(answer.status).") }
                return
            } catch let error as HTTPClientError {
                throw NodeError(.unavailable, "webhook", error.message)
            }
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<Int, Error> = .failure(NodeError(.unavailable, "webhook", "no answer"))
        URLSession.shared.dataTask(with: request) { _, response, error in
            if let error { outcome = .failure(error) } else { outcome = .success((response as? HTTPURLResponse)?.statusCode ?? 0) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 15)
        let status = try outcome.get()
        guard (200..<300).contains(status) else { throw NodeError(.unavailable, "webhook", "The webhook answered \(status).") }
    }
}
