import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`, for tests that
/// kill and restart processes many times. Foundation's `Process` is not used for these:
/// its single monitor thread can block in `wait4` on one child and then never reap the
/// others (seen in FaultInjectionTests: a `stop()` waiting forever on a reaped-never
/// zombie). Standard input is /dev/null, output goes to a file, and the signal mask and
/// dispositions are reset. (Descriptors of the test process must be close-on-exec, as
/// the HTTP server's and `FaultProxy`'s are: a socket inherited by a child stays open
/// after its owner closes it.)
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is guarded by `lock`; `pid` is immutable.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `path` with `arguments`, standard output and error appended to `output`.
    public static func spawn(_ path: String, _ arguments: [String], output: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Threads of the test process (Dispatch's) block signals; the child must not inherit that.
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw ProcessNodeError("posix_spawn \(path): \(String(cString: strerror(result)))") }
        return ChildProcess(pid: pid)
    }

    /// Sends a signal (ignored once the child has been reaped).
    public func signal(_ signal: Int32) {
        if lock.withLock({ status == nil }) { kill(pid, signal) }
    }

    /// True until the child has exited (and is reaped here).
    public var isRunning: Bool { reap() == nil }

    /// Waits for the child to exit; returns its wait status.
    @discardableResult
    public func wait() -> Int32 {
        while true {
            if let status = reap() { return status }
            usleep(5_000)
        }
    }

    /// Waits at most `seconds`; true when the child exited.
    public func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if reap() != nil { return true }
            usleep(20_000)
        }
        return false
    }

    private func reap() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) {
            status = raw
            return raw
        }
        return nil
    }
}
