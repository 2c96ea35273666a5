import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HosoDomain

/// A `hoso serve` process on a loopback port, for multi-process tests: started, killed
/// with SIGKILL, restarted, and talked to over real HTTP.
public final class ProcessNode: @unchecked Sendable {
    // @unchecked: `child` is guarded by `lock`.
    public let name: String
    public let directory: String
    public let port: Int
    private let lock = NSLock()
    private var child: ChildProcess?
    let session: URLSession

    public init(name: String, directory: String, port: Int) {
        self.name = name
        self.directory = directory
        self.port = port
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 20
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit { if let child, child.isRunning { child.signal(SIGKILL); child.wait() } }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A free TCP port on loopback (bound and released; a small race is acceptable in tests).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `hoso serve` and waits until it answers `/healthz`.
    public func start(extra: [String] = []) async throws {
        let log = directory + "/test.log"
        let child = try ChildProcess.spawn(HosoBinary.path, ["serve", "--data", directory, "--port", String(port)] + extra, output: log)
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
            child.signal(SIGKILL)
            child.wait()
        }
    }

    /// One HTTP request; returns the status and the JSON body (`.null` if none).
    public func request(_ method: String, _ path: String, json: JSONValue? = nil, token: String? = nil) async throws -> (status: Int, json: JSONValue) {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        // A fresh connection each time: a process killed mid-request is an error at once
        // (see HTTPSyncTransport for what URLSession does on a reused connection).
        request.setValue("close", forHTTPHeaderField: "Connection")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.jsonString().utf8)
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONValue.parse(utf8: Array(data))) ?? .null)
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
