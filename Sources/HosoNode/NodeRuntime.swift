import Foundation
import HosoDomain
import HosoHTTP

/// A running node: its store, its API and its HTTP server, started from a data directory.
public final class NodeRuntime: @unchecked Sendable {
    // @unchecked: all stored properties are immutable after init; `server` is thread-safe.
    public let directory: DataDirectory
    public let configuration: NodeConfiguration
    public let store: NodeStore
    public let api: NodeAPI
    private let server: HTTPServer
    private let lock: ProcessLock
    let log: Log

    /// Opens the data directory (taking its lock) and prepares the server.
    /// `portOverride` replaces the configured port (0 picks a free one).
    public init(directory: DataDirectory, portOverride: Int? = nil, hostOverride: String? = nil, log: Log = Log(component: "node")) throws {
        self.directory = directory
        var configuration = try directory.loadConfiguration()
        if let portOverride { configuration.port = portOverride }
        if let hostOverride { configuration.host = hostOverride }
        self.configuration = configuration
        self.lock = try ProcessLock(path: directory.lockPath)
        self.store = try NodeStore(path: directory.databasePath)
        self.log = log
        self.api = NodeAPI(store: store, policy: configuration.sessionPolicy, name: configuration.name,
                           secureCookies: configuration.secure_cookies, log: Log(component: "http", level: log.level))
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = configuration.host
        serverConfiguration.port = configuration.port
        self.server = HTTPServer(configuration: serverConfiguration, responder: api.makeRouter())
    }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let port = try server.start()
        log.info("listening", ["node_id": store.nodeID, "host": configuration.host, "port": String(port), "version": HosoVersion.current])
        return port
    }

    /// Stops the server (idempotent).
    public func stop() {
        server.stop()
    }
}
