import Foundation

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

    /// The CA certificate nodes trust (installed into their system trust store).
    public var certificate: String { directory + "/ca.crt" }

    /// Issues a server certificate for `name` (and `alternatives`); returns (certificate, key).
    public func server(_ name: String, _ alternatives: [String] = []) throws -> (certificate: String, key: String) {
        try Self.run(["server", directory, name] + alternatives)
        return (directory + "/\(name).crt", directory + "/\(name).key")
    }

    static func run(_ arguments: [String]) throws {
        let result = try HosoRepository.script("deploy/tls/hoso-ca", arguments)
        guard result.status == 0 else { throw ProcessNodeError("hoso-ca \(arguments.joined(separator: " ")): \(result.stderr)") }
    }
}

/// A program on the PATH or in the sbin directories (often not on a non-root user's
/// PATH); nil when it is not installed.
public func installedTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/bin", "/sbin"]
    return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The system trust store as one process sees it, without changing the machine's.
///
/// hoso reaches an `https://` parent through URLSession, which on Linux (the system's
/// libcurl) trusts exactly the system bundle `/etc/ssl/certs/ca-certificates.crt`
/// (`SSL_CERT_FILE`, `CURL_CA_BUNDLE` and the like are ignored). On a real machine the
/// province CA is installed there with `update-ca-certificates`; a test instead runs the
/// node in a private mount namespace where a bundle of its own (the system's plus the
/// test CA, or the system's alone) is bind-mounted over that file. `launcher` is the
/// command prefix doing that: `unshare --mount --propagation private sh -c 'mount --bind
/// "$0" /etc/ssl/certs/ca-certificates.crt && exec "$@"' BUNDLE PROGRAM ARGS...`.
/// Needs root and `unshare` (util-linux).
public struct PrivateTrustStore: Sendable {
    /// The file libcurl (and so URLSession) reads on Debian and Ubuntu.
    public static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// The bundle bind-mounted for the process.
    public let bundle: String

    /// Writes `path`: the system bundle followed by the PEM files `certificates`.
    public init(path: String, adding certificates: [String] = []) throws {
        var text = try String(contentsOfFile: Self.systemBundle, encoding: .utf8)
        for file in certificates {
            if !text.hasSuffix("\n") { text += "\n" }
            text += try String(contentsOfFile: file, encoding: .utf8)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        bundle = path
    }

    /// The command prefix: the program after it sees `bundle` as the system trust store.
    public var launcher: [String] {
        [Self.unshare ?? "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
         "mount --bind \"$0\" \(Self.systemBundle) && exec \"$@\"", bundle]
    }

    /// Runs `hoso` with `arguments` seeing this trust store; waits for it to exit.
    public func runHoso(_ arguments: [String]) throws -> HosoBinary.Result {
        try HosoBinary.runTool(launcher[0], Array(launcher.dropFirst()) + [HosoBinary.path] + arguments)
    }

    static var unshare: String? { installedTool("unshare") }

    /// Why a private trust store cannot be made here (nil: it can): tried once, for real.
    public static let unavailableReason: String? = {
        guard getuid() == 0 else { return "a private mount namespace needs root (the tests run as uid \(getuid()))" }
        guard unshare != nil else { return "unshare (util-linux) is not installed" }
        guard FileManager.default.fileExists(atPath: systemBundle) else { return "\(systemBundle) does not exist (apt-get install ca-certificates)" }
        do {
            let probe = NSTemporaryDirectory() + "hoso-truststore-probe-\(UUID().uuidString).pem"
            defer { try? FileManager.default.removeItem(atPath: probe) }
            let store = try PrivateTrustStore(path: probe)
            try "# hoso probe\n".write(toFile: probe, atomically: false, encoding: .utf8)
            let result = try HosoBinary.runTool(store.launcher[0], Array(store.launcher.dropFirst()) + ["/bin/cat", systemBundle])
            guard result.status == 0, result.stdout == "# hoso probe\n" else {
                return "unshare --mount and mount --bind did not work: exit \(result.status), \(result.stderr)"
            }
        } catch {
            return "cannot try a private mount namespace: \(error)"
        }
        return nil
    }()
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
        installedTool("nginx") ?? ["/usr/local/nginx/sbin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
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
    public func render(serverName: String = "localhost", certificate: String, key: String,
                       listen: String? = nil, httpListen: String = "none", extra: [String] = []) throws -> String {
        let arguments = ["--server-name", serverName, "--cert", certificate, "--key", key,
                         "--listen", listen ?? "127.0.0.1:\(port)", "--upstream", "127.0.0.1:\(upstreamPort)",
                         "--http-listen", httpListen, "--log-dir", directory + "/logs"] + extra
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
    /// of the upstream over TLS, checked with `curl --cacert caFile` (the test process
    /// itself trusts only the system's store).
    public func start(caFile: String) async throws {
        guard let nginx = Self.executable else { throw ProcessNodeError("nginx is not installed") }
        guard let curl = installedTool("curl") else { throw ProcessNodeError("curl is not installed (apt-get install curl)") }
        let process = try ChildProcess.spawn(nginx, ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/logs/error.log"],
                                             output: directory + "/logs/stdout.log")
        lock.withLock { child = process }
        var last = ""
        for _ in 0..<100 {
            let probe = try HosoBinary.runTool(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                                      "--cacert", caFile, "https://localhost:\(port)/healthz"])
            if probe.status == 0, probe.stdout == "200" { return }
            last = probe.stderr
            guard process.isRunning else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let log = (try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? ""
        throw ProcessNodeError("nginx did not serve https://localhost:\(port)/healthz (curl: \(last)): \(log.suffix(2_000))")
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
