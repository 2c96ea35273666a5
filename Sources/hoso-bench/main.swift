import Foundation
import HosoDomain
import HosoNode
import HosoSQLite
#if canImport(Glibc)
import Glibc
#endif

// hoso-bench: prints measured figures next to a baseline measured in the same run.
// Never a test: timings vary with the machine; the ratios are what to compare.
//
//   swift run -c release hoso-bench write [--dossiers N] [--clients C] [--rows R]
//   swift run -c release hoso-bench sync-initial [--dossiers 50000] [--nodes 10] [--rows 29]
//   swift run -c release hoso-bench sync-steady [--nodes 50] [--seconds 60]
//   swift run -c release hoso-bench sync-poll [--nodes 200] [--seconds 60] [--interval 10]
//   swift run -c release hoso-bench reports [--dossiers 50000] [--rows 6] [--data DIR]


let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: "--\(name)"), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}

switch arguments.first {
case "write", nil:
    try WriteBenchmark(dossiers: option("dossiers", 2000), clients: option("clients", 4), historyRows: option("rows", 20)).run()
case "sync-initial":
    try await SyncBenchmark().initial(dossiers: option("dossiers", 50_000), nodes: option("nodes", 10), historyRows: option("rows", 29))
case "sync-memory":
    try await SyncBenchmark().inMemory(dossiers: option("dossiers", 4000), nodes: option("nodes", 4), historyRows: option("rows", 29))
case "sync-apply":
    try await SyncBenchmark().applyOnly(dossiers: option("dossiers", 2000), historyRows: option("rows", 29))
case "sync-steady":
    try await SyncBenchmark().steady(nodes: option("nodes", 50), seconds: Double(option("seconds", 60)))
case "sync-poll":
    try await SyncBenchmark().poll(nodes: option("nodes", 200), seconds: Double(option("seconds", 60)), interval: Double(option("interval", 10)))
case "reports":
    let data = arguments.firstIndex(of: "--data").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    try ReportBenchmark(dossiers: option("dossiers", 50_000), historyRows: option("rows", 6), dataPath: data).run()
default:
    FileHandle.standardError.write(Data("""
        Error: unknown benchmark '\(arguments[0])'
        Usage: hoso-bench write [--dossiers N] [--clients C] [--rows R]
               hoso-bench sync-initial [--dossiers N] [--nodes K] [--rows R]
               hoso-bench sync-steady [--nodes K] [--seconds S]
               hoso-bench sync-poll [--nodes K] [--seconds S] [--interval I]
               hoso-bench reports [--dossiers N] [--rows R] [--data DIR]

        """.utf8))
    exit(64)
}
