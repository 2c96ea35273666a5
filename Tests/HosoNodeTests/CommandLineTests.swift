import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// The `hoso` executable as an operator uses it.
@Suite(.serialized) struct CommandLineTests {
    func tempDir() -> String { NSTemporaryDirectory() + "hoso-cli-" + UUID().uuidString }

    @Test func helpAndVersion() throws {
        let help = try HosoBinary.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("OVERVIEW:"))
        #expect(help.stdout.contains("SUBCOMMANDS:"))
        let sub = try HosoBinary.run(["backup", "--help"])
        #expect(sub.stdout.contains("USAGE: hoso backup --data <dir> --output <file>"))
        #expect(sub.stdout.contains("OPTIONS:"))
        #expect(try HosoBinary.run(["version"]).stdout.hasPrefix("hoso "))
    }

    @Test(arguments: [["frobnicate"], ["init"], ["init", "--data"], ["backup", "--data", "/tmp/x", "--bogus", "1"], ["serve", "extra"], []])
    func badUsageExits64(_ arguments: [String]) throws {
        let result = try HosoBinary.run(arguments)
        #expect(result.status == 64)
        if !arguments.isEmpty {
            #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
            #expect(result.stderr.contains("--help"))
        }
    }

    @Test func initAdminBackupRestoreCheck() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let initialised = try HosoBinary.run(["init", "--data", dir, "--name", "Sở Nội vụ", "--unit-code", "DT", "--unit-name", "UBND tỉnh Đồng Tháp"])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(try HosoBinary.run(["init", "--data", dir, "--name", "again"]).status == 64, "refuses to initialise twice")
        let weak = try HosoBinary.run(["admin-create", "--data", dir, "--username", "admin"], input: "short\n")
        #expect(weak.status == 1)
        #expect(weak.stderr.contains("password"))
        let admin = try HosoBinary.run(["admin-create", "--data", dir, "--username", "admin"], input: "quantri2026\n")
        #expect(admin.status == 0, "\(admin.stderr)")

        // A dossier written before the backup survives the restore; one written after does not.
        let store = try NodeStore(path: dir + "/hoso.sqlite")
        let unit = try store.units(.commandLine()).first!.id
        let kept = try store.createDossier(.commandLine(), TestNode.person(name: "Nguyễn Văn Giữ", unit: unit))["id"]!.stringValue!
        let backupFile = dir + "/backup.sqlite"
        let backup = try HosoBinary.run(["backup", "--data", dir, "--output", backupFile])
        #expect(backup.status == 0, "\(backup.stderr)")
        let dropped = try store.createDossier(.commandLine(), TestNode.person(name: "Lê Văn Mất", unit: unit))["id"]!.stringValue!

        // Refuses garbage.
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: dir + "/junk.sqlite"))
        let junk = try HosoBinary.run(["restore", "--data", dir, "--input", dir + "/junk.sqlite"])
        #expect(junk.status == 1)
        #expect(junk.stderr.contains("refusing"))
        // Refuses a corrupted copy of a real backup.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: backupFile))
        for i in 4096..<min(bytes.count, 12288) { bytes[i] = 0x5A }
        try bytes.write(to: URL(fileURLWithPath: dir + "/corrupt.sqlite"))
        #expect(try HosoBinary.run(["restore", "--data", dir, "--input", dir + "/corrupt.sqlite"]).status == 1)

        let restored = try HosoBinary.run(["restore", "--data", dir, "--input", backupFile])
        #expect(restored.status == 0, "\(restored.stderr)")
        let after = try NodeStore(path: dir + "/hoso.sqlite")
        #expect(after.nodeID == store.nodeID)
        #expect((try? after.dossier(.commandLine(), id: kept)) != nil)
        #expect((try? after.dossier(.commandLine(), id: dropped)) == nil)
        #expect(try HosoBinary.run(["check", "--data", dir]).status == 0)
    }

    @Test func restoreRefusesWhileTheNodeServes() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try HosoBinary.run(["init", "--data", dir, "--name", "n", "--port", "0"]).status == 0)
        #expect(try HosoBinary.run(["backup", "--data", dir, "--output", dir + "/b.sqlite"]).status == 0)
        let server = try HosoBinary.start(["serve", "--data", dir, "--port", "0"])
        defer { server.terminate(); server.waitUntilExit() }
        // Wait (generously: the whole suite runs in parallel) until the server holds the lock.
        let lockHeld = { (try? String(contentsOfFile: dir + "/hoso.lock", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == String(server.processIdentifier) }
        for _ in 0..<600 where !lockHeld() { Thread.sleep(forTimeInterval: 0.05) }
        #expect(lockHeld(), "the server took the data directory's lock")
        let result = try HosoBinary.run(["restore", "--data", dir, "--input", dir + "/b.sqlite"])
        let refused = result.status != 0 && result.stderr.contains("another hoso process")
        #expect(refused)
    }
}
