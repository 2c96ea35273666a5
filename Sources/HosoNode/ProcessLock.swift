import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on the data directory's lock file, held while a node serves, so
/// two processes never open one replica as two nodes and `restore` never replaces a
/// database under a running node. The kernel drops the lock when the process dies,
/// even by `kill -9`.
public final class ProcessLock: @unchecked Sendable {
    // @unchecked: `fd` is set once in init and only closed in deinit.
    private let fd: Int32

    /// Takes the lock or throws if another process holds it.
    public init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NodeError(.unavailable, "lock_failed", "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw NodeError(.conflict, "data_dir_in_use", "another hoso process is using this data directory (\(path) is locked)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
