import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// `/metrics` (Prometheus text format 0.0.4, checked by a strict parser), `/readyz`, and
/// the absence of dossier data in them.
@Suite struct MetricsTests {
    let cli = Principal.commandLine("test")

    /// One parsed sample.
    struct Sample: Equatable { var name: String; var labels: [String: String]; var value: Double }

    struct FormatError: Error, CustomStringConvertible { let description: String }

    /// A strict reader of the text exposition format: every line a HELP, a TYPE or a
    /// sample; names and label names by the grammar; label values with only \\ \" \n
    /// escapes; values as floats or ±Inf/NaN; TYPE before the family's samples; each
    /// family contiguous and declared once; histograms with ascending `le` buckets ending
    /// in +Inf, cumulative counts, `_sum` and a `_count` equal to the +Inf bucket.
    static func parse(_ text: String) throws -> [Sample] {
        guard text.hasSuffix("\n") else { throw FormatError(description: "no final line feed") }
        let name = #/[a-zA-Z_:][a-zA-Z0-9_:]*/#
        var types: [String: String] = [:], helped = Set<String>(), finished = Set<String>()
        var current: String?
        var samples: [Sample] = []
        func family(of sample: String) -> String {
            for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
                let base = String(sample.dropLast(suffix.count))
                if types[base] == "histogram" { return base }
            }
            return sample
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let line = String(raw)
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", ["HELP", "TYPE"].contains(parts[1]), (try? name.wholeMatch(in: parts[2])) != nil else {
                    throw FormatError(description: "bad comment: \(line)")
                }
                let metric = parts[2]
                if parts[1] == "HELP" {
                    guard helped.insert(metric).inserted, parts.count == 4, !parts[3].isEmpty else { throw FormatError(description: "HELP twice or empty: \(line)") }
                } else {
                    guard types[metric] == nil, parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw FormatError(description: "bad TYPE: \(line)")
                    }
                    types[metric] = parts[3]
                }
                if current != metric {
                    if let current { finished.insert(current) }
                    guard !finished.contains(metric) else { throw FormatError(description: "\(metric) is not contiguous") }
                    current = metric
                }
                continue
            }
            guard let match = try #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/#.wholeMatch(in: line) else { throw FormatError(description: "bad sample: \(line)") }
            let metric = String(match.1)
            var labels: [String: String] = [:]
            if let body = match.3 {
                var rest = Substring(body)
                while !rest.isEmpty {
                    guard let label = try #/^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/#.prefixMatch(in: rest) else {
                        throw FormatError(description: "bad labels: \(line)")
                    }
                    guard labels.updateValue(String(label.2), forKey: String(label.1)) == nil else { throw FormatError(description: "label twice: \(line)") }
                    rest = rest[label.range.upperBound...]
                }
            }
            let valueText = String(match.4)
            guard let value = ["+Inf": Double.infinity, "-Inf": -Double.infinity, "NaN": Double.nan][valueText] ?? Double(valueText) else {
                throw FormatError(description: "bad value: \(line)")
            }
            let base = family(of: metric)
            guard types[base] != nil, current == base else { throw FormatError(description: "\(metric) before its TYPE or outside its family") }
            samples.append(Sample(name: metric, labels: labels, value: value))
        }
        for (metric, type) in types where type == "histogram" {
            let buckets = samples.filter { $0.name == metric + "_bucket" }
            let bounds = buckets.map { $0.labels["le"].flatMap { $0 == "+Inf" ? Double.infinity : Double($0) } ?? .nan }
            guard !buckets.isEmpty, bounds == bounds.sorted(), bounds.last == .infinity,
                  buckets.map(\.value) == buckets.map(\.value).sorted(),
                  let count = samples.first(where: { $0.name == metric + "_count" }), count.value == buckets.last?.value,
                  samples.contains(where: { $0.name == metric + "_sum" }) else {
                throw FormatError(description: "histogram \(metric) is inconsistent")
            }
        }
        return samples
    }

    func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
    }

    @Test func metricsOfHubAndNodeParseStrictlyAndCountSync() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        let secret = "Nguyễn Thị Bí Mật"
        _ = try await a.syncOnce()   // the code lists arrive with the first pull
        let person = try a.store.createDossier(cli, TestTopology.person(secret, unit: t.units["A1"]!))
        _ = try await a.syncOnce()
        for node in [t.hub, a] {
            _ = await node.router.respond(to: HTTPRequest(method: .get, target: "/healthz", headers: [:], body: []))
        }
        let hubResponse = await t.hub.router.respond(to: HTTPRequest(method: .get, target: "/metrics", headers: [:], body: []))
        #expect(hubResponse.status.code == 200)
        #expect(hubResponse.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        let hubText = String(decoding: hubResponse.body, as: UTF8.self)
        let hub = try Self.parse(hubText)
        #expect(value(hub, "hoso_up") == 1)
        #expect(value(hub, "hoso_sync_batches_total", ["direction": "push", "side": "parent"]).map { $0 >= 1 } == true)
        #expect(value(hub, "hoso_sync_rows_applied_total", ["side": "parent"]).map { $0 >= 1 } == true)
        #expect(value(hub, "hoso_dossiers", ["archived": "false"]) == 1)
        #expect(value(hub, "hoso_child_nodes") == 1)
        #expect(value(hub, "hoso_child_lag_changes", ["node": a.store.nodeID]) == 0)
        #expect(value(hub, "hoso_sync_state", ["state": "standalone"]) == 1)
        #expect(value(hub, "hoso_http_requests_total", ["method": "GET", "code": "200"]).map { $0 >= 1 } == true)
        #expect(value(hub, "hoso_db_size_bytes").map { $0 > 0 } == true)
        #expect(value(hub, "hoso_handoffs", ["state": "requested"]) == 0)

        // A write waiting at the node shows as pending; sync counters of the child side.
        _ = try a.store.updatePerson(cli, id: person["id"]!.stringValue!, patch: ["phone": "0900000000"])
        let nodeText = String(decoding: await a.router.respond(to: HTTPRequest(method: .get, target: "/metrics", headers: [:], body: [])).body, as: UTF8.self)
        let node = try Self.parse(nodeText)
        #expect(value(node, "hoso_sync_pending_changes").map { $0 >= 1 } == true)
        #expect(value(node, "hoso_sync_cycles_total", ["result": "ok"]) == 2)
        #expect(value(node, "hoso_sync_batches_total", ["direction": "push", "side": "child"]).map { $0 >= 1 } == true)
        #expect(value(node, "hoso_sync_state", ["state": "ok"]) == 1)
        #expect(value(node, "hoso_sync_lag_seconds") != nil)
        // No field value of a dossier, in any spelling.
        for text in [hubText, nodeText] {
            #expect(!text.contains(secret) && !VietnameseText.fold(text).contains(VietnameseText.fold(secret)) && !text.contains("0900000000"))
        }
    }

    @Test func theParserRefusesMalformedExpositions() {
        let bad = [
            "hoso_x 1\n",                                                   // no TYPE
            "# TYPE hoso_x gauge\nhoso_x{a=\"1\" 1\n",                      // unclosed labels
            "# TYPE hoso_x gauge\nhoso_x{a=\"\\t\"} 1\n",                   // bad escape
            "# TYPE hoso_x gauge\nhoso_x one\n",                            // bad value
            "# TYPE hoso_x gauge\n# TYPE hoso_y gauge\nhoso_y 1\n# TYPE hoso_x gauge\nhoso_x 1\n", // TYPE twice
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
            "# TYPE hoso_x gauge\nhoso_x 1",                                 // no final line feed
        ]
        for text in bad { #expect(throws: FormatError.self, "\(text)") { try Self.parse(text) } }
        #expect(throws: Never.self) { try Self.parse("# HELP a b c\n# TYPE a counter\na{x=\"q\\\"\\\\\\n\"} 1e3\n") }
    }

    @Test func readyzSaysWhetherTheReplicaServes() async throws {
        let node = try TestNode()
        let response = await node.send(.get, "/readyz")
        #expect(response.status.code == 200)
        #expect(response.bodyText.contains("\"status\":\"ready\"") && response.bodyText.contains(NodeStore.schemaVersion))
    }
}
