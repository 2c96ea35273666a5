import HosoDomain
import Testing
@testable import HosoReplication

/// The handoff state machine, driven without sockets: events in, decisions out, with
/// an injected clock.
@Suite struct HandoffMachineTests {
    let machine = HandoffMachine(timeout: 30 * 86_400)
    let day = 86_400.0

    func event(_ kind: HandoffEvent.Kind, at: String = "2026-11-23T00:00:00.000Z", _ data: JSONObject = [:]) -> HandoffEvent {
        HandoffEvent(kind: kind, at: at, node: "n", user: nil, data: data)
    }

    func next(_ kinds: [HandoffEvent.Kind], sender: Bool = false, receiver: Bool = false, coordinator: Bool = false, now: Double = 0,
              atVector: Bool = true, delivered: Bool = true, mayPrepare: Bool = true, obstacle: String? = nil) -> HandoffMachine.Action? {
        machine.next(HandoffState(kinds.map { event($0) }), roles: .init(sender: sender, receiver: receiver, coordinator: coordinator),
                     now: now, requestedAt: 0, haveDossierAtVector: atVector, haveDossierDelivered: delivered,
                     mayPrepare: mayPrepare, obstacle: obstacle)
    }

    @Test func aDossierMovedOrDeletedMeanwhileEndsTheHandoff() {
        // Two transfers of one dossier requested while apart: the sender prepares one at a time.
        #expect(next([.request], sender: true, mayPrepare: false) == nil)
        // Once the other moved it (or it was deleted), the coordinator aborts this one, whatever its phase.
        #expect(next([.request], coordinator: true, obstacle: "superseded") == .abort(reason: "superseded"))
        #expect(next([.request, .prepare, .accept], coordinator: true, obstacle: "dossier_deleted") == .abort(reason: "dossier_deleted"))
        #expect(next([.request], sender: true, obstacle: "superseded") == nil, "no prepare for a dossier that left")
        // A refusal is still reported as a refusal.
        #expect(next([.request, .refuse], coordinator: true, obstacle: "superseded") == .abort(reason: "refused"))
        // After the commit nothing undoes it.
        #expect(next([.request, .prepare, .accept, .commit], coordinator: true, obstacle: "superseded") == nil)
    }

    @Test func phasesFollowTheEvents() {
        #expect(HandoffState([event(.request)]).phase == .requested)
        #expect(HandoffState([event(.request), event(.prepare)]).phase == .prepared)
        #expect(HandoffState([event(.request), event(.prepare), event(.accept), event(.commit)]).phase == .committed)
        #expect(HandoffState([event(.request), event(.prepare), event(.commit), event(.deliver)]).phase == .delivered)
        #expect(HandoffState([event(.request), event(.refuse), event(.abort)]).phase == .aborted)
        // Should both ever appear, ownership has moved: commit wins.
        #expect(HandoffState([event(.request), event(.abort), event(.commit)]).phase == .committed)
    }

    @Test func theDossierIsFrozenFromRequestToCommitOrAbort() {
        #expect(HandoffState([event(.request)]).freezesDossier)
        #expect(HandoffState([event(.request), event(.prepare), event(.accept)]).freezesDossier)
        #expect(!HandoffState([event(.request), event(.prepare), event(.commit)]).freezesDossier)
        #expect(!HandoffState([event(.request), event(.abort)]).freezesDossier)
        #expect(!HandoffState([]).freezesDossier)
    }

    @Test func eachRoleTakesOnlyItsOwnStep() {
        #expect(next([.request], sender: true) == .prepare)
        #expect(next([.request], receiver: true) == nil)
        #expect(next([.request, .prepare], sender: true) == nil, "prepare once")
        #expect(next([.request, .prepare], coordinator: true) == nil, "no commit before the receiver accepts")
        #expect(next([.request, .prepare, .accept], coordinator: true) == .commit)
        #expect(next([.request, .prepare, .accept], coordinator: true, atVector: false) == nil, "not before every change up to the vector")
        #expect(next([.request, .accept], coordinator: true) == nil, "not before the sender prepared")
        #expect(next([.request, .prepare, .accept, .commit], receiver: true) == .deliver)
        #expect(next([.request, .prepare, .accept, .commit], receiver: true, delivered: false) == nil)
        #expect(next([.request, .prepare, .accept, .commit], coordinator: true) == nil)
        #expect(next([.request, .prepare, .accept, .commit, .deliver], sender: true, receiver: true, coordinator: true) == nil)
    }

    @Test func aNodeWithEveryRoleRunsTheWholeHandoff() {
        var kinds: [HandoffEvent.Kind] = [.request, .accept]
        for _ in 0..<5 {
            guard let action = next(kinds, sender: true, receiver: true, coordinator: true) else { break }
            switch action {
            case .prepare: kinds.append(.prepare)
            case .commit: kinds.append(.commit)
            case .deliver: kinds.append(.deliver)
            case .abort: kinds.append(.abort)
            }
        }
        #expect(kinds == [.request, .accept, .prepare, .commit, .deliver])
    }

    @Test(arguments: [HandoffEvent.Kind.refuse, .cancel])
    func refusalOrCancellationAbortsBeforeCommitOnly(_ kind: HandoffEvent.Kind) {
        let reason = kind == .refuse ? "refused" : "cancelled"
        #expect(next([.request, kind], coordinator: true) == .abort(reason: reason))
        #expect(next([.request, .prepare, .accept, kind], coordinator: true) == .abort(reason: reason), "abort wins over commit when both are due")
        #expect(next([.request, .prepare, .accept, .commit, kind], coordinator: true) == nil, "too late after commit")
        #expect(next([.request, kind], sender: true) == nil, "the sender does not prepare a withdrawn handoff")
    }

    @Test func theCoordinatorAbortsAfterTheTimeoutBeforeCommit() {
        #expect(next([.request], coordinator: true, now: 29 * day) == nil)
        #expect(next([.request], coordinator: true, now: 31 * day) == .abort(reason: "timeout"))
        #expect(next([.request, .prepare, .accept, .commit], coordinator: true, now: 300 * day) == nil, "a commit is never undone")
    }

    @Test func eventIdsAreTheSameWhereverTheyAreWritten() {
        #expect(HandoffEvent.id(handoff: "h1", kind: .prepare) == HandoffEvent.id(handoff: "h1", kind: .prepare))
        #expect(HandoffEvent.id(handoff: "h1", kind: .prepare) != HandoffEvent.id(handoff: "h1", kind: .commit))
        #expect(HandoffEvent.id(handoff: "h1", kind: .prepare) != HandoffEvent.id(handoff: "h2", kind: .prepare))
        #expect(RecordIDShape.isUUID(HandoffEvent.id(handoff: "h1", kind: .abort)))
    }
}

enum RecordIDShape {
    static func isUUID(_ text: String) -> Bool { RecordID.isValid(text) }
}
