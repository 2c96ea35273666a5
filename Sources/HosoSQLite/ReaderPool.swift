import Foundation

/// Read-only connections for long reads (reports): each read holds its own WAL snapshot
/// on its own connection, so it never waits for, and never delays, the writer's queue
/// (https://sqlite.org/wal.html: readers do not block writers and a writer does not
/// block readers).
///
/// `@unchecked Sendable`: `lock` guards `idle` and `open`; a connection is handed to
/// one caller at a time and returned after its read.
public final class ReaderPool: @unchecked Sendable {
    private let path: String
    private let limit: Int
    private let lock = NSCondition()
    private var idle: [Connection] = []
    private var open = 0

    /// Up to `limit` connections to the database at `path`, opened on first use.
    public init(path: String, limit: Int = 3) {
        self.path = path
        self.limit = max(1, limit)
    }

    /// Runs `body` in a read transaction on a connection of the pool, waiting for one if
    /// all are busy.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try acquire()
        defer { release(connection) }
        return try connection.readTransaction { try body(connection) }
    }

    private func acquire() throws -> Connection {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let connection = idle.popLast() { return connection }
            if open < limit {
                open += 1
                do { return try Connection(path: path, readOnly: true) } catch { open -= 1; throw error }
            }
            lock.wait()
        }
    }

    private func release(_ connection: Connection) {
        lock.lock()
        idle.append(connection)
        lock.signal()
        lock.unlock()
    }
}
