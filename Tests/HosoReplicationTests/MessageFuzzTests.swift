import Foundation
import HosoDomain
import Testing
@testable import HosoReplication

/// A seeded mutation fuzzer for the sync messages: valid messages are mutated as JSON
/// trees (types swapped, members dropped or added, numbers at their limits, deep nesting,
/// long strings) and as text (bytes flipped, inserted, cut). Decoding never crashes; it
/// either names what is wrong or gives a message that re-encodes to itself. The seed is
/// printed; `HOSO_FUZZ_SEED` replays, `HOSO_FUZZ_ITERATIONS` soaks.
@Suite struct MessageFuzzTests {
    typealias Random = SeededGenerator

    static let envelope = SyncEnvelope(nodeID: "n1", clock: 42, knowledge: VersionVector(["n1": 42, "hub": 7]), schema: "008_availability", software: "0.1.0")
    static func change(_ seq: Int64) -> ChangeRecord {
        ChangeRecord(seq: seq, entity: "person", id: "p\(seq)", origin: "n1", vv: VersionVector(["n1": seq]), author: "u1",
                     createdAt: "2026-11-23T00:00:00.000Z", updatedAt: "2026-11-23T00:00:00.000Z", deleted: false, scope: "u1",
                     data: ["full_name": "Nguyễn Văn An", "salary_step": 3, "birth_date": "1985-04-12"])
    }

    /// Each kind of message: a valid sample and a decode-then-encode function.
    static let kinds: [(name: String, sample: JSONValue, roundTrip: @Sendable (JSONValue) throws -> Bool)] = [
        ("hello", HelloRequest(envelope: envelope, pullCheckpoint: 5, pushMarks: [PushMark(toSeq: 9, batchID: "b1")], status: ["state": "ok"]).jsonValue,
         { j in let m = try HelloRequest(json: j); return try HelloRequest(json: m.jsonValue) == m }),
        ("hello response", HelloResponse(parentID: "hub", parentName: "Sở Nội vụ", pushCheckpoint: 3, knowledge: VersionVector(["hub": 2]), clock: 2, time: "t").jsonValue,
         { j in let m = try HelloResponse(json: j); return try HelloResponse(json: m.jsonValue) == m }),
        ("push", PushRequest(envelope: envelope, fromSeq: 3, toSeq: 9, changes: [change(4), change(9)], continues: true, batchID: "b1").jsonValue,
         { j in let m = try PushRequest(json: j); return try PushRequest(json: m.jsonValue) == m }),
        ("push response", PushResponse(checkpoint: 9, applied: 1, results: [ChangeResult(seq: 4, entity: "person", id: "p4", status: .rejected, reason: "not_owner",
                                                                                           message: "x", current: change(4))],
                                       knowledge: VersionVector(["hub": 8]), clock: 8).jsonValue,
         { j in let m = try PushResponse(json: j); return try PushResponse(json: m.jsonValue) == m }),
        ("pull", PullRequest(envelope: envelope, since: 100, limit: 500, maxBytes: 1 << 20).jsonValue,
         { j in let m = try PullRequest(json: j); return try PullRequest(json: m.jsonValue) == m }),
        ("pull response", PullResponse(changes: [change(1), change(2)], next: 120, complete: true, knowledge: VersionVector(["hub": 9]), clock: 9).jsonValue,
         { j in let m = try PullResponse(json: j); return try PullResponse(json: m.jsonValue) == m }),
    ]

    static let odd: [JSONValue] = [.null, .bool(true), .number(-1), .number(0), .number(9_007_199_254_740_993), .number(1e308), .number(0.5),
                                   .string(""), .string(String(repeating: "x", count: 5_000)), .string("\u{0}"), .array([]), .object([:]),
                                   .array(Array(repeating: .number(1), count: 100)), .string("2026-02-30")]

    static func mutateTree(_ value: JSONValue, _ r: inout Random, depth: Int = 0) -> JSONValue {
        if r.int(6) == 0 || depth > 8 {
            switch r.int(4) {
            case 0: return odd[r.int(odd.count)]
            case 1: var nested = JSONValue.array([value]); for _ in 0..<r.int(40) { nested = .array([nested]) }; return nested
            default: break
            }
        }
        switch value {
        case .object(var o):
            let keys = o.keys.sorted()
            guard !keys.isEmpty else { return value }
            let key = keys[r.int(keys.count)]
            switch r.int(5) {
            case 0: o[key] = nil
            case 1: o["x\(r.int(3))"] = odd[r.int(odd.count)]
            default: o[key] = mutateTree(o[key]!, &r, depth: depth + 1)
            }
            return .object(o)
        case .array(var items):
            guard !items.isEmpty else { return .array([odd[r.int(odd.count)]]) }
            let i = r.int(items.count)
            switch r.int(4) {
            case 0: items.remove(at: i)
            case 1: items.append(items[i])
            case 2: items.swapAt(i, r.int(items.count))
            default: items[i] = mutateTree(items[i], &r, depth: depth + 1)
            }
            return .array(items)
        case .number(let n): return [.number(n + 1), .number(-n), .number(n * 1e12), .string(String(n))][r.int(4)]
        case .string(let s): return [.string(s + "\u{301}"), .string(""), .number(1), .string(String(s.reversed()))][r.int(4)]
        default: return odd[r.int(odd.count)]
        }
    }

    @Test func mutatedMessagesDecodeOrAreRefusedNeverCrash() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["HOSO_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let iterations = env["HOSO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
        print("message fuzz: seed \(seed), \(iterations) inputs (HOSO_FUZZ_SEED=\(seed) replays)")
        var r = Random(seed: seed)
        var accepted = 0, refused = 0, unparsable = 0
        for i in 0..<iterations {
            let kind = Self.kinds[r.int(Self.kinds.count)]
            var value = kind.sample
            if i % 2 == 0 {
                for _ in 0..<(1 + r.int(3)) { value = Self.mutateTree(value, &r) }
            } else {
                // Text mutations exercise the JSON parser underneath.
                var bytes = Array(value.jsonString().utf8)
                for _ in 0..<(1 + r.int(3)) {
                    let at = r.int(bytes.count + 1)
                    switch r.int(4) {
                    case 0 where !bytes.isEmpty: bytes[r.int(bytes.count)] ^= UInt8(1 << r.int(8))
                    case 1: bytes.insert(Array("{}[]\",:\\u0000\u{1}9e99-".utf8)[r.int(17)], at: at)
                    case 2: bytes = Array(bytes.prefix(at))
                    default: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: r.int(3_000)), at: at)
                    }
                }
                guard let parsed = try? JSONValue.parse(utf8: bytes) else { unparsable += 1; continue }
                #expect(try JSONValue.parse(parsed.jsonString()) == parsed, "seed \(seed) #\(i): JSON text round trip")
                value = parsed
            }
            do {
                guard try kind.roundTrip(value) else {
                    Issue.record("seed \(seed) #\(i) \(kind.name): decoded but re-encodes differently: \(value.jsonString().prefix(300))")
                    break
                }
                accepted += 1
            } catch is MalformedMessage {
                refused += 1
            } catch {
                Issue.record("seed \(seed) #\(i) \(kind.name): unexpected error \(error)")
                break
            }
        }
        print("message fuzz: \(accepted) decoded, \(refused) refused (field named), \(unparsable) not JSON")
        #expect(accepted > 0 && refused > 0 && unparsable > 0)
    }
}

extension SeededGenerator {
    /// A number in 0..<n (0 when n is 0).
    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
