/// How a child reaches its parent: one request/response exchange of JSON bytes on a sync
/// endpoint. The HTTP implementation is the real one; an in-memory one calls the
/// parent's router directly, so a whole hub + nodes topology runs in one test process.
public protocol SyncTransport: Sendable {
    /// Sends `body` to the parent's `path` (e.g. `/sync/v1/push`) with the node
    /// credential and returns the status and body, or throws `SyncError(.transport)`
    /// when no answer arrived.
    func exchange(path: String, body: [UInt8], credential: String) async throws -> (status: Int, body: [UInt8])
}
