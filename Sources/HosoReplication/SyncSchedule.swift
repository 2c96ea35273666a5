/// When the next sync cycle runs: a pure state machine over outcomes, so the backoff
/// rules are tested without sockets or sleeps (style.md: protocol logic as pure state
/// machines).
///
/// - After a success: the regular interval, with ±`jitter` so that hundreds of nodes
///   restarted together do not poll the hub in lock-step.
/// - After a retryable failure: exponential backoff from `minimumRetry`, doubling per
///   consecutive failure up to `maximumRetry`, also jittered. A hub down for hours is
///   polled at most every `maximumRetry`.
/// - After a failure that retrying cannot fix (identity conflict, wrong credential):
///   `blockedRetry`, long, until an administrator acts.
/// - A trigger (`sync now`, a local write) asks for an immediate cycle, but never
///   during backoff sooner than `minimumRetry` after the last failure.
public struct SyncSchedule<Random: RandomNumberGenerator>: Sendable where Random: Sendable {
    /// The outcome of one sync cycle.
    public enum Outcome: Sendable, Equatable {
        case success
        case failure(retryable: Bool)
    }

    /// The regular polling interval, seconds.
    public var interval: Double
    /// First retry delay after a failure, seconds.
    public var minimumRetry: Double
    /// Longest retry delay, seconds.
    public var maximumRetry: Double
    /// Delay after a non-retryable failure, seconds.
    public var blockedRetry: Double
    /// Relative jitter, 0...1 (0.2 = ±20 %).
    public var jitter: Double

    /// Consecutive failures so far.
    public private(set) var consecutiveFailures = 0
    /// Whether the last failure was non-retryable.
    public private(set) var isBlocked = false
    private var random: Random

    public init(interval: Double = 10, minimumRetry: Double = 1, maximumRetry: Double = 300, blockedRetry: Double = 600,
                jitter: Double = 0.2, random: Random) {
        self.interval = interval
        self.minimumRetry = minimumRetry
        self.maximumRetry = maximumRetry
        self.blockedRetry = blockedRetry
        self.jitter = jitter
        self.random = random
    }

    /// Records the outcome of a cycle and returns how long to wait before the next one.
    public mutating func record(_ outcome: Outcome) -> Double {
        switch outcome {
        case .success:
            consecutiveFailures = 0
            isBlocked = false
            return jittered(interval)
        case .failure(retryable: true):
            consecutiveFailures += 1
            isBlocked = false
            let exponent = min(consecutiveFailures - 1, 30)
            return jittered(min(maximumRetry, minimumRetry * Double(1 << exponent)))
        case .failure(retryable: false):
            consecutiveFailures += 1
            isBlocked = true
            return jittered(blockedRetry)
        }
    }

    /// How long a trigger must still wait, given the time since the last cycle ended and
    /// the delay that cycle chose: 0 after a success, the remainder of `minimumRetry`
    /// while backing off, and the full delay while blocked.
    public func delayForTrigger(elapsed: Double, scheduled: Double) -> Double {
        if isBlocked { return max(0, scheduled - elapsed) }
        if consecutiveFailures == 0 { return 0 }
        return max(0, min(scheduled, minimumRetry) - elapsed)
    }

    private mutating func jittered(_ seconds: Double) -> Double {
        guard jitter > 0 else { return seconds }
        let unit = Double(random.next() >> 11) / Double(1 << 53)   // uniform in [0, 1)
        return max(0, seconds * (1 + jitter * (2 * unit - 1)))
    }
}
