import Foundation
import Synchronization
import HosoDomain
import HosoHTTP

/// A `hoso serve` process on a loopback port, for multi-process tests: started, killed
/// with SIGKILL, restarted, and talked to over real HTTP.
public final class ProcessNode: @unchecked Sendable {
    // @unchecked: `child` is guarded by `lock`.
    public let name: String
    public let directory: String
    public let port: Int
    /// A program and its arguments that `hoso serve` runs under (they end by exec'ing it,
    /// so the process started is the node), e.g. `PrivateTrustStore.launcher`; empty: none.
    public let launcher: [String]
    private let lock = NSLock()
    private var child: ChildProcess?
    /// hoso's own client, not URLSession: on Linux URLSession traps when a process is
    /// killed in the middle of its answer's header, which would end the whole test run.
    let client = HTTPClient(idleTimeout: 20, totalTimeout: 60)

    public init(name: String, directory: String, port: Int, launcher: [String] = []) {
        self.name = name
        self.directory = directory
        self.port = port
        self.launcher = launcher
    }

    deinit { if let child, child.isRunning { child.signal(SIGKILL); child.wait() } }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A free TCP port on loopback for a process to listen on, picked below the kernel's
    /// ephemeral range and never twice in this test process.
    ///
    /// Not `bind(port 0)`: a port the kernel just handed out and took back is handed out
    /// again to the next `bind(0)` or outgoing connection in this busy process (a fault
    /// proxy of another test, a client's source port), and the node started on it later
    /// either fails to bind or, worse, the test talks to that other server. Below the
    /// ephemeral range the kernel never picks ports by itself.
    public static func freePort() -> Int {
        let ephemeralLow = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32_768
        let range = max(1_024, ephemeralLow - 12_000)..<max(2_048, ephemeralLow)
        for _ in 0..<1_000 {
            let port = Int.random(in: range)
            guard portsHandedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
        fatalError("no free port below \(range.upperBound) after 1,000 tries")
    }

    private static let portsHandedOut = Mutex<Set<Int>>([])

    /// Whether a listening socket could bind 127.0.0.1:`port` now (it is released at once).
    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    /// Starts `hoso serve` and waits until it answers `/healthz`.
    public func start(extra: [String] = []) async throws {
        let log = directory + "/test.log"
        let command = launcher + [HosoBinary.path, "serve", "--data", directory, "--port", String(port)] + extra
        let child = try ChildProcess.spawn(command[0], Array(command.dropFirst()), output: log)
        lock.withLock { self.child = child }
        for _ in 0..<200 {
            if (try? await request("GET", "/healthz").status) == 200 { return }
            guard child.isRunning else { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        // A crash report starts with the runtime's message; show from there.
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let crash = ["Fatal error", "💣", "Crash"].compactMap { text.range(of: $0, options: .backwards)?.lowerBound }.min()
        throw ProcessNodeError("\(name) did not start: " + (crash.map { String(text[$0...].prefix(3_000)) } ?? String(text.suffix(2_000))))
    }

    /// The running process's id.
    public var pid: Int32? { lock.withLock { child }.flatMap { $0.isRunning ? $0.pid : nil } }

    /// `kill -9`: no chance to clean up.
    public func kill9() {
        guard let child = lock.withLock({ child }), child.isRunning else { return }
        child.signal(SIGKILL)
        child.wait()
    }

    /// SIGTERM and wait (SIGKILL after 30 s: a test must not hang on a process).
    public func stop() {
        guard let child = lock.withLock({ child }), child.isRunning else { return }
        child.signal(SIGTERM)
        if !child.wait(seconds: 30) {
            print("\(name) ignored SIGTERM for 30 s; killed")
            if ProcessInfo.processInfo.environment["HOSO_DEBUG_HANG"] != nil, let gdb = installedTool("gdb") {
                let trace = try? HosoBinary.runTool(gdb, ["-p", String(child.pid), "-batch", "-ex", "thread apply all bt"])
                print(trace?.stdout ?? "no trace")
            }
            child.signal(SIGKILL)
            child.wait()
        }
    }

    /// One HTTP request; returns the status and the JSON body (`.null` if none).
    public func request(_ method: String, _ path: String, json: JSONValue? = nil, token: String? = nil) async throws -> (status: Int, json: JSONValue) {
        // A fresh connection each time: a process killed mid-request is an error at once.
        var headers = HTTPHeaders()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if json != nil { headers.add(name: "Content-Type", value: "application/json") }
        do {
            let answer = try await client.send(method: method, url: URL(string: baseURL + path)!, headers: headers,
                                               body: json.map { Array($0.jsonString().utf8) } ?? [])
            return (answer.status, (try? JSONValue.parse(utf8: answer.body)) ?? .null)
        } catch {
            // Which node and request, for a failure far from its cause.
            throw ProcessNodeError("\(name) (port \(port), \(pid.map { "pid \($0)" } ?? "not running")) \(method) \(path.split(separator: "?").first ?? ""): \(error)")
        }
    }

    /// Logs in and returns the bearer token, retrying while the account has not arrived yet.
    public func login(_ username: String, password: String, attempts: Int = 100) async throws -> String {
        for _ in 0..<attempts {
            if let answer = try? await request("POST", "/api/session", json: ["username": .string(username), "password": .string(password)]),
               answer.status == 200, let token = answer.json["token"].stringValue {
                return token
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw ProcessNodeError("\(username) cannot log in at \(name)")
    }
}

/// A multi-process test harness failure.
public struct ProcessNodeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass.
public func eventually(seconds: Double = 30, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(nanoseconds: 100_000_000)
    }
    return false
}
