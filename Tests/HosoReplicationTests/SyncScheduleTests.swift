import Testing
@testable import HosoReplication

@Suite struct SyncScheduleTests {
    func schedule(jitter: Double = 0) -> SyncSchedule<SeededGenerator> {
        SyncSchedule(interval: 10, minimumRetry: 1, maximumRetry: 300, blockedRetry: 600, jitter: jitter, random: SeededGenerator(seed: 7))
    }

    @Test func successKeepsTheRegularInterval() {
        var s = schedule()
        #expect(s.record(.success) == 10)
        #expect(s.record(.success) == 10)
        #expect(s.consecutiveFailures == 0)
    }

    @Test func retryableFailuresBackOffExponentiallyUpToTheCap() {
        var s = schedule()
        let delays = (0..<12).map { _ in s.record(.failure(retryable: true)) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        // A hub down for hours: thousands of failures never overflow and stay at the cap.
        for _ in 0..<5_000 { _ = s.record(.failure(retryable: true)) }
        #expect(s.record(.failure(retryable: true)) == 300)
        #expect(s.record(.success) == 10)
        #expect(s.record(.failure(retryable: true)) == 1, "a success resets the backoff")
    }

    @Test func nonRetryableFailuresWaitLongUntilAnAdministratorActs() {
        var s = schedule()
        #expect(s.record(.failure(retryable: false)) == 600)
        #expect(s.isBlocked)
        #expect(s.delayForTrigger(elapsed: 100, scheduled: 600) == 500, "sync now does not hammer a parent that refused us")
    }

    @Test func triggersRunAtOnceUnlessBackingOff() {
        var s = schedule()
        _ = s.record(.success)
        #expect(s.delayForTrigger(elapsed: 0.1, scheduled: 10) == 0)
        _ = s.record(.failure(retryable: true))
        _ = s.record(.failure(retryable: true))
        #expect(s.delayForTrigger(elapsed: 0.25, scheduled: 2) == 0.75)
        #expect(s.delayForTrigger(elapsed: 5, scheduled: 2) == 0)
    }

    @Test func jitterStaysWithinItsBandAndVaries() {
        var s = schedule(jitter: 0.2)
        let delays = (0..<200).map { _ in s.record(.success) }
        #expect(delays.allSatisfy { $0 >= 8 && $0 <= 12 })
        #expect(Set(delays).count > 100)
    }
}
