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


let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: "--\(name)"), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}

switch arguments.first {
case "write", nil:
    try WriteBenchmark(dossiers: option("dossiers", 2000), clients: option("clients", 4), historyRows: option("rows", 20)).run()
default:
    FileHandle.standardError.write(Data("Error: unknown benchmark '\(arguments[0])'\nUsage: hoso-bench write [--dossiers N] [--clients C] [--rows R]\n".utf8))
    exit(64)
}
