import HosoDomain
import Testing
@testable import HosoReplication

@Suite struct VersionVectorTests {
    let a = VersionVector(["A": 2, "B": 1])

    @Test func comparesAllFourWays() {
        #expect(a.compare(VersionVector(["A": 2, "B": 1])) == .equal)
        #expect(a.compare(VersionVector(["A": 1, "B": 1])) == .dominates)
        #expect(a.compare(VersionVector(["A": 2])) == .dominates)
        #expect(a.compare(VersionVector(["A": 2, "B": 1, "C": 1])) == .dominated)
        #expect(a.compare(VersionVector(["A": 1, "B": 2])) == .concurrent)
        #expect(a.compare(VersionVector(["C": 1])) == .concurrent)
        #expect(VersionVector().compare(VersionVector()) == .equal)
        #expect(VersionVector().compare(a) == .dominated)
    }

    @Test func joinDominatesBothAndIsCommutative() {
        let b = VersionVector(["A": 1, "B": 3, "C": 1])
        let j = a.joined(b)
        #expect(j == VersionVector(["A": 2, "B": 3, "C": 1]))
        #expect(j == b.joined(a))
        #expect(j.compare(a) == .dominates && j.compare(b) == .dominates)
        #expect(a.joined(a) == a)
    }

    @Test func zeroEntriesAreAbsent() {
        var v = VersionVector(["A": 0, "B": 2])
        #expect(v.entries == ["B": 2])
        v["B"] = 0
        #expect(v.isEmpty && v.json == "{}")
    }

    @Test func parsesOnlyWellFormedWireVectors() {
        #expect(VersionVector(validating: ["A": 3]) == VersionVector(["A": 3]))
        #expect(VersionVector(validating: ["A": 0]) == nil)
        #expect(VersionVector(validating: ["A": 1.5]) == nil)
        #expect(VersionVector(validating: ["A": "3"]) == nil)
        #expect(VersionVector(validating: ["": 3]) == nil)
        #expect(VersionVector(validating: [1, 2]) == nil)
        #expect(VersionVector(json: #"{"B":2,"A":1}"#).json == #"{"A":1,"B":2}"#)
    }
}

@Suite struct ConflictRuleTests {
    func version(_ origin: String, _ vv: [String: Int64], _ digest: String = "x") -> ConflictRule.Version {
        ConflictRule.Version(origin: origin, vv: VersionVector(vv), contentDigest: digest)
    }

    @Test func theOwningAuthorityWinsWhicheverArrivesFirst() {
        let hub = version("H", ["H": 5, "A": 1]), unit = version("A", ["A": 2])
        #expect(ConflictRule.prefers(unit, over: hub, authority: "A"))
        #expect(!ConflictRule.prefers(hub, over: unit, authority: "A"))
        // With the hub as authority the answer flips.
        #expect(ConflictRule.prefers(hub, over: unit, authority: "H"))
    }

    @Test(arguments: 0..<50)
    func withoutAnAuthorityTheOrderIsTotalAndAntisymmetric(_ seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        let nodes = ["A", "B", "C"]
        let x = version(nodes[Int(rng.next() % 3)], ["A": Int64(rng.next() % 4 + 1)], String(rng.next() % 3))
        let y = version(nodes[Int(rng.next() % 3)], ["B": Int64(rng.next() % 4 + 1)], String(rng.next() % 3))
        guard x != y else { return }
        #expect(ConflictRule.prefers(x, over: y, authority: nil) != ConflictRule.prefers(y, over: x, authority: nil))
        #expect(ConflictRule.prefers(x, over: y, authority: "Z") == ConflictRule.prefers(x, over: y, authority: nil))
    }
}

/// SplitMix64, so the tests' randomness is reproducible.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
