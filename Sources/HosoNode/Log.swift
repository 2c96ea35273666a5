import Foundation
import HosoDomain

/// Structured logs: one logfmt line per event on standard error.
///
/// Callers pass only operational fields (ids, paths, codes, timings); never names,
/// dates of birth or any other field value of a dossier. Request paths are logged
/// without their query string, which can carry search terms.
public struct Log: Sendable {
    /// Minimum level written.
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var name: String { ["debug", "info", "warn", "error"][rawValue] }
    }

    public var level: Level
    public var component: String

    public init(component: String, level: Level = .info) {
        self.component = component
        self.level = level
    }

    /// Writes one event.
    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= self.level else { return }
        var line = "ts=\(Log.timestamp()) level=\(level.name) component=\(component) event=\(Log.quote(event))"
        for (key, value) in fields { line += " \(key)=\(Log.quote(value))" }
        line += "\n"
        Self.write(line)
    }

    /// One `write(2)` per line (lines from several threads stay whole), errors ignored:
    /// `FileHandle.write` traps when the write fails, and a log on a full disk must not
    /// take the node down (found by DiskFullTests). A line that cannot be written is lost.
    static func write(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Foundation.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" && $0 != "=" }) { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func timestamp() -> String {
        FastFormat.timestamp()
    }
}
