import Foundation
import HosoHTTP

/// The repository this test build comes from (for the files under `deploy/`).
public enum HosoRepository {
    /// `Sources/HosoTestSupport/NginxProxy.swift` → the repository root.
    public static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs one of the shipped shell scripts (`deploy/...`) with `sh`.
    public static func script(_ relativePath: String, _ arguments: [String], environment: [String: String] = [:]) throws -> HosoBinary.Result {
        try HosoBinary.runTool("/bin/sh", [path + "/" + relativePath] + arguments, environment: environment)
    }
}

/// A throwaway certificate authority made by the shipped `deploy/tls/hoso-ca` script
/// (openssl), as a province's IT staff would make one.
public struct LocalCA: Sendable {
    public let directory: String

    /// Creates the CA in `directory`.
    public init(directory: String) throws {
        self.directory = directory
        try Self.run(["init", directory])
    }

    /// The CA certificate nodes trust (`sync.ca_file`).
    public var certificate: String { directory + "/ca.crt" }

    /// Issues a server certificate for `name` (and `alternatives`); returns (certificate, key).
    public func server(_ name: String, _ alternatives: [String] = []) throws -> (certificate: String, key: String) {
        try Self.run(["server", directory, name] + alternatives)
        return (directory + "/\(name).crt", directory + "/\(name).key")
    }

    /// Issues a client certificate for a node; returns (certificate, key).
    public func client(_ name: String) throws -> (certificate: String, key: String) {
        try Self.run(["client", directory, name])
        return (directory + "/\(name).crt", directory + "/\(name).key")
    }

    static func run(_ arguments: [String]) throws {
        let result = try HosoRepository.script("deploy/tls/hoso-ca", arguments)
        guard result.status == 0 else { throw ProcessNodeError("hoso-ca \(arguments.joined(separator: " ")): \(result.stderr)") }
    }
}

/// nginx as the TLS terminator in front of a hoso process, configured from the shipped
/// template (`deploy/nginx/hoso-hub.conf.in` rendered by `deploy/nginx/render-hub-conf`)
/// inside a minimal main configuration of its own (pid, logs and temporary files in
/// `directory`, in the foreground), so the test exercises the file a province installs.
public final class NginxProxy: @unchecked Sendable {
    // @unchecked: `child` is guarded by `lock`; the rest is immutable.
    public let directory: String
    /// The TLS port on loopback.
    public let port: Int
    let upstreamPort: Int
    private let lock = NSLock()
    private var child: ChildProcess?

    /// The nginx executable: on the PATH or in the sbin directories, which are often
    /// not on a non-root user's PATH. nil when nginx is not installed.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"]
        return directories.map { $0 + "/nginx" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(directory: String, upstreamPort: Int, port: Int = ProcessNode.freePort()) throws {
        self.directory = directory
        self.upstreamPort = upstreamPort
        self.port = port
        for sub in ["", "/tmp", "/logs"] {
            try FileManager.default.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
        }
    }

    deinit { stop() }

    /// Renders the shipped site with `arguments` added to the test's own (log directory,
    /// upstream, listen address) and writes the main configuration around it. Returns
    /// the path of the main configuration.
    @discardableResult
    public func render(serverName: String = "localhost", certificate: String, key: String, clientCA: String? = nil,
                       listen: String? = nil, httpListen: String = "none", extra: [String] = []) throws -> String {
        var arguments = ["--server-name", serverName, "--cert", certificate, "--key", key,
                         "--listen", listen ?? "127.0.0.1:\(port)", "--upstream", "127.0.0.1:\(upstreamPort)",
                         "--http-listen", httpListen, "--log-dir", directory + "/logs"] + extra
        if let clientCA { arguments += ["--client-ca", clientCA] }
        let rendered = try HosoRepository.script("deploy/nginx/render-hub-conf", arguments)
        guard rendered.status == 0 else { throw ProcessNodeError("render-hub-conf: \(rendered.stderr)") }
        try rendered.stdout.write(toFile: directory + "/hoso-hub.conf", atomically: true, encoding: .utf8)
        // As root nginx would switch its workers to `nobody`, who cannot read the test's
        // files; they run as the test's user instead.
        let user = getuid() == 0 ? "user root root;\n" : ""
        let temp = directory + "/tmp"
        let main = """
            \(user)daemon off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            events { worker_connections 256; }
            http {
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                include \(directory)/hoso-hub.conf;
            }

            """
        try main.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        return directory + "/nginx.conf"
    }

    /// `nginx -t` on the rendered configuration: (exit status, nginx's report).
    public func test() throws -> (status: Int32, output: String) {
        guard let nginx = Self.executable else { throw ProcessNodeError("nginx is not installed") }
        let result = try HosoBinary.runTool(nginx, ["-t", "-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/logs/error.log"])
        return (result.status, result.stdout + result.stderr)
    }

    /// Starts nginx on the rendered configuration and waits until it serves `/healthz`
    /// of the upstream over TLS, trusting `caFile`.
    public func start(caFile: String) async throws {
        guard let nginx = Self.executable else { throw ProcessNodeError("nginx is not installed") }
        let process = try ChildProcess.spawn(nginx, ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/logs/error.log"],
                                             output: directory + "/logs/stdout.log")
        lock.withLock { child = process }
        let client = HTTPClient(idleTimeout: 2, totalTimeout: 4, tls: try TLSClientContext(TLSClientOptions(caFile: caFile)))
        for _ in 0..<100 {
            if (try? await client.send(method: "GET", url: URL(string: "https://localhost:\(port)/healthz")!).status) == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let log = (try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? ""
        throw ProcessNodeError("nginx did not serve https://localhost:\(port)/healthz: \(log.suffix(2_000))")
    }

    /// Stops nginx (SIGTERM: fast shutdown) and waits.
    public func stop() {
        guard let process = lock.withLock({ child }), process.isRunning else { return }
        process.signal(SIGTERM)
        if !process.wait(seconds: 10) {
            process.signal(SIGKILL)
            process.wait()
        }
    }
}
