import Foundation
import HosoDomain
import HosoReplication
import HosoSQLite

/// How a node syncs with its parent (the `sync` part of node.json).
public struct SyncSettings: Codable, Sendable, Equatable {
    /// The parent's base URL (`http://hub.example:8700`).
    public var parent_url: String
    /// This node's credential, `<node id>.<secret>`, issued by `hoso hub enroll`.
    public var credential: String
    /// Run the background loop (false: only `sync now` and tests drive sync).
    public var enabled: Bool = true
    /// Seconds between cycles when nothing happens locally.
    public var interval_seconds: Double = 10
    /// Longest wait between retries while the parent is unreachable.
    public var max_retry_seconds: Double = 300
    /// Changes per push / pull batch.
    public var batch_size: Int = 1_000
    /// Approximate bytes per batch.
    public var batch_bytes: Int = 4 << 20

    public init(parent_url: String, credential: String, enabled: Bool = true, interval_seconds: Double = 10) {
        self.parent_url = parent_url
        self.credential = credential
        self.enabled = enabled
        self.interval_seconds = interval_seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parent_url = try c.decode(String.self, forKey: .parent_url)
        credential = try c.decode(String.self, forKey: .credential)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        interval_seconds = try c.decodeIfPresent(Double.self, forKey: .interval_seconds) ?? 10
        max_retry_seconds = try c.decodeIfPresent(Double.self, forKey: .max_retry_seconds) ?? 300
        batch_size = min(max(try c.decodeIfPresent(Int.self, forKey: .batch_size) ?? 1_000, 1), PushRequest.maximumChanges)
        batch_bytes = min(max(try c.decodeIfPresent(Int.self, forKey: .batch_bytes) ?? (4 << 20), 64 << 10), 6 << 20)
    }

    /// The node id inside the credential.
    public var nodeID: String? {
        let id = credential.split(separator: ".", maxSplits: 1).first.map(String.init)
        return id.flatMap { RecordID.isValid($0) ? $0 : nil }
    }
}

/// What one sync cycle did.
public struct SyncCycleReport: Sendable, Equatable {
    public var push = SyncStepSummary()
    public var pull = SyncStepSummary()
    public var pushBatches = 0
    public var pullBatches = 0

    public init() {}
}

/// This node's sync state as users and admins see it.
public struct SyncStatus: Sendable, Codable, Equatable {
    /// `never` (no successful cycle yet), `ok`, `offline` (the parent is unreachable;
    /// local work is kept and waits), `error` (the parent refused; an admin must act),
    /// `disabled`, or `standalone` (no parent: this node is the hub).
    public var state: String
    public var parent_url: String?
    public var parent_id: String?
    public var parent_name: String?
    public var last_success_at: String?
    public var last_attempt_at: String?
    public var last_error_code: String?
    public var last_error: String?
    /// Local changes not yet acknowledged by the parent.
    public var pending_changes: Int
    /// Own changes the parent refused, waiting in quarantine.
    public var quarantined: Int
    /// Open conflicts in this replica.
    public var open_conflicts: Int
    public var push_checkpoint: Int64
    public var pull_checkpoint: Int64
    public var clock: Int64
}

/// Runs sync cycles against the parent: on a schedule with backoff and jitter, on
/// demand (`sync now`), and soon after local writes.
///
/// `@unchecked Sendable`: `lock` guards `loop`, `running` and `lastDelay`; cycles are
/// serialised by `gate`.
public final class SyncClient: @unchecked Sendable {
    public let store: NodeStore
    public let settings: SyncSettings
    let transport: SyncTransport
    let log: Log
    private let gate = AsyncGate()
    private let wake = WakeSignal()
    private let lock = NSLock()
    private var loop: Task<Void, Never>?
    private var schedule: SyncSchedule<SystemRandomNumberGenerator>

    public init(store: NodeStore, settings: SyncSettings, transport: SyncTransport, log: Log = Log(component: "sync")) {
        self.store = store
        self.settings = settings
        self.transport = transport
        self.log = log
        self.schedule = SyncSchedule(interval: settings.interval_seconds, minimumRetry: 1, maximumRetry: settings.max_retry_seconds,
                                     blockedRetry: max(settings.max_retry_seconds, 600), jitter: 0.2, random: SystemRandomNumberGenerator())
        let wake = self.wake
        store.changes.observe { wake.signal() }
    }

    // MARK: One cycle

