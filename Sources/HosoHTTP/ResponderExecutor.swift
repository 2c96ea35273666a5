import Dispatch

/// The executor request handlers start on: Dispatch's threads rather than Swift's
/// cooperative pool, which has one thread per core. A process whose pool is busy with
/// long synchronous work (a report, a test suite running in parallel) still answers
/// other clients, and a slow handler never holds a pool thread others need.
///
/// The benchmarks run the sync loops of hundreds of in-process nodes here too, for the
/// same reason (`SyncClient.start(on:)`).
@available(macOS 15.0, *)
public final class ResponderExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is thread-safe and immutable.
    public static let shared = ResponderExecutor()
    private let queue = DispatchQueue(label: "hoso.http.responders", qos: .userInitiated, attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
