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

    /// Opens the database at `path` (WAL, synchronous=NORMAL, foreign_keys=ON).
    public init(path: String, label: String = "hoso.db") throws {
        self.path = path
        self.connection = try Connection(path: path)
        self.queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the database's queue, outside of any transaction.
    public func inDatabase<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try body(connection) }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction; any throw rolls everything back.
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try queue.sync { try connection.transaction { try body(connection) } }
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