    /// Runs one whole cycle now — handshake, push until the parent has everything, pull
    /// until this node has everything — and records its outcome.
    @discardableResult
    public func syncOnce() async throws -> SyncCycleReport {
        try await gate.run {
            do {
                var report = try await self.cycle()
                // Handoff steps this node now owes (prepare, deliver) go out at once.
                for _ in 0..<3 {
                    guard try self.store.advanceHandoffs() > 0 else { break }
                    let more = try await self.cycle()
                    report.push.sent += more.push.sent
                    report.pull.received += more.pull.received
                }
                try? self.store.recordSyncOutcome(error: nil)
                let m = self.store.metrics
                m.add("hoso_sync_cycles_total", ["result": "ok"])
                m.add("hoso_sync_batches_total", ["direction": "push", "side": "child"], Double(report.pushBatches))
                m.add("hoso_sync_batches_total", ["direction": "pull", "side": "child"], Double(report.pullBatches))
                m.add("hoso_sync_rows_applied_total", ["side": "child"], Double(report.pull.applied))
                m.add("hoso_sync_conflicts_total", ["side": "child"], Double(report.push.conflicts + report.pull.conflicts))
                m.add("hoso_sync_rejections_total", ["side": "child"], Double(report.push.rejected))
                return report
            } catch {
                let syncError = Self.syncError(error)
                try? self.store.recordSyncOutcome(error: syncError)
                self.store.metrics.add("hoso_sync_cycles_total", ["result": syncError.isRetryable ? "offline" : "error"])
                throw syncError
            }
        }
    }

    private func cycle() async throws -> SyncCycleReport {
        var report = SyncCycleReport()
        try store.recordAttempt()
        let hello = try await call("/sync/v1/hello", Array(HelloRequest(envelope: try store.syncEnvelope(), pullCheckpoint: try store.pullCheckpoint(),
                                                                        pushMarks: try store.recentPushMarks(), status: try? store.statusReport(settings: settings)).jsonValue.jsonString().utf8),
                                   HelloResponse.init(json:))
        try store.acceptParent(hello)
        let parent = hello.parentID

        var checkpoint = hello.pushCheckpoint
        var gaps = 0
        while true {
            let (changes, toSeq, continues) = try store.pushBatch(after: checkpoint, limit: settings.batch_size, maxBytes: settings.batch_bytes)
            if changes.isEmpty && toSeq <= checkpoint { break }
            let batchID = try store.preparePush(toSeq: toSeq)
            let request = PushRequest(envelope: try store.syncEnvelope(), fromSeq: checkpoint, toSeq: toSeq, changes: changes,
                                      continues: continues, batchID: batchID)
            let response: PushResponse
            do {
                response = try await call("/sync/v1/push", request.jsonBytes, PushResponse.init(json:))
            } catch let error as SyncError where error.code == .checkpointGap && gaps < 3 {
                gaps += 1
                checkpoint = error.checkpoint ?? 0
                continue
            }
            let summary = try store.applyPushResults(sent: changes, response: response, from: parent)
            report.pushBatches += 1
            report.push.sent += summary.sent
            report.push.applied += summary.applied
            report.push.duplicates += summary.duplicates
            report.push.conflicts += summary.conflicts
            report.push.rejected += summary.rejected
            guard response.checkpoint > checkpoint else { break }
            checkpoint = response.checkpoint
        }

        var since = try store.pullCheckpoint()
        while true {
            let request = PullRequest(envelope: try store.syncEnvelope(), since: since, limit: Int64(settings.batch_size), maxBytes: Int64(settings.batch_bytes))
            let response = try await call("/sync/v1/pull", Array(request.jsonValue.jsonString().utf8), PullResponse.init(json:))
            let summary = try store.applyPull(response, from: parent)
            report.pullBatches += 1
            report.pull.received += summary.received
            report.pull.applied += summary.applied
            report.pull.duplicates += summary.duplicates
            report.pull.conflicts += summary.conflicts
            if response.complete || response.next <= since { break }
            since = response.next
        }
        if report.push.sent + report.pull.received > 0 {
            log.info("sync_cycle", ["pushed": String(report.push.sent), "rejected": String(report.push.rejected),
                                    "conflicts": String(report.push.conflicts + report.pull.conflicts), "pulled": String(report.pull.received),
                                    "batches": String(report.pushBatches + report.pullBatches)])
        }
        return report
    }

    /// One exchange: encodes, sends, maps the answer to the response type or a `SyncError`.
    private func call<T>(_ path: String, _ body: [UInt8], _ decode: (JSONValue) throws(MalformedMessage) -> T) async throws -> T {
        let (status, bytes) = try await transport.exchange(path: path, body: body, credential: settings.credential)
        let json = try? JSONValue.parse(utf8: bytes)
        guard status == 200 else {
            let error = json?["error"]
            let code = error?["code"].stringValue.flatMap(SyncError.Code.init(rawValue:))
                ?? (status >= 500 ? .unavailable : .malformed)
            throw SyncError(code, error?["message"].stringValue ?? Self.foreignAnswer(status, bytes),
                            checkpoint: error?["checkpoint"].numberValue.flatMap { Int64(exactly: $0) })
        }
        guard let json else { throw SyncError(.transport, "The parent's answer to \(path) is not JSON (truncated?).") }
        do { return try decode(json) } catch {
            throw SyncError(.transport, "The parent's answer to \(path) is malformed: \(error)")
        }
    }

