import HosoDomain
import Testing
@testable import HosoReplication

@Suite struct SyncMessageTests {
    let envelope = SyncEnvelope(nodeID: "n1", clock: 42, knowledge: VersionVector(["n1": 42, "hub": 7]), schema: "003_replication", software: "0.2.0")

    func change(_ seq: Int64) -> ChangeRecord {
        ChangeRecord(seq: seq, entity: "person", id: "p\(seq)", origin: "n1", vv: VersionVector(["n1": seq]), author: nil,
                     createdAt: "2026-11-23T00:00:00.000Z", updatedAt: "2026-11-23T00:00:00.000Z", deleted: false, scope: "u1",
                     data: ["full_name": "Nguyễn Văn An", "salary_step": 3])
    }

    @Test func everyMessageRoundTripsThroughText() throws {
        let push = PushRequest(envelope: envelope, fromSeq: 3, toSeq: 9, changes: [change(4), change(9)], continues: true, batchID: "b1")
        #expect(try PushRequest(json: JSONValue.parse(push.jsonValue.jsonString())) == push)
        let result = ChangeResult(seq: 4, entity: "person", id: "p4", status: .rejected, reason: "not_owner", message: "x", current: change(4))
        let pushResponse = PushResponse(checkpoint: 9, applied: 3, results: [result, ChangeResult(seq: 9, entity: "person", id: "p9", status: .duplicate)],
                                        knowledge: VersionVector(["hub": 8]), clock: 8)
        #expect(try PushResponse(json: JSONValue.parse(pushResponse.jsonValue.jsonString())) == pushResponse)
        let pull = PullRequest(envelope: envelope, since: 100, limit: 500, maxBytes: 1 << 20)
        #expect(try PullRequest(json: JSONValue.parse(pull.jsonValue.jsonString())) == pull)
        let pullResponse = PullResponse(changes: [change(1)], next: 120, complete: true, knowledge: VersionVector(["hub": 9]), clock: 9)
        #expect(try PullResponse(json: JSONValue.parse(pullResponse.jsonValue.jsonString())) == pullResponse)
        let hello = HelloRequest(envelope: envelope, pullCheckpoint: 5, pushMarks: [PushMark(toSeq: 9, batchID: "b1")])
        #expect(try HelloRequest(json: JSONValue.parse(hello.jsonValue.jsonString())) == hello)
        let helloResponse = HelloResponse(parentID: "hub", parentName: "Sở Nội vụ", pushCheckpoint: 3, knowledge: VersionVector(), clock: 0, time: "t")
        #expect(try HelloResponse(json: JSONValue.parse(helloResponse.jsonValue.jsonString())) == helloResponse)
    }

    @Test func malformedMessagesNameTheField() throws {
        var body = PushRequest(envelope: envelope, fromSeq: 3, toSeq: 9, changes: [change(4)], batchID: "b1").jsonValue.objectValue!
        func failure(_ mutate: (inout JSONObject) -> Void) -> String? {
            var copy = body
            mutate(&copy)
            do { _ = try PushRequest(json: .object(copy)); return nil } catch { return error.field }
        }
        #expect(failure { $0["clock"] = "42" } == "clock")
        #expect(failure { $0["knowledge"] = ["n1": -1] } == "knowledge")
        #expect(failure { $0["to_seq"] = 1 } == "to_seq")
        #expect(failure { $0["changes"] = [change(12).jsonValue] } == "changes[0].seq", "a change outside (from, to]")
        #expect(failure { $0["changes"] = [change(5).jsonValue, change(4).jsonValue] } == "changes[1].seq", "out of order")
        var noOrigin = change(4)
        noOrigin.vv = VersionVector(["other": 1])
        #expect(failure { $0["changes"] = [noOrigin.jsonValue] } == "changes[0].vv")
        #expect(failure { $0["changes"] = .array(Array(repeating: change(4).jsonValue, count: PushRequest.maximumChanges + 1)) } == "changes")
        body["unknown_future_field"] = true
        #expect(failure { _ in } == nil, "unknown members are ignored for forward compatibility")
    }

    @Test func contentDigestIgnoresTheVersion() {
        var a = change(4), b = change(4)
        b.vv = VersionVector(["n1": 99])
        b.seq = 77
        #expect(a.contentDigest == b.contentDigest)
        a.data["salary_step"] = 4
        #expect(a.contentDigest != b.contentDigest)
    }
}

@Suite struct DirectEncodingTests {
    @Test func directBytesEqualTheValueTree() throws {
        let envelope = SyncEnvelope(nodeID: "n1", clock: 3, knowledge: VersionVector(["n1": 3]), schema: "s", software: "v")
        let record = ChangeRecord(seq: 2, entity: "training", id: "t1", origin: "n1", vv: VersionVector(["n1": 2, "h": 1]), author: nil,
                                  createdAt: "c", updatedAt: "u", deleted: true, scope: nil,
                                  data: ["person_id": "p1", "institution": "Trường \"Chính trị\"\n", "graduated": true, "from_month": "2001-09"])
        var second = record
        second.seq = 3
        second.scope = "u"
        let push = PushRequest(envelope: envelope, fromSeq: 1, toSeq: 3, changes: [record, second], continues: true, batchID: "b")
        #expect(try JSONValue.parse(utf8: push.jsonBytes) == push.jsonValue)
        #expect(try PushRequest(json: JSONValue.parse(utf8: push.jsonBytes)) == push)
        let pull = PullResponse(changes: [record], next: 9, complete: false, knowledge: VersionVector(["h": 4]), clock: 4)
        #expect(try JSONValue.parse(utf8: pull.jsonBytes) == pull.jsonValue)
        let empty = PullResponse(changes: [], next: 0, complete: true, knowledge: VersionVector(), clock: 0)
        #expect(try PullResponse(json: JSONValue.parse(utf8: empty.jsonBytes)) == empty)
    }
}
