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
//   swift run -c release hoso-bench province [--nodes 200] [--dossiers 50000] [--rows 29] [--seconds 120] [--interval 10] [--edit-every 10]
//   swift run -c release hoso-bench suite [--short] [--dossiers N] [--nodes-steady K] [--nodes-poll P] [--seconds S]
//                                         [--data DIR] [--json FILE] [--check REFERENCE.json]
//   swift run -c release hoso-bench check RUN.json REFERENCE.json
//   swift run -c release hoso-bench reference OUT.json RUN.json [RUN.json ...]


let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: "--\(name)"), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}
func stringOption(_ name: String) -> String? {
    arguments.firstIndex(of: "--\(name)").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}

switch arguments.first {
case "write", nil:
    var write = WriteBenchmark(dossiers: option("dossiers", 2000), clients: option("clients", 4), historyRows: option("rows", 20))
    write.rounds = option("rounds", 1)
    try write.run()
case "sync-initial":
    try await SyncBenchmark().initial(dossiers: option("dossiers", 50_000), nodes: option("nodes", 10), historyRows: option("rows", 29), rounds: option("rounds", 1))
case "sync-memory":
    try await SyncBenchmark().inMemory(dossiers: option("dossiers", 4000), nodes: option("nodes", 4), historyRows: option("rows", 29))
case "sync-apply":
    try await SyncBenchmark().applyOnly(dossiers: option("dossiers", 2000), historyRows: option("rows", 29))
case "sync-steady":
    try await SyncBenchmark().steady(nodes: option("nodes", 50), seconds: Double(option("seconds", 60)))
case "sync-poll":
    try await SyncBenchmark().poll(nodes: option("nodes", 200), seconds: Double(option("seconds", 60)), interval: Double(option("interval", 10)))
case "province":
    try await SyncBenchmark().province(nodes: option("nodes", 200), dossiers: option("dossiers", 50_000), historyRows: option("rows", 29),
                                       seconds: Double(option("seconds", 120)), interval: Double(option("interval", 10)), editEvery: Double(option("edit-every", 10)))
case "reports":
    try ReportBenchmark(dossiers: option("dossiers", 50_000), historyRows: option("rows", 6), dataPath: stringOption("data")).run()
case "suite":
    var suite = arguments.contains("--short") ? Suite.short() : Suite()
    suite.dossiers = option("dossiers", suite.dossiers)
    suite.steadyNodes = option("nodes-steady", suite.steadyNodes)
    suite.pollNodes = option("nodes-poll", suite.pollNodes)
    suite.seconds = Double(option("seconds", Int(suite.seconds)))
    suite.pollInterval = Double(option("interval", Int(suite.pollInterval)))
    suite.rounds = max(1, option("rounds", suite.rounds))
    suite.dataPath = stringOption("data")
    suite.jsonPath = stringOption("json")
    suite.checkPath = stringOption("check")
    suite.arguments = arguments
    exit(try await suite.run())
case "reference":
    // Merges --json files of several runs into a reference: per measure, the medians.
    guard arguments.count >= 3 else {
        FileHandle.standardError.write(Data("Usage: hoso-bench reference OUT.json RUN.json [RUN.json ...]\n".utf8))
        exit(64)
    }
    let merged = Figures.merge(try arguments.dropFirst(2).map(Figures.load))
    try Figures.save(merged, to: arguments[1])
    print(Figures.table(merged.measures))
case "check":
    // Compares two --json files (a run and a reference) without measuring anything.
    guard arguments.count == 3 else {
        FileHandle.standardError.write(Data("Usage: hoso-bench check RUN.json REFERENCE.json\n".utf8))
        exit(64)
    }
    exit(try Suite.check(try Figures.load(arguments[1]), referencePath: arguments[2]))
default:
    FileHandle.standardError.write(Data("""
        Error: unknown benchmark '\(arguments[0])'
        Usage: hoso-bench write [--dossiers N] [--clients C] [--rows R]
               hoso-bench sync-initial [--dossiers N] [--nodes K] [--rows R] [--rounds R]
               hoso-bench sync-steady [--nodes K] [--seconds S]
               hoso-bench sync-poll [--nodes K] [--seconds S] [--interval I]
               hoso-bench province [--nodes K] [--dossiers N] [--rows R] [--seconds S] [--interval I] [--edit-every E]
               hoso-bench reports [--dossiers N] [--rows R] [--data DIR]
               hoso-bench sync-memory [--dossiers N] [--nodes K] [--rows R]     (diagnostic: the push without HTTP)
               hoso-bench sync-apply [--dossiers N] [--rows R]                  (diagnostic: the hub's apply alone)
               hoso-bench suite [--short] [--dossiers N] [--nodes-steady K] [--nodes-poll P] [--seconds S] [--interval I]
                                [--rounds R] [--data DIR] [--json FILE] [--check REFERENCE.json]
               hoso-bench check RUN.json REFERENCE.json
               hoso-bench reference OUT.json RUN.json [RUN.json ...]

        """.utf8))
    exit(64)
}
