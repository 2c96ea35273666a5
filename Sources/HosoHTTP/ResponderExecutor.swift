import Dispatch

/// The executor request handlers start on: Dispatch's threads rather than Swift's
/// cooperative pool, which has one thread per core. A process whose pool is busy with
/// long synchronous work (a report, a test suite running in parallel) still answers
/// other clients, and a slow handler never holds a pool thread others need.
@available(macOS 15.0, *)
final class ResponderExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is thread-safe and immutable.
    static let shared = ResponderExecutor()
    private let queue = DispatchQueue(label: "hoso.http.responders", qos: .userInitiated, attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
