import Foundation

/// A node's configuration file, `node.json` in its data directory.
public struct NodeConfiguration: Codable, Sendable, Equatable {
    /// Display name of the node (e.g. "Sở Nội vụ", "UBND xã Mỹ An").
    public var name: String
    /// Address to listen on. Default loopback; put a TLS proxy in front for the network.
    public var host: String = "127.0.0.1"
    /// TCP port.
    public var port: Int = 8080
    /// Session idle timeout, seconds.
    public var session_idle_seconds: Int = 1800
    /// Session absolute lifetime, seconds.
    public var session_absolute_seconds: Int = 43200
    /// Failed logins before lock-out.
    public var max_failed_logins: Int = 5
    /// First lock-out duration, seconds (doubles on each further failure, max 24 h).
    public var lockout_seconds: Int = 900
    /// Set the `Secure` flag on the session cookie (when served over HTTPS).
    public var secure_cookies: Bool = false
    /// How this node syncs with its parent; absent on the hub (the root of the tree).
    public var sync: SyncSettings?
    /// Handoff deadlines and timeouts.
    public var handoff: HandoffSettings?
    /// Alert horizons and regulation deadlines for reports.
    public var reports: ReportSettings?
    /// Health thresholds of the nodes below this one.
    public var monitor: MonitorSettings?

    public init(name: String, host: String = "127.0.0.1", port: Int = 8080) {
        self.name = name
        self.host = host
        self.port = port
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 8080
        session_idle_seconds = try c.decodeIfPresent(Int.self, forKey: .session_idle_seconds) ?? 1800
        session_absolute_seconds = try c.decodeIfPresent(Int.self, forKey: .session_absolute_seconds) ?? 43200
        max_failed_logins = try c.decodeIfPresent(Int.self, forKey: .max_failed_logins) ?? 5
        lockout_seconds = try c.decodeIfPresent(Int.self, forKey: .lockout_seconds) ?? 900
        secure_cookies = try c.decodeIfPresent(Bool.self, forKey: .secure_cookies) ?? false
        sync = try c.decodeIfPresent(SyncSettings.self, forKey: .sync)
        handoff = try c.decodeIfPresent(HandoffSettings.self, forKey: .handoff)
        reports = try c.decodeIfPresent(ReportSettings.self, forKey: .reports)
        monitor = try c.decodeIfPresent(MonitorSettings.self, forKey: .monitor)
    }

    /// The session policy these settings describe.
    public var sessionPolicy: SessionPolicy {
        var policy = SessionPolicy()
        policy.idleTimeout = TimeInterval(session_idle_seconds)
        policy.absoluteTimeout = TimeInterval(session_absolute_seconds)
        policy.maxFailedAttempts = max_failed_logins
        policy.lockDuration = TimeInterval(lockout_seconds)
        return policy
    }
}

/// The files of a node's data directory.
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = (path as NSString).standardizingPath
    }

    public var databasePath: String { path + "/hoso.sqlite" }
    public var configPath: String { path + "/node.json" }
    public var lockPath: String { path + "/hoso.lock" }

    /// Whether `hoso init` has run here.
    public var isInitialised: Bool { FileManager.default.fileExists(atPath: configPath) }

    /// Reads `node.json`.
    public func loadConfiguration() throws -> NodeConfiguration {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw NodeError(.notFound, "not_initialised", "\(path) is not a hoso data directory (no node.json); run `hoso init` first.")
        }
        do { return try JSONDecoder().decode(NodeConfiguration.self, from: data) }
        catch { throw NodeError(.badRequest, "bad_config", "\(configPath) is not valid: \(error)") }
    }

    /// Writes `node.json` atomically, readable by the owner only (it may hold the
    /// node's sync credential).
    public func save(_ configuration: NodeConfiguration) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(configuration).write(to: URL(fileURLWithPath: configPath), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
    }

    /// Creates the directory (mode 0700: it holds confidential records).
    public func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
