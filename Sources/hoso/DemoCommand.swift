import Dispatch
import Foundation
import HosoDomain
import HosoHTTP
import HosoNode

extension Commands {
    static let demo = Command(
        "demo", abstract: "Start a demo province — a hub and three nodes, each its own process — with sample data, and print the URLs and logins.",
        discussion: """
            Data goes to --data (default: ./demo-data, reused on the next run): hub/ (Sở Nội vụ), stc/ (Sở Tài chính), \
            sgd/ (Sở Giáo dục và Đào tạo) and xma/ (UBND xã Mỹ An). Each node syncs with the hub over HTTP on loopback \
            and keeps working if the hub stops. Logs are in each member's hoso.log. Stop with Ctrl-C.
            """,
        options: [
            .option("data", "dir", help: "Root directory of the demo province.", default: "./demo-data"),
            .option("port", "port", help: "The hub's TCP port; the nodes use the next ones.", default: "8700"),
            .option("dossiers", "count", help: "Sample dossiers to create on first run.", default: "120"),
            .flag("no-serve", help: "Create the data and exit (for scripts)."),
        ]) { o in
        let root = (o.value("data")! as NSString).standardizingPath
        guard let port = Int(o.value("port")!), (1...65_000).contains(port) else { throw UsageError(message: "--port must be 1-65000", command: "demo") }
        guard let count = Int(o.value("dossiers")!), (0...100_000).contains(count) else { throw UsageError(message: "--dossiers must be 0-100000", command: "demo") }
        if DataDirectory(root).isInitialised {
            throw UsageError(message: "\(root) holds a single node from an older demo; remove it or choose another --data", command: "demo")
        }
        if !DemoProvince.exists(at: root) {
            if FileManager.default.fileExists(atPath: root + "/hub") {
                throw UsageError(message: "\(root) holds an incomplete demo; remove it and run again", command: "demo")
            }
            print("Creating the demo province in \(root) (\(count) dossiers) ...")
            try DemoProvince.create(at: root, basePort: port, dossiers: count)
        }
        if o.flag("no-serve") { return 0 }

        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var processes: [(DemoProvince.Member, Process, Int)] = []
        func stopAll() {
            for (_, process, _) in processes where process.isRunning { process.terminate() }
            let deadline = Date().addingTimeInterval(5)
            while processes.contains(where: { $0.1.isRunning }) && Date() < deadline { usleep(50_000) }
            for (_, process, _) in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        for member in DemoProvince.members {
            let directory = member.directory(in: root)
            let configuration = try directory.loadConfiguration()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["serve", "--data", directory.path]
            FileManager.default.createFile(atPath: directory.path + "/hoso.log", contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path + "/hoso.log"))
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            do { try process.run() } catch { stopAll(); throw error }
            processes.append((member, process, configuration.port))
        }
        for (member, process, memberPort) in processes {
            guard waitUntilServing(port: memberPort, process: process) else {
                stopAll()
                throw DemoError("\(member.name) did not start; see \(member.directory(in: root).path)/hoso.log")
            }
        }
        let synced = waitForFirstSync(root: root, nodes: DemoProvince.members.count - 1)
        var lines = ["", "hoso demo is running: a province of \(processes.count) processes on this machine."]
        for (member, process, memberPort) in processes {
            lines.append("  \(member.name.padding(toLength: 34, withPad: " ", startingAt: 0)) http://127.0.0.1:\(memberPort)/   (pid \(process.processIdentifier))")
            lines.append("      " + (member.unitCode.map { "serves \($0), syncs with the hub; " } ?? "the hub: the whole province; ") + "logins: " + member.accounts.joined(separator: ", "))
        }
        lines += [
            "  Every demo account's password is \(DemoSeeder.demoPassword).",
            synced ? "  All nodes completed their first sync." : "  (The nodes are still completing their first sync; see each hoso.log.)",
            "  Try: curl -s -X POST http://127.0.0.1:\(port + 1)/api/session -H 'Content-Type: application/json' \\",
            "         -d '{\"username\":\"tccb.stc\",\"password\":\"\(DemoSeeder.demoPassword)\"}'",
            "  Sync status of each node: GET /api/sync/status; of all nodes at the hub: GET /api/sync/nodes (admin).",
            "  Stop the hub's process to see the nodes keep working offline; they catch up when it returns.",
            "Stop with Ctrl-C.",
        ]
        print(lines.joined(separator: "\n"))
        fflush(nil)
        let watcher = DispatchSource.makeTimerSource(queue: .global())
        watcher.schedule(deadline: .now() + 2, repeating: 2)
        nonisolated(unsafe) var reported = Set<String>()
        watcher.setEventHandler {
            for (member, process, _) in processes where !process.isRunning && !reported.contains(member.key) {
                reported.insert(member.key)
                FileHandle.standardError.write(Data("warning: \(member.name) exited (status \(process.terminationStatus)); see its hoso.log\n".utf8))
            }
        }
        watcher.resume()
        waitForTermination()
        watcher.cancel()
        print("Stopping ...")
        stopAll()
        return 0
    }

    /// Polls `/healthz` until the member answers (or its process exits).
    static func waitUntilServing(port: Int, process: Process, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && process.isRunning {
            if let url = URL(string: "http://127.0.0.1:\(port)/healthz"),
               (try? HTTPClient(idleTimeout: 1, totalTimeout: 2).sendBlocking(method: "GET", url: url))?.status == 200 {
                return true
            }
            usleep(100_000)
        }
        return false
    }

    /// Waits until the hub has seen every node pull at least once.
    static func waitForFirstSync(root: String, nodes: Int, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let hub = try? NodeStore(path: DemoProvince.members[0].directory(in: root).databasePath),
               let children = try? hub.children(), children.filter({ $0.last_pull_at != nil && $0.lag_down == 0 }).count >= nodes {
                return true
            }
            usleep(250_000)
        }
        return false
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
