import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoReplication
import HosoTestSupport
import Testing

@Suite struct TopologyTests {
    let cli = Principal.commandLine("test")

    @Test func aFreshNodeReceivesSharedDataAndItsScopeOnly() async throws {
        let t = try TestTopology()
        let inA = try t.hub.store.createDossier(cli, TestTopology.person("Nguyễn Văn An", unit: t.units["A1"]!))["id"]!.stringValue!
        let inB = try t.hub.store.createDossier(cli, TestTopology.person("Trần Thị Bình", unit: t.units["B"]!, sex: "2"))["id"]!.stringValue!
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let digests = try a.store.dossierDigests()
        #expect(Set(digests.keys) == [inA], "node A holds its dossiers and none of B's")
        #expect(try t.hub.store.dossierDigests()[inA] == digests[inA])
        _ = inB
        // Catalogues, units and the node registry arrived.
        #expect(try a.store.catalogueEntries("dan_toc").count == 56)
        #expect(try a.store.units(cli).count == t.units.count)
        #expect(try a.store.sharedDigests().filter { $0.key.hasPrefix("catalogue_entries:") } == t.hub.store.sharedDigests().filter { $0.key.hasPrefix("catalogue_entries:") })
    }

    @Test func aNodesWritesReachTheHubAndComeBackUnchanged() async throws {
        let t = try TestTopology()
        let a = try t.addNode("A", units: ["A"])
        try await t.settle()
        let created = try a.store.createDossier(cli, TestTopology.person("Lê Văn Cường", unit: t.units["A2"]!))
        let id = created["id"]!.stringValue!
        _ = try a.store.createSubRecord(cli, personID: id, kind: DossierSchema.training,
                                        body: ["institution": "Học viện Hành chính Quốc gia", "from_month": "2010-09"])
        try await t.settle()
        let hubDigests = try t.hub.store.dossierDigests()
        #expect(hubDigests[id] != nil)
        #expect(hubDigests[id] == (try a.store.dossierDigests()[id]))
        let status = try a.store.syncStatus(settings: a.sync?.settings)
        #expect(status.state == "ok")
        #expect(status.pending_changes == 0)
        let child = try #require(try t.hub.store.children().first)
        #expect(child.lag_up == 0 && child.status == "active")
    }
}
