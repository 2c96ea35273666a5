import Foundation
import HosoReplication

/// Wraps a node's sync transport and counts the exchanges it makes, by endpoint, and their
/// bytes, so the
/// polling benchmark divides the hub's CPU by the cycles and requests that really
/// happened rather than by how many the schedule should have produced.
///
/// An exchange is not cancelled with the task that awaits it: it runs in a task of its
/// own. FoundationNetworking deadlocks when a task awaiting `URLSession.data(for:)` is
/// cancelled while that transfer completes (the cancellation handler, run under the
/// task's status lock, waits for the session's queue, whose thread waits for that lock
/// to resume the task; swiftlang/swift-corelibs-foundation#5412, still seen with Swift
/// 6.3.1): `SyncClient.stop()` of 200 polling nodes hung the full suite so.
/// Here the request runs to its end and `stop()` waits for it.
///
/// `@unchecked Sendable`: `lock` guards `counts`.
final class CountingTransport: SyncTransport, @unchecked Sendable {
    private let inner: SyncTransport
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var sent = 0, received = 0

    init(_ inner: SyncTransport) { self.inner = inner }

    func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8]) {
        let inner = self.inner
        let answer = try await Task { try await inner.exchange(path: path, body: body, credential: credential) }.value
        lock.withLock {
            counts[path, default: 0] += 1
            sent += body.count
            received += answer.body.count
        }
        return answer
    }

    /// Bytes of the request and answer bodies so far (HTTP heads not counted).
    var bytes: (sent: Int, received: Int) { lock.withLock { (sent, received) } }

    /// Exchanges answered so far: all of them, and the handshakes (one per sync cycle).
    var totals: (requests: Int, cycles: Int) {
        lock.withLock { (counts.values.reduce(0, +), counts["/sync/v1/hello"] ?? 0) }
    }
}