    /// What to say about an error answer that is not the protocol's JSON: it came from
    /// something else at the parent's address (a proxy, another web server), so show
    /// its title or first line.
    static func foreignAnswer(_ status: Int, _ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(2_048), as: UTF8.self)
        var summary = text
        if let open = text.range(of: "<title>", options: .caseInsensitive),
           let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) {
            summary = String(text[open.upperBound..<close.lowerBound])
        }
        summary = summary.split(whereSeparator: \.isNewline).first.map { String($0.prefix(160)) } ?? ""
        return "The parent's address answered HTTP \(status) without a sync error" + (summary.isEmpty ? "" : " (\"\(summary)\")")
            + ": check sync.parent_url, and that a proxy in front of the parent passes /sync/ to hoso."
    }

    // MARK: The loop

    /// Starts the background loop (idempotent). Does nothing when sync is disabled.
    public func start() {
        lock.lock(); defer { lock.unlock() }
        guard settings.enabled, loop == nil else { return }
        loop = Task.detached { [weak self] in await self?.run() }
    }

    /// Starts the background loop on `executor` rather than the cooperative pool. A
    /// cycle's writes block their thread until fsync: a process running hundreds of
    /// nodes (the benchmarks) would otherwise queue them all on one pool thread per core.
    @available(macOS 15.0, *)
    public func start(on executor: any TaskExecutor) {
        lock.lock(); defer { lock.unlock() }
        guard settings.enabled, loop == nil else { return }
        loop = Task.detached(executorPreference: executor) { [weak self] in await self?.run() }
    }

    /// Stops the loop and waits for a running cycle to end.
    public func stop() async {
        let task: Task<Void, Never>? = {
            lock.lock(); defer { lock.unlock() }
            let t = loop
            loop = nil
            return t
        }()
        task?.cancel()
        wake.signal()
        await task?.value
    }

    /// Asks for a cycle as soon as the schedule allows (`sync now`).
    public func trigger() { wake.signal() }

    private func run() async {
        var delay = 0.0
        var lastEnd = ContinuousClock.now
        while !Task.isCancelled {
            let woke = await wake.wait(seconds: delay)
            if Task.isCancelled { break }
            if woke {
                // A trigger: honour the backoff after failures, otherwise go now.
                let elapsed = Self.seconds(ContinuousClock.now - lastEnd)
                let remaining = lock.withLock { schedule.delayForTrigger(elapsed: elapsed, scheduled: delay) }
                if remaining > 0 {
                    delay = remaining
                    lastEnd = ContinuousClock.now
                    continue
                }
            }
            let outcome: SyncSchedule<SystemRandomNumberGenerator>.Outcome
            do {
                try await syncOnce()
                outcome = .success
            } catch {
                let syncError = Self.syncError(error)
                outcome = .failure(retryable: syncError.isRetryable)
                log.warning("sync_failed", ["code": syncError.code.rawValue, "retryable": String(syncError.isRetryable)])
            }
            delay = lock.withLock { schedule.record(outcome) }
            lastEnd = ContinuousClock.now
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// An async mutex: one holder at a time, waiters resumed in order.
///
/// `@unchecked Sendable`: `lock` guards `busy` and `waiters`.
final class AsyncGate: @unchecked Sendable {
    private let lock = NSLock()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if busy {
                waiters.append(continuation)
                lock.unlock()
            } else {
                busy = true
                lock.unlock()
                continuation.resume()
            }
        }
    }

    private func release() {
        lock.lock()
        if waiters.isEmpty {
            busy = false
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}

/// A wake-up flag with a timed wait: `signal` ends the current (or next) wait early.
///
/// `@unchecked Sendable`: `lock` guards `pending` and `waiter`.
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: CheckedContinuation<Bool, Never>?
    private var generation = 0

    func signal() {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume(returning: true)
        } else {
            pending = true
            lock.unlock()
        }
    }

    /// Waits up to `seconds`; true if signalled, false on timeout.
    func wait(seconds: Double) async -> Bool {
        guard let mine = beginWait() else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                lock.lock()
                if pending {
                    pending = false
                    lock.unlock()
                    continuation.resume(returning: true)
                    return
                }
                waiter = continuation
                lock.unlock()
                Task.detached { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                    self?.timeout(mine)
                }
            }
        } onCancel: {
            self.timeout(nil)
        }
    }

    /// Consumes a pending signal (nil) or starts a new wait generation.
    private func beginWait() -> Int? {
        lock.lock(); defer { lock.unlock() }
        if pending { pending = false; return nil }
        generation += 1
        return generation
    }

    private func timeout(_ generation: Int?) {
        lock.lock()
        guard let waiter, generation == nil || generation == self.generation else { lock.unlock(); return }
        self.waiter = nil
        lock.unlock()
        waiter.resume(returning: false)
    }
}

extension SyncClient {
    /// A failure of a cycle as a sync error: this node's own full disk says so (and is
    /// retried) rather than passing for an internal error.
    static func syncError(_ error: Error) -> SyncError {
        switch error {
        case let e as SyncError: e
        case let e as SQLiteError where e.isDiskFull: SyncError(.diskFull, "This node's disk is full; nothing more was stored. Free some space.")
        default: SyncError(.internal, "\(error)")
        }
    }
}
