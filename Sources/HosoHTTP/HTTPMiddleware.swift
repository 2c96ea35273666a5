/// Anything that turns a request into a response: the server's single entry point.
///
/// `respond` cannot throw: a responder owns its error rendering (``Router`` turns
/// errors into JSON), so the socket layer never has to guess a status.
public protocol HTTPResponder: Sendable {
    /// Produces the response to `request`.
    func respond(to request: HTTPRequest) async -> HTTPResponse
}

/// The continuation a middleware calls to run the rest of the chain.
public typealias HTTPNext = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// A layer around the route handlers: authentication, request ids, audit logging…
///
/// A middleware may answer by itself (by returning or throwing) or call `next` with a
/// possibly modified request. In a ``Router``, `next` never throws: errors from inner
/// layers are already rendered as responses, so an outer logging middleware always
/// sees the final status.
public protocol HTTPMiddleware: Sendable {
    /// Handles `request`, usually by calling `next`.
    func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws
        -> HTTPResponse
}

/// A middleware written as a closure.
public struct ClosureMiddleware: HTTPMiddleware {
    /// The closure type.
    public typealias Body = @Sendable (HTTPRequest, @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws
        -> HTTPResponse

    private let body: Body

    /// Wraps `body`.
    public init(_ body: @escaping Body) { self.body = body }

    /// Calls the closure.
    public func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws
        -> HTTPResponse
    {
        try await body(request, next)
    }
}

/// A responder written as a closure; handy for tests and tiny servers.
public struct ClosureResponder: HTTPResponder {
    private let body: @Sendable (HTTPRequest) async -> HTTPResponse

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) { self.body = body }

    /// Calls the closure.
    public func respond(to request: HTTPRequest) async -> HTTPResponse { await body(request) }
}

/// Gives every request an id (``RequestIDKey``) and echoes it in `X-Request-Id`.
///
/// A client-supplied `X-Request-Id` is kept only when it is a short token, so it can
/// be logged and echoed without header-injection or log-forging risk.
public struct RequestIDMiddleware: HTTPMiddleware {
    /// The header carrying the id in both directions.
    public let headerName: String
    /// Whether an acceptable client-supplied id is reused instead of a fresh one.
    public let trustClientID: Bool

    /// Creates the middleware.
    public init(headerName: String = "X-Request-Id", trustClientID: Bool = false) {
        self.headerName = headerName
        self.trustClientID = trustClientID
    }

    /// Sets the attribute, calls `next`, stamps the response header.
    public func handle(_ request: HTTPRequest, next: @Sendable (HTTPRequest) async throws -> HTTPResponse) async throws
        -> HTTPResponse
    {
        var request = request
        let id: String
        if trustClientID, let supplied = request.headers[headerName], RequestIDGenerator.isAcceptable(supplied) {
            id = supplied
        } else {
            id = RequestIDGenerator.make()
        }
        request.attributes[RequestIDKey.self] = id
        var response = try await next(request)
        response.headers.set(name: headerName, value: id)
        return response
    }
}
