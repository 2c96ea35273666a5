// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hoso",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hoso", targets: ["hoso"]),
        .executable(name: "hoso-bench", targets: ["hoso-bench"]),
    ],
    targets: [
        // System libraries (Debian -dev packages); no package dependencies.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // Thin SQLite layer in the GRDB mould.
        .target(name: "HosoSQLite", dependencies: ["CSQLite"]),
        // Pure domain: records, catalogues, validation, roles, Vietnamese text.
        .target(name: "HosoDomain"),
        // Replication: version vectors, sync messages, conflict rule, schedule; pure.
        .target(name: "HosoReplication", dependencies: ["HosoDomain"]),
        // HTTP/1.1: incremental parser, router + middleware, socket server.
        .target(name: "HosoHTTP"),
        // The node application: schema, store, accounts, audit, API.
        .target(name: "HosoNode", dependencies: ["HosoSQLite", "HosoDomain", "HosoReplication", "HosoHTTP", "CCrypt", "CZlib"],
                resources: [.copy("Resources")]),
        // Thin executable: the CLI.
        .executableTarget(name: "hoso", dependencies: ["HosoNode", "HosoHTTP"]),
        // Benchmarks: a command that prints figures, never a test.
        .executableTarget(name: "hoso-bench", dependencies: ["HosoNode", "HosoSQLite", "HosoHTTP", "CSQLite"]),
        // Helpers shared by the test targets.
        .target(name: "HosoTestSupport", dependencies: ["HosoNode", "HosoSQLite", "HosoHTTP", "HosoReplication"]),

        .testTarget(name: "HosoSQLiteTests", dependencies: ["HosoSQLite"]),
        .testTarget(name: "HosoDomainTests", dependencies: ["HosoDomain"]),
        .testTarget(name: "HosoHTTPTests", dependencies: ["HosoHTTP"]),
        .testTarget(name: "HosoReplicationTests", dependencies: ["HosoReplication"]),
        // Fixtures/ holds sample files the tests read by path (not bundled as resources).
        .testTarget(name: "HosoNodeTests", dependencies: ["HosoNode", "HosoTestSupport", "HosoReplication"], exclude: ["Fixtures"]),
    ]
)
