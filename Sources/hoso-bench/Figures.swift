import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of the suite's table: a hoso figure next to a baseline measured in the same run.
///
/// `ratio` is always hoso / baseline. Which way is better depends on the figure: for a
/// throughput (rows/s, requests/s) higher is better; for a latency, a CPU cost or a memory
/// size lower is better. The regression check compares ratios, never absolute figures, so
/// a slower machine (which slows hoso and its baseline alike) does not fail it.
struct Measure: Codable, Sendable {
    enum Better: String, Codable, Sendable { case higher, lower }

    /// Stable name, used by `--check` to pair a run with the reference.
    var key: String
    /// What hoso did, in words.
    var label: String
    /// The hoso figure.
    var hoso: Double
    /// The baseline figure (nil when the line has no baseline: shown, never checked).
    var baseline: Double?
    /// What the baseline is, in words.
    var baselineLabel: String
    var unit: String
    var better: Better
    /// Whether `--check` compares this line (tail percentiles of small samples are shown but
    /// not checked: they are a handful of samples and move by more than 2x on their own).
    var checked: Bool = true
    /// hoso / baseline. Where the two were measured in several back-to-back pairs (rounds),
    /// the median of the pairs' ratios — steadier than the ratio of the medians when load
    /// from elsewhere comes and goes; the table then shows the medians of each side.
    var ratio: Double?

    init(key: String, label: String, hoso: Double, baseline: Double?, ratio: Double? = nil, baselineLabel: String, unit: String,
         better: Better, checked: Bool = true) {
        self.key = key
        self.label = label
        self.hoso = hoso
        self.baseline = baseline
        self.baselineLabel = baselineLabel
        self.unit = unit
        self.better = better
        self.checked = checked
        if let ratio {
            self.ratio = ratio
        } else if let baseline, baseline > 0 {
            self.ratio = hoso / baseline
        }
    }

    /// Medians of the ratios of pairs (hoso, baseline) measured back to back.
    static func pairedRatio(_ hoso: [Double], _ baseline: [Double]) -> Double? {
        let ratios = zip(hoso, baseline).compactMap { $1 > 0 ? $0 / $1 : nil }
        return ratios.isEmpty ? nil : Figures.median(ratios)
    }

    /// How many times worse `ratio` is than `reference` (> 1: worse, < 1: better).
    func worsening(from reference: Double) -> Double? {
        guard let ratio, ratio > 0, reference > 0 else { return nil }
        return better == .higher ? reference / ratio : ratio / reference
    }
}

/// Everything one suite run measured.
struct SuiteReport: Codable, Sendable {
    var version = 1
    var date: String
    var host: String
    var cores: Int
    var arguments: [String]
    var seconds: Double
    var measures: [Measure]
}

enum Figures {
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Peak resident memory of this process, MiB.
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// User + system CPU of this process, seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU time of this process (all threads), seconds, with nanosecond resolution.
    static func processCPUTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// A figure with about three significant digits and thousands separators.
    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.1 ? 3 : 4
        let text = String(format: "%.\(decimals)f", value)
        guard decimals == 0, magnitude >= 10_000 else { return text }
        var digits = Array(text)
        var i = digits.count - 3
        while i > (value < 0 ? 1 : 0) { digits.insert(",", at: i); i -= 3 }
        return String(digits)
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let fill = String(repeating: " ", count: width - count)
        return right ? fill + text : text + fill
    }

    /// The final table, then what each baseline is.
    static func table(_ measures: [Measure]) -> String {
        var lines: [String] = []
        let width = max(20, measures.map(\.label.count).max() ?? 0) + 2
        lines.append(pad("measure", width) + pad("hoso", 10, right: true) + pad("baseline", 11, right: true) + "  unit " + pad("ratio", 8, right: true) + "  better")
        lines.append(String(repeating: "-", count: width + 10 + 11 + 7 + 8 + 22))
        for m in measures {
            let ratio = m.ratio.map(format) ?? "-"
            let better = m.baseline == nil ? "" : "  " + m.better.rawValue + (m.checked ? "" : " (not checked)")
            lines.append(pad(m.label, width) + pad(format(m.hoso), 10, right: true) + pad(m.baseline.map(format) ?? "-", 11, right: true)
                         + "  " + pad(m.unit, 4) + pad(ratio, 9, right: true) + better)
        }
        lines.append("")
        lines.append("ratio = hoso / baseline (with rounds: the median of the rounds' ratios; hoso and baseline are then medians).")
        lines.append("\"higher\": a throughput, hoso is better the closer the ratio comes to 1 (or above);")
        lines.append("\"lower\": a latency, CPU cost or memory size, hoso is better the closer the ratio comes to 1.")
        lines.append("Baselines (measured in this run, on this machine):")
        var seen = Set<String>()
        for m in measures where m.baseline != nil && seen.insert(m.baselineLabel).inserted {
            lines.append("  - \(m.baselineLabel)")
        }
        return lines.joined(separator: "\n")
    }

    /// Compares `run` with `reference`: the names of the checked measures whose ratio is
    /// more than `factor` times worse, with the figures, plus the keys missing from the run.
    static func compare(run: SuiteReport, reference: SuiteReport, factor: Double = 2) -> (failures: [String], report: [String]) {
        var failures: [String] = []
        var report: [String] = []
        let current = Dictionary(run.measures.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for ref in reference.measures where ref.checked {
            guard let refRatio = ref.ratio else { continue }
            guard let now = current[ref.key], let ratio = now.ratio, let worse = now.worsening(from: refRatio) else {
                failures.append("\(ref.key): no ratio in this run (measure missing, or a figure of 0)")
                report.append("MISSING  \(ref.key)")
                continue
            }
            let verdict = worse > factor ? "WORSE" : "ok"
            report.append("\(pad(verdict, 7))  \(pad(ref.key, 30)) ratio \(pad(format(ratio), 9, right: true)) vs reference \(pad(format(refRatio), 9, right: true))  (better: \(ref.better.rawValue); \(format(worse))x \(worse >= 1 ? "worse" : "better"))")
            if worse > factor {
                failures.append("\(ref.key): ratio \(format(ratio)) vs reference \(format(refRatio)) — \(format(worse))x worse (\(ref.label))")
            }
        }
        return (failures, report)
    }

    /// A reference from several runs: per measure, the median of each figure and of the ratio.
    static func merge(_ runs: [SuiteReport]) -> SuiteReport {
        var merged = runs[0]
        merged.measures = runs[0].measures.map { first in
            let all = runs.compactMap { $0.measures.first { $0.key == first.key } }
            var m = first
            m.hoso = median(all.map(\.hoso))
            m.baseline = first.baseline == nil ? nil : median(all.compactMap(\.baseline))
            m.ratio = first.ratio == nil ? nil : median(all.compactMap(\.ratio))
            return m
        }
        merged.seconds = median(runs.map(\.seconds))
        merged.date = runs.map(\.date).sorted().last ?? merged.date
        merged.arguments = runs[0].arguments + ["(median of \(runs.count) runs: \(runs.map(\.date).sorted().joined(separator: ", ")))"]
        return merged
    }

    static func load(_ path: String) throws -> SuiteReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(SuiteReport.self, from: data)
    }

    static func save(_ report: SuiteReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: path))
    }
}
