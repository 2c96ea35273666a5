import Foundation
import HosoDomain
import HosoNode

extension Commands {
    static let demo = Command(
        "demo", abstract: "Start a demo node with a sample province (units, accounts, dossiers) and print its URL and logins.",
        discussion: "Data goes to --data (default: ./demo-data, reused on the next run). Stop with Ctrl-C.",
        options: [
            .option("data", "dir", help: "Data directory for the demo.", default: "./demo-data"),
            .option("port", "port", help: "TCP port.", default: "8700"),
            .option("dossiers", "count", help: "Sample dossiers to create on first run.", default: "120"),
            .flag("no-serve", help: "Create the data and exit (for scripts)."),
        ]) { o in
        let dir = DataDirectory(o.value("data")!)
        guard let port = Int(o.value("port")!), (0...65535).contains(port) else { throw UsageError(message: "--port must be 0-65535", command: "demo") }
        guard let count = Int(o.value("dossiers")!), (0...100_000).contains(count) else { throw UsageError(message: "--dossiers must be 0-100000", command: "demo") }
        if !dir.isInitialised {
            try dir.create()
            let store = try NodeStore(path: dir.databasePath)
            let seeder = DemoSeeder(store: store)
            print("Creating the sample province in \(dir.path) ...")
            let units = try seeder.seedUnitsAndAccounts()
            try seeder.seedDossiers(count: count, unitIDs: units)
            try dir.save(NodeConfiguration(name: "Sở Nội vụ tỉnh Đồng Tháp (demo)", host: "127.0.0.1", port: port))
        }
        if o.flag("no-serve") { return 0 }
        let runtime = try NodeRuntime(directory: dir, portOverride: port)
        let bound = try runtime.start()
        print("""

            hoso demo is running.
              Node:     \(runtime.configuration.name)
              URL:      http://127.0.0.1:\(bound)/
              API:      http://127.0.0.1:\(bound)/api   (OpenAPI: http://127.0.0.1:\(bound)/openapi.json)
              Logins (password \(DemoSeeder.demoPassword)):
                admin        — quản trị hệ thống (toàn tỉnh)
                lanhdao      — lãnh đạo tỉnh (xem, tra cứu)
                tccb.stc     — cán bộ tổ chức Sở Tài chính (nhập, sửa hồ sơ)
                giamdoc.stc  — thủ trưởng Sở Tài chính (xem)
                tccb.xma     — cán bộ tổ chức UBND xã Mỹ An
                canbo        — công chức (chỉ xem hồ sơ của mình)
              Try: curl -s -X POST http://127.0.0.1:\(bound)/api/session -H 'Content-Type: application/json' \\
                     -d '{"username":"admin","password":"\(DemoSeeder.demoPassword)"}'
            Stop with Ctrl-C.
            """)
        fflush(nil)
        waitForTermination()
        runtime.stop()
        return 0
    }
}
