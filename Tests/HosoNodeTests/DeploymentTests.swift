import Foundation
import HosoDomain
import HosoTestSupport
import Testing

/// The operating files under `deploy/`, run as a province's IT staff would run them:
/// the topology scripts set up a province of processes, the backup script backs up a
/// running node and its backup restores into a fresh directory holding the same data,
/// and the systemd units pass `systemd-analyze verify`.
@Suite(.serialized) struct DeploymentTests {
    static func temporaryRoot(_ name: String) -> String { NSTemporaryDirectory() + "hoso-\(name)-" + UUID().uuidString }

    static func cleanUp(_ root: String) {
        if ProcessInfo.processInfo.environment["HOSO_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } else { print("kept \(root)") }
    }

    /// Runs a generated or shipped shell script with `hoso` from this build.
    static func sh(_ script: String, _ arguments: [String] = [], _ environment: [String: String] = [:]) throws -> HosoBinary.Result {
        try HosoBinary.runTool("/bin/sh", [script] + arguments, environment: ["HOSO": HosoBinary.path].merging(environment) { $1 })
    }

    // MARK: Topology

    @Test func theTopologyScriptsSetUpTheSampleProvince() async throws {
        let root = Self.temporaryRoot("topology")
        defer { Self.cleanUp(root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // The sample, on loopback: every machine's port is free here, plain HTTP (the
        // TLS path is HTTPSSyncTests'), quick sync.
        var topology = try #require(try JSONValue.parse(String(contentsOfFile: HosoRepository.path + "/deploy/topology/province.sample.json", encoding: .utf8)).objectValue)
        let hubPort = ProcessNode.freePort()
        var hub = try #require(topology["hub"]?.objectValue)
        hub["url"] = .string("http://127.0.0.1:\(hubPort)")
        hub["port"] = .number(Double(hubPort))
        topology["hub"] = .object(hub)
        var ports: [String: Int] = [:]
        topology["nodes"] = .array(try #require(topology["nodes"]?.arrayValue).map { item in
            var node = item.objectValue ?? [:]
            let key = node["key"]?.stringValue ?? ""
            ports[key] = ProcessNode.freePort()
            node["port"] = .number(Double(ports[key]!))
            node["sync_interval"] = 1
            if node["url"] != nil { node["url"] = .string("http://127.0.0.1:\(ports[key]!)") }
            return .object(node)
        })
        try JSONValue.object(topology).jsonString().write(toFile: root + "/province.json", atomically: true, encoding: .utf8)

        let generated = try HosoBinary.runTool("/usr/bin/env", ["python3", HosoRepository.path + "/deploy/topology/hoso-topology", root + "/province.json", root + "/plan"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("11 units, 6 nodes"), "\(generated.stdout)")
        let issued = root + "/plan/issued"
        func run(_ script: String, _ data: String) throws -> HosoBinary.Result {
            try Self.sh(script, [], ["HOSO_DATA": root + "/" + data, "HOSO_ISSUED": issued])
        }

        // The hub's machine: the hub, every unit, the nodes directly below it.
        let hubRun = try run(root + "/plan/hub.sh", "hub")
        #expect(hubRun.status == 0, "\(hubRun.stderr)")
        for key in ["stc", "sgd", "syt", "pcl", "thapmuoi"] {
            #expect(FileManager.default.fileExists(atPath: issued + "/\(key).sh"), "\(key).sh issued")
            let mode = try FileManager.default.attributesOfItem(atPath: issued + "/\(key).sh")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key).sh holds a credential: mode \(String(mode ?? 0, radix: 8))")
        }
        #expect(!FileManager.default.fileExists(atPath: issued + "/bvdk.sh"), "the hospital is enrolled by its department, not the hub")
        let unitList = try HosoBinary.check(["unit", "list", "--data", root + "/hub"])
        let parents = Dictionary(uniqueKeysWithValues: unitList.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], fields[3])
        })
        #expect(parents.count == 12, "\(unitList)")
        #expect(parents["DT.SYT.BVDK"] == "DT.SYT" && parents["DT.XMA"] == "DT" && parents["DT"] == "")
        _ = try HosoBinary.check(["admin-create", "--data", root + "/hub", "--username", "admin"], input: "matkhau-2026\n")
        let hubNode = ProcessNode(name: "hub", directory: root + "/hub", port: hubPort)
        try await hubNode.start()
        defer { hubNode.stop() }

