import Foundation

/// Runs the built `hoso` executable, for tests of the command line and of real processes.
public enum HosoBinary {
    /// The `hoso` executable next to the test bundle (`.build/<triple>/debug/hoso`).
    public static var path: String {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("hoso"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("hoso"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("hoso"))
        for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) { return url.path }
        return candidates[0].path
    }

    /// The outcome of one run.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `hoso` with arguments and optional standard input; waits for it to exit.
    public static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try runTool(path, arguments, input: input, environment: environment)
    }

    /// Runs `hoso` and returns its standard output; a non-zero exit is an error with its
    /// standard error.
    public static func check(_ arguments: [String], input: String? = nil) throws -> String {
        let result = try run(arguments, input: input)
        guard result.status == 0 else { throw ProcessNodeError("hoso \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        return result.stdout
    }

    /// Runs any program (e.g. `python3` for the browser tests) the same way.
    public static func runTool(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try? inp.fileHandleForWriting.close()
        // Read standard error concurrently, so a chatty program cannot fill one pipe
        // while this side waits on the other.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        while !errData.done { usleep(1_000) }
        let stderr = errData.get()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `hoso` in the background (e.g. `serve`); the caller terminates it.
    public static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// A value one thread writes once and another reads.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ value: Data) { lock.lock(); data = value; finished = true; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
}
