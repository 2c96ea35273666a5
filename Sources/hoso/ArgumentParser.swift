import Foundation

/// A small command-line parser in the style of swift-argument-parser: subcommands,
/// `--option value` / `--option=value`, flags, generated `--help` with OVERVIEW / USAGE /
/// OPTIONS, and usage errors reported as `Error: ...` plus a hint, exit code 64.
struct OptionSpec: Sendable {
    let name: String
    let help: String
    let valueName: String?   // nil for a flag
    let defaultValue: String?
    let required: Bool

    static func option(_ name: String, _ valueName: String, help: String, default value: String? = nil, required: Bool = false) -> OptionSpec {
        OptionSpec(name: name, help: help, valueName: valueName, defaultValue: value, required: required)
    }
    static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, help: help, valueName: nil, defaultValue: nil, required: false)
    }
}

/// A usage mistake: printed with a hint, exit code 64 (EX_USAGE).
struct UsageError: Error {
    let message: String
    let command: String
}

/// Parsed options of one invocation.
struct ParsedOptions {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    func value(_ name: String) -> String? { values[name] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
}

/// One subcommand.
struct Command: Sendable {
    let name: String
    let abstract: String
    let discussion: String?
    let options: [OptionSpec]
    let run: @Sendable (ParsedOptions) throws -> Int32
    /// For a command group (`hoso hub ...`): its subcommands.
    let subcommands: [Command]

    init(_ name: String, abstract: String, discussion: String? = nil, options: [OptionSpec], run: @escaping @Sendable (ParsedOptions) throws -> Int32) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.run = run
        self.subcommands = []
    }

    /// A group of subcommands, dispatched like the tool itself.
    init(group name: String, abstract: String, subcommands: [Command]) {
        self.name = name
        self.abstract = abstract
        self.discussion = nil
        self.options = []
        self.run = { _ in 64 }
        self.subcommands = subcommands
    }

    func help(tool: String) -> String {
        var text = "OVERVIEW: \(abstract)\n"
        if let discussion { text += "\n\(discussion)\n" }
        let required = options.filter(\.required).map { "--\($0.name) <\($0.valueName ?? "")>" }
        text += "\nUSAGE: \(tool) \(name)\(required.isEmpty ? "" : " " + required.joined(separator: " ")) [<options>]\n\nOPTIONS:\n"
        for option in options + [.flag("help", help: "Show help information.")] {
            let label = "  --\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "")
            var help = option.help
            if let d = option.defaultValue { help += " (default: \(d))" }
            text += label.padding(toLength: max(label.count + 2, 28), withPad: " ", startingAt: 0) + help + "\n"
        }
        return text
    }

    func parse(_ arguments: [String]) throws -> ParsedOptions? {
        var parsed = ParsedOptions()
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--help" || argument == "-h" { return nil }
            guard argument.hasPrefix("--") else {
                throw UsageError(message: "Unexpected argument '\(argument)'", command: name)
            }
            var key = String(argument.dropFirst(2))
            var inline: String?
            if let eq = key.firstIndex(of: "=") {
                inline = String(key[key.index(after: eq)...])
                key = String(key[..<eq])
            }
            guard let spec = options.first(where: { $0.name == key }) else {
                throw UsageError(message: "Unknown option '--\(key)'", command: name)
            }
            if spec.valueName == nil {
                if inline != nil { throw UsageError(message: "Flag '--\(key)' takes no value", command: name) }
                parsed.flags.insert(key)
            } else if let inline {
                parsed.values[key] = inline
            } else {
                i += 1
                guard i < arguments.count, !arguments[i].hasPrefix("--") else {
                    throw UsageError(message: "Missing value for '--\(key) <\(spec.valueName!)>'", command: name)
                }
                parsed.values[key] = arguments[i]
            }
            i += 1
        }
        for spec in options {
            if parsed.values[spec.name] == nil, let d = spec.defaultValue { parsed.values[spec.name] = d }
            if spec.required && parsed.values[spec.name] == nil {
                throw UsageError(message: "Missing expected argument '--\(spec.name) <\(spec.valueName ?? "")>'", command: name)
            }
        }
        return parsed
    }
}

/// The tool: a list of subcommands and the dispatch.
struct CommandLineTool {
    let name: String
    let abstract: String
    let commands: [Command]

    var help: String {
        var text = "OVERVIEW: \(abstract)\n\nUSAGE: \(name) <subcommand> [<options>]\n\nSUBCOMMANDS:\n"
        for command in commands {
            text += "  " + command.name.padding(toLength: 16, withPad: " ", startingAt: 0) + command.abstract + "\n"
        }
        text += "\n  See '\(name) help <subcommand>' for detailed help.\n"
        return text
    }

    func main(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            FileHandle.standardError.write(Data(help.utf8))
            return 64
        }
        if first == "--help" || first == "-h" { print(help, terminator: ""); return 0 }
        if first == "help" {
            if arguments.count > 1, let command = commands.first(where: { $0.name == arguments[1] }) {
                print(command.help(tool: name), terminator: "")
            } else {
                print(help, terminator: "")
            }
            return 0
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            return usageError(UsageError(message: "Unknown subcommand '\(first)'", command: ""))
        }
        if !command.subcommands.isEmpty {
            return CommandLineTool(name: "\(name) \(command.name)", abstract: command.abstract, commands: command.subcommands)
                .main(Array(arguments.dropFirst()))
        }
        do {
            guard let options = try command.parse(Array(arguments.dropFirst())) else {
                print(command.help(tool: name), terminator: "")
                return 0
            }
            return try command.run(options)
        } catch let error as UsageError {
            return usageError(error)
        } catch {
            FileHandle.standardError.write(Data("Error: \(Self.describe(error))\n".utf8))
            return 1
        }
    }

    func usageError(_ error: UsageError) -> Int32 {
        let hint = error.command.isEmpty ? "Run '\(name) --help' for the list of subcommands." : "Run '\(name) \(error.command) --help' for usage."
        FileHandle.standardError.write(Data("Error: \(error.message)\n\(hint)\n".utf8))
        return 64
    }

    static func describe(_ error: Error) -> String {
        String(describing: error)
    }
}