        // The department of health: its first sync, then it enrols the hospital below it.
        var processes: [String: ProcessNode] = [:]
        defer { processes.values.forEach { $0.stop() } }
        for key in ["stc", "syt"] {
            let result = try run(issued + "/\(key).sh", key)
            #expect(result.status == 0, "\(key): \(result.stderr)")
            let node = ProcessNode(name: key, directory: root + "/" + key, port: ports[key]!)
            try await node.start()
            processes[key] = node
        }
        #expect(FileManager.default.fileExists(atPath: issued + "/bvdk.sh"))
        let hospital = try run(issued + "/bvdk.sh", "bvdk")
        #expect(hospital.status == 0, "\(hospital.stderr)")
        let bvdk = ProcessNode(name: "bvdk", directory: root + "/bvdk", port: ports["bvdk"]!)
        try await bvdk.start()
        processes["bvdk"] = bvdk
        // The other machines: initialised by their scripts; one sync each proves the enrolment.
        for key in ["sgd", "pcl", "thapmuoi"] {
            #expect(try run(issued + "/\(key).sh", key).status == 0)
            let synced = try HosoBinary.run(["sync", "--data", root + "/" + key])
            #expect(synced.status == 0, "\(key): \(synced.stderr)")
        }
        let thapMuoiUnits = try HosoBinary.check(["unit", "list", "--data", root + "/thapmuoi"])
        #expect(thapMuoiUnits.contains("DT.XTM\t") && thapMuoiUnits.contains("DT.XMA\t"), "a former district's node serves both communes")

