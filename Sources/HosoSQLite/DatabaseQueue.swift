import Dispatch
import Foundation

/// A database file reached through one connection on one serial queue.
///
/// `@unchecked Sendable`: the connection is only touched inside `queue.sync`, so at
/// most one thread uses it at a time. Async callers hop onto the queue with
/// `withCheckedContinuation`, so they never block a cooperative-pool thread for long
/// while waiting for a previous writer.
public final class DatabaseQueue: @unchecked Sendable {
    private let queue: DispatchQueue
    private let connection: Connection
    /// The database file path.
    public let path: String
    /// Read-only connections for long reads that must not hold up the queue (nil for an
    /// in-memory database, which other connections cannot see).
    public let readers: ReaderPool?

    /// Opens the database at `path` (WAL, synchronous=NORMAL, foreign_keys=ON).
    public init(path: String, label: String = "hoso.db") throws {
        self.path = path
        self.connection = try Connection(path: path)
        self.queue = DispatchQueue(label: label)
        self.readers = path == ":memory:" ? nil : ReaderPool(path: path)
    }

    /// Runs `body` in a read transaction on a reader connection of its own (a snapshot
    /// that does not block the queue), or on the queue for an in-memory database.
    public func snapshotRead<T>(_ body: (Connection) throws -> T) throws -> T {
        guard let readers else { return try read(body) }
        return try readers.read(body)
    }

    /// Runs `body` on the database's queue, outside of any transaction.
    public func inDatabase<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try body(connection) }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction; any throw rolls everything back.
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try connection.transaction { try body(connection) } }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction that is durable when it returns
    /// (`synchronous = FULL`: the WAL is fsynced at commit, so a power loss cannot undo
    /// it), with foreign-key enforcement off for its duration.
    ///
    /// Replication uses it to apply rows received from another node: the sender has
    /// already enforced references, rows may arrive before the rows they reference
    /// (the log orders rows by their latest version), and an acknowledged batch must
    /// survive a crash. `PRAGMA foreign_key_check` holds again once sync settles.
    public func durableWrite<T>(foreignKeys: Bool = false, _ body: (Connection) throws -> T) throws -> T {
        try queue.sync {
            try connection.execute("PRAGMA synchronous = FULL")
            if !foreignKeys { try connection.execute("PRAGMA foreign_keys = OFF") }
            defer {
                try? connection.execute("PRAGMA foreign_keys = ON")
                try? connection.execute("PRAGMA synchronous = NORMAL")
            }
            return try connection.transaction { try body(connection) }
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try connection.readTransaction { try body(connection) } }
    }

    /// Async variant of `write`: suspends instead of blocking the caller's thread.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.connection.transaction { try body(self.connection) } })
            }
        }
    }

    /// Async variant of `read`.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.connection.readTransaction { try body(self.connection) } })
            }
        }
    }
}
