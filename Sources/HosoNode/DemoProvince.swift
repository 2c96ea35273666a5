import Foundation
import HosoDomain

/// The demo province on disk: a hub (Sở Nội vụ) and three enrolled nodes — two
/// departments and a commune, each serving a unit with sub-units — with sample data
/// at the hub that the nodes receive on their first sync. `hoso demo` creates it and
/// runs every member as its own process.
public enum DemoProvince {
    /// One member (process) of the demo.
    public struct Member: Sendable {
        /// Directory name under the demo root (`hub`, `stc`, ...).
        public let key: String
        /// Display name.
        public let name: String
        /// The unit it serves (nil for the hub).
        public let unitCode: String?
        /// Accounts that can log in at this member.
        public let accounts: [String]
        public func directory(in root: String) -> DataDirectory { DataDirectory(root + "/" + key) }
    }

    /// The members, hub first.
    public static let members: [Member] = [
        Member(key: "hub", name: "Sở Nội vụ tỉnh Đồng Tháp (hub)", unitCode: nil,
               accounts: ["admin", "lanhdao", "tccb.stc", "giamdoc.stc", "tccb.sgd", "tccb.xma", "canbo"]),
        Member(key: "stc", name: "Sở Tài chính", unitCode: "DT.STC", accounts: ["tccb.stc", "giamdoc.stc", "canbo"]),
        Member(key: "sgd", name: "Sở Giáo dục và Đào tạo", unitCode: "DT.SGD", accounts: ["tccb.sgd"]),
        Member(key: "xma", name: "UBND xã Mỹ An", unitCode: "DT.XMA", accounts: ["tccb.xma"]),
    ]

    /// Whether `root` already holds a demo province.
    public static func exists(at root: String) -> Bool { members.allSatisfy { $0.directory(in: root).isInitialised } }

    /// Creates the demo province under `root`: the hub with units, accounts and
    /// `dossiers` sample dossiers, and the three nodes enrolled at it, listening on
    /// `basePort`, `basePort + 1`, ...
    public static func create(at root: String, basePort: Int, dossiers: Int, syncInterval: Double = 5) throws {
        let hubDirectory = members[0].directory(in: root)
        try hubDirectory.create()
        let hub = try NodeStore(path: hubDirectory.databasePath)
        let seeder = DemoSeeder(store: hub)
        let units = try seeder.seedUnitsAndAccounts()
        try seeder.seedDossiers(count: dossiers, unitIDs: units)
        try hubDirectory.save(NodeConfiguration(name: members[0].name, host: "127.0.0.1", port: basePort))
        for (index, member) in members.enumerated().dropFirst() {
            guard let code = member.unitCode, let unit = units[code] else { continue }
            let (nodeID, token) = try hub.enrollChild(.commandLine("demo"), name: member.name, unitIDs: [unit], selfName: members[0].name)
            let directory = member.directory(in: root)
            try directory.create()
            _ = try NodeStore(path: directory.databasePath, nodeID: nodeID, seedCatalogues: false)
            var configuration = NodeConfiguration(name: member.name, host: "127.0.0.1", port: basePort + index)
            configuration.sync = SyncSettings(parent_url: "http://127.0.0.1:\(basePort)", credential: token, interval_seconds: syncInterval)
            try directory.save(configuration)
        }
    }
}