        // The tree as the hub and the department see it.
        let hubNodes = try JSONValue.parse(try HosoBinary.check(["hub", "nodes", "--data", root + "/hub", "--json"])).arrayValue ?? []
        #expect(Set(hubNodes.compactMap { $0["name"].stringValue }) == ["Sở Tài chính", "Sở Giáo dục và Đào tạo", "Sở Y tế", "UBND phường Cao Lãnh",
                                                                      "Xã Tháp Mười và xã Mỹ An (trụ sở huyện Tháp Mười cũ)"])
        let sytNodes = try JSONValue.parse(try HosoBinary.check(["hub", "nodes", "--data", root + "/syt", "--json"])).arrayValue ?? []
        #expect(sytNodes.compactMap { $0["name"].stringValue } == ["Bệnh viện Đa khoa tỉnh"])

        // A dossier made at the hospital reaches the hub through the department.
        let admin = try await hubNode.login("admin", password: "matkhau-2026")
        let units = try await hubNode.request("GET", "/api/units", token: admin).json.arrayValue ?? []
        let hospitalUnit = try #require(units.first { $0["code"] == "DT.SYT.BVDK" }?["id"].stringValue)
        let user = try await hubNode.request("POST", "/api/users", json: ["username": "tccb.bvdk", "full_name": "Cán bộ tổ chức", "password": "matkhau-2026",
                                                                         "role": "hr", "unit_id": .string(hospitalUnit)], token: admin)
        #expect(user.status == 201, "\(user.json)")
        let hr = try await bvdk.login("tccb.bvdk", password: "matkhau-2026")
        _ = try await bvdk.request("POST", "/api/session/password", json: ["current_password": "matkhau-2026", "new_password": "matkhau-2026-moi"], token: hr)
        let created = try await bvdk.request("POST", "/api/dossiers", json: .object(TestTopology.person("Lý Thị Bảy", unit: hospitalUnit)), token: hr)
        let id = try #require(created.json["id"].stringValue, "\(created.json)")
        #expect(await eventually(seconds: 60) { try await hubNode.request("GET", "/api/dossiers/\(id)", token: admin).status == 200 },
                "bệnh viện → sở y tế → hub")

        // Running the hub's script again changes nothing.
        let again = try run(root + "/plan/hub.sh", "hub")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.components(separatedBy: "already enrolled").count == 6, "\(again.stdout)")
        #expect((try JSONValue.parse(try HosoBinary.check(["hub", "nodes", "--data", root + "/hub", "--json"])).arrayValue ?? []).count == 5)

        // A broken topology is refused with every problem named, and writes nothing.
        var broken = topology
        broken["nodes"] = .array((topology["nodes"]?.arrayValue ?? []) + [["key": "x", "name": "Trùng", "units": ["DT.STC", "DT.KHONG"]]])
        try JSONValue.object(broken).jsonString().write(toFile: root + "/broken.json", atomically: true, encoding: .utf8)
        let refused = try HosoBinary.runTool("/usr/bin/env", ["python3", HosoRepository.path + "/deploy/topology/hoso-topology", root + "/broken.json", root + "/plan2"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("unit DT.STC is already served by node stc") && refused.stderr.contains("unit DT.KHONG is not in the units tree"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/plan2"))
    }

    // MARK: Backup and restore

    @Test func theBackupScriptBacksUpARunningNodeAndTheBackupRestores() async throws {
        let root = Self.temporaryRoot("backup")
        let province = try await ProcessProvince(root: root)
        defer { province.cleanUp() }
        try await province.addUnit("A", name: "Sở A")
        try await province.addUser("hr.a", role: "hr", unit: "A")
        let a = try await province.addNode("A", units: ["A"])
        let newPassword = province.password + "-moi"
        let hr = try await province.firstLogin("hr.a", at: a, newPassword: newPassword)
        var ids: [String] = []
        for i in 1...5 {
            let made = try await a.request("POST", "/api/dossiers", json: .object(TestTopology.person("Người thứ \(i)", unit: province.units["A"]!)), token: hr)
            ids.append(try #require(made.json["id"].stringValue, "\(made.json)"))
        }
        #expect(await eventually { try await a.request("GET", "/api/sync/status", token: hr).json["pending_changes"] == 0 })

        // Older backups: four from 40 days ago, one from two days ago.
        let backups = root + "/backups"
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var old: [String] = []
        for (days, minute) in [(40, 1), (40, 2), (40, 3), (40, 4), (2, 0)] {
            let when = Date().addingTimeInterval(-Double(days) * 86_400 + Double(minute) * 60)
            let name = "hoso-\(format.string(from: when))"
            for suffix in [".sqlite", ".node.json"] {
                try "old".write(toFile: backups + "/" + name + suffix, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: backups + "/" + name + suffix)
            }
            old.append(name)
        }

        // The nightly script, while the node serves.
        let backup = try Self.sh(HosoRepository.path + "/deploy/scripts/hoso-backup", [],
                                 ["HOSO_DATA": a.directory, "HOSO_BACKUP_DIR": backups, "HOSO_BACKUP_KEEP_DAYS": "14", "HOSO_BACKUP_KEEP_MIN": "3"])
        #expect(backup.status == 0, "\(backup.stderr)")
        // What the node held at that moment (sync goes on, but nothing is written).
        let live = try JSONValue.parse(try HosoBinary.check(["check", "--data", a.directory, "--summary", "--json"]))
        #expect(backup.stdout.contains("integrity ok") && backup.stdout.contains("3 kept, 3 older removed"), "\(backup.stdout)")
        let names = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
        let written = try #require(names.filter { $0.hasSuffix(".sqlite") && !old.contains(String($0.dropLast(7))) }.first)
        // Kept: the new set, the one from two days ago and the newest of the old ones.
        let newSet: String = String(written.dropLast(7))
        var expected: Set<String> = []
        for name in [newSet, old[4], old[3]] {
            expected.insert(name + ".sqlite")
            expected.insert(name + ".node.json")
        }
        #expect(Set(names) == expected, "\(names)")
        let mode = try FileManager.default.attributesOfItem(atPath: backups + "/" + written)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Bad settings are refused before anything is written.
        let badSettings = try Self.sh(HosoRepository.path + "/deploy/scripts/hoso-backup", [], ["HOSO_DATA": a.directory, "HOSO_BACKUP_DIR": backups, "HOSO_BACKUP_KEEP_DAYS": "two weeks"])
        #expect(badSettings.status == 64 && badSettings.stderr.contains("whole numbers"), "\(badSettings.stderr)")

        // Written after the backup: must not be in the restored copy.
        let later = try await a.request("POST", "/api/dossiers", json: .object(TestTopology.person("Người sau sao lưu", unit: province.units["A"]!)), token: hr)
        let laterID = try #require(later.json["id"].stringValue)

        // The restore drill: into a fresh directory, checked, served, untouched node.
        let drill = try Self.sh(HosoRepository.path + "/deploy/scripts/hoso-restore-drill", [backups + "/" + written], ["TMPDIR": root])
        #expect(drill.status == 0, "\(drill.stdout)\(drill.stderr)")
        #expect(drill.stdout.contains("content digest \(live["digest"].stringValue ?? "?")"), "\(drill.stdout)")
        #expect(drill.stdout.contains("\"status\":\"ready\"") && drill.stdout.contains("restore drill passed"), "\(drill.stdout)")

        // Restoring on a new machine: the node's configuration from the backup set, then
        // `hoso restore` into the empty directory, `hoso check`, and the same data.
        let fresh = ProcessNode(name: "restored", directory: root + "/restored", port: ProcessNode.freePort())
        try FileManager.default.createDirectory(atPath: fresh.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: backups + "/" + String(written.dropLast(7)) + ".node.json", toPath: fresh.directory + "/node.json")
        _ = try HosoBinary.check(["restore", "--data", fresh.directory, "--input", backups + "/" + written])
        let restored = try JSONValue.parse(try HosoBinary.check(["check", "--data", fresh.directory, "--summary", "--json"]))
        #expect(restored["digest"] == live["digest"] && restored["node_id"] == live["node_id"], "\(restored) vs \(live)")
        for table in ["dossiers", "units", "users", "change_log"] { #expect(restored["counts"][table] == live["counts"][table], "\(table)") }
        // Served with sync off (a copy must never sync while the original node runs: it
        // would speak with the same identity), every dossier reads the same as at the node.
        try await fresh.start(extra: ["--no-sync"])
        defer { fresh.stop() }
        let copyToken = try await fresh.login("hr.a", password: newPassword)
        for id in ids {
            let original = try await a.request("GET", "/api/dossiers/\(id)", token: hr)
            let copy = try await fresh.request("GET", "/api/dossiers/\(id)", token: copyToken)
            #expect(original.status == 200 && copy.status == 200 && original.json["full_name"].stringValue?.hasPrefix("Người thứ") == true)
            #expect(copy.json == original.json, "dossier \(id)")
        }
        #expect(try await fresh.request("GET", "/api/dossiers/\(laterID)", token: copyToken).status == 404, "the backup is a point in time")
    }

    // MARK: systemd

    @Test func theSystemdUnitsPassSystemdAnalyzeVerify() throws {
        let units = HosoRepository.path + "/deploy/systemd"
        let hub = try String(contentsOfFile: units + "/hoso-hub.service", encoding: .utf8)
        let node = try String(contentsOfFile: units + "/hoso-node.service", encoding: .utf8)
        for unit in [hub, node] {
            for line in ["User=hoso", "ExecStart=/usr/local/bin/hoso serve --data /var/lib/hoso", "Restart=on-failure", "NoNewPrivileges=yes",
                         "ProtectSystem=strict", "ReadWritePaths=/var/lib/hoso", "CapabilityBoundingSet=", "StateDirectoryMode=0700"] {
                #expect(unit.split(separator: "\n").contains(Substring(line)), "\(line)")
            }
        }
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("systemd-analyze is not installed: the units' syntax was not verified")
            return
        }
        // `verify` checks every directive and that the programs exist: point them at this build.
        let root = Self.temporaryRoot("systemd")
        defer { Self.cleanUp(root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var files: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: units) where name.hasSuffix(".service") || name.hasSuffix(".timer") {
            let text = try String(contentsOfFile: units + "/" + name, encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/hoso", with: HosoBinary.path)
                .replacingOccurrences(of: "/usr/local/lib/hoso/hoso-backup", with: HosoRepository.path + "/deploy/scripts/hoso-backup")
            try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
            files.append(root + "/" + name)
        }
        #expect(files.count == 4)
        let verified = try HosoBinary.runTool(analyze, ["verify", "--man=no"] + files.sorted())
        #expect(verified.status == 0 && verified.stderr.isEmpty, "\(verified.stderr)")
    }
}
