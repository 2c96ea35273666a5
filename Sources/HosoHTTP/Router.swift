import Foundation

/// A route handler: the request and the parameters captured by the pattern.
public typealias RouteHandler = @Sendable (HTTPRequest, RouteParameters) async throws -> HTTPResponse

/// Maps method + path patterns to handlers, wrapped in middleware.
///
/// Patterns are `/literal/:param/*rest`. When several patterns match, the most specific
/// wins (literal before `:param` before `*wildcard`, left to right). Behaviour:
/// - unknown path → 404 `not_found`; known path, other method → 405 `method_not_allowed`
///   with `Allow` (RFC 9110 §15.5.6 requires it);
/// - `HEAD` is served by the `GET` handler with the body removed and its length kept
///   in `Content-Length` (RFC 9110 §9.3.2);
/// - `OPTIONS` without an explicit route answers 204 with `Allow`;
/// - methods no route has (TRACE, CONNECT, QUERY, unknown tokens) get 405 with `Allow`;
/// - a thrown ``HTTPError`` becomes its JSON; a `DecodingError` becomes 400
///   `invalid_json` naming the field; anything else becomes 500 `internal` whose body
///   never contains the error's text (it goes to `errorReporter` instead).
///
/// `@unchecked Sendable`: `routes` and `middlewares` are only touched while holding
/// `lock`; `respond` works on a snapshot taken under the lock.
public final class Router: HTTPResponder, @unchecked Sendable {
    private struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let handler: RouteHandler
    }

    private let lock = NSLock()
    private var routes: [Route] = []
    private var middlewares: [any HTTPMiddleware] = []
    private let errorReporter: (@Sendable (any Error, HTTPRequest) -> Void)?

    /// Creates an empty router. `errorReporter` receives every error that is turned
    /// into a 500, with the request, for logging.
    public init(errorReporter: (@Sendable (any Error, HTTPRequest) -> Void)? = nil) {
        self.errorReporter = errorReporter
    }

    /// Registers `handler` for `method` on `pattern`; registering the same method and
    /// pattern shape again replaces the previous handler.
    public func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping RouteHandler) {
        let route = Route(method: method, pattern: RoutePattern(pattern), handler: handler)
        lock.withLock {
            routes.removeAll { $0.method == method && $0.pattern.shape == route.pattern.shape }
            routes.append(route)
        }
    }

    /// Registers a GET handler (which also serves HEAD).
    public func get(_ pattern: String, _ handler: @escaping RouteHandler) { add(.get, pattern, handler) }
    /// Registers a POST handler.
    public func post(_ pattern: String, _ handler: @escaping RouteHandler) { add(.post, pattern, handler) }
    /// Registers a PUT handler.
    public func put(_ pattern: String, _ handler: @escaping RouteHandler) { add(.put, pattern, handler) }
    /// Registers a PATCH handler.
    public func patch(_ pattern: String, _ handler: @escaping RouteHandler) { add(.patch, pattern, handler) }
    /// Registers a DELETE handler.
    public func delete(_ pattern: String, _ handler: @escaping RouteHandler) { add(.delete, pattern, handler) }

    /// Appends a middleware; the first one added is the outermost.
    public func use(_ middleware: any HTTPMiddleware) {
        lock.withLock { middlewares.append(middleware) }
    }

    /// Appends a closure middleware.
    public func use(_ body: @escaping ClosureMiddleware.Body) { use(ClosureMiddleware(body)) }

    /// Runs the middleware chain and the matching handler; never throws.
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let (routes, middlewares) = lock.withLock { (self.routes, self.middlewares) }
        let reporter = errorReporter
        var chain: HTTPNext = { request in
            do {
                return try await Router.dispatch(request, routes: routes)
            } catch {
                return Router.response(for: error, request: request, reporter: reporter)
            }
        }
        for middleware in middlewares.reversed() {
            let next = chain
            chain = { request in
                do {
                    return try await middleware.handle(request, next: next)
                } catch {
                    return Router.response(for: error, request: request, reporter: reporter)
                }
            }
        }
        var response: HTTPResponse
        do {
            response = try await chain(request)
        } catch {
            response = Router.response(for: error, request: request, reporter: reporter)
        }
        if request.method == .head { Router.stripBody(&response) }
        return response
    }

    /// Renders any error as a response (see the type's documentation).
    public static func response(for error: any Error, request: HTTPRequest? = nil,
                                reporter: (@Sendable (any Error, HTTPRequest) -> Void)? = nil) -> HTTPResponse {
        switch error {
        case let error as HTTPError:
            return error.response
        case let error as DecodingError:
            return HTTPError(decodingError: error).response
        case let error as HTTPParseError:
            return error.httpError.response
        default:
            if let reporter, let request { reporter(error, request) }
            return HTTPError.internalError.response
        }
    }

    private static func dispatch(_ request: HTTPRequest, routes: [Route]) async throws -> HTTPResponse {
        // A method no resource here implements (TRACE, CONNECT, QUERY, an unknown token)
        // gets 405 with the resource's Allow below rather than RFC 9110's suggested 501:
        // it is the client's mistake, and a 5xx would read as a server fault to monitoring
        // and API checkers. The parser has already refused malformed method tokens.
        let segments = request.routingSegments
        var candidates: [(route: Route, parameters: RouteParameters)] = []
        for route in routes {
            if let parameters = route.pattern.match(segments) { candidates.append((route, parameters)) }
        }
        if request.path == "*" || candidates.isEmpty {
            if request.method == .options && request.path == "*" {
                return allowResponse(Set(routes.map(\.method)))
            }
            throw HTTPError.notFound()
        }
        var pool = candidates.filter { $0.route.method == request.method }
        if pool.isEmpty && request.method == .head { pool = candidates.filter { $0.route.method == .get } }
        let best = pool.reduce(nil) { (best: (route: Route, parameters: RouteParameters)?, next) in
            guard let best else { return next }
            return next.route.pattern.isMoreSpecific(than: best.route.pattern) ? next : best
        }
        if let best {
            return try await best.route.handler(request, best.parameters)
        }
        let allowed = Set(candidates.map(\.route.method))
        if request.method == .options { return allowResponse(allowed) }
        throw HTTPError(.methodNotAllowed, code: "method_not_allowed",
                        message: "Phương thức \(request.method) không được phép với địa chỉ này",
                        headers: ["Allow": allowHeader(allowed)])
    }

    /// `Allow` lists the registered methods, plus HEAD when GET exists and OPTIONS.
    private static func allowHeader(_ methods: Set<HTTPMethod>) -> String {
        var all = methods
        if all.contains(.get) { all.insert(.head) }
        all.insert(.options)
        return all.map(\.rawValue).sorted().joined(separator: ", ")
    }

    private static func allowResponse(_ methods: Set<HTTPMethod>) -> HTTPResponse {
        HTTPResponse(status: .noContent, headers: ["Allow": allowHeader(methods)])
    }

    /// HEAD: same header fields as GET, no content, but the length GET would send
    /// (RFC 9110 §9.3.2, §8.6).
    private static func stripBody(_ response: inout HTTPResponse) {
        guard !response.body.isEmpty else { return }
        if response.headers["Content-Length"] == nil, response.status.allowsBody {
            response.headers.set(name: "Content-Length", value: String(response.body.count))
        }
        response.body = []
    }
}
