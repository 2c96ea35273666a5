import Foundation
import HosoDomain
import HosoHTTP

/// The browser UI: static HTML, CSS and JavaScript shipped as package resources
/// (`Resources/web`), no build step, no external CDN. Loaded once, served from memory.
public struct WebAssets: Sendable {
    public struct File: Sendable {
        public var bytes: [UInt8]
        public var contentType: String
        public var etag: String
    }

    /// Loaded once per process.
    public static let shared = WebAssets.load()

    public let files: [String: File]
    /// Where the files were found (nil: not found; the node serves the API only).
    public let directory: String?

    static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json; charset=utf-8",
    ]

    /// Looks for the UI in `HOSO_WEB_ROOT`, beside the executable (SwiftPM's resource
    /// bundle `hoso_HosoNode.resources`), then in the source tree.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates: [String] = []
        if let root = environment["HOSO_WEB_ROOT"], !root.isEmpty { candidates.append(root) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("hoso_HosoNode.resources/Resources/web").path)
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/web").path)
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }

    public static func load(from directory: String? = locate()) -> WebAssets {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return WebAssets(files: [:], directory: nil)
        }
        var files: [String: File] = [:]
        for name in names where !name.hasPrefix(".") {
            let ext = String(name.split(separator: ".").last ?? "")
            guard let type = types[ext], let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            let bytes = Array(data)
            files[name] = File(bytes: bytes, contentType: type, etag: "\"" + String(SHA256.hex(bytes).prefix(16)) + "\"")
        }
        return WebAssets(files: files, directory: directory)
    }

    /// The response for one file (with `If-None-Match` revalidation).
    func response(_ name: String, request: HTTPRequest) -> HTTPResponse? {
        guard let file = files[name] else { return nil }
        if request.headers["If-None-Match"] == file.etag {
            return HTTPResponse(status: .notModified, headers: ["ETag": file.etag, "Cache-Control": "no-cache"], body: [])
        }
        return HTTPResponse(status: .ok, headers: ["Content-Type": file.contentType, "ETag": file.etag, "Cache-Control": "no-cache"],
                            body: request.method == .head ? [] : file.bytes)
    }
}

extension NodeAPI {
    /// `/` (the application page) and `/ui/<file>` (its scripts and styles).
    func addWebRoutes(_ router: Router, assets: WebAssets) {
        let name = self.name
        router.get("/") { request, _ in
            assets.response("index.html", request: request) ?? HTTPResponse.text(Self.landingText(name: name), status: .ok)
        }
        router.get("/ui/:file") { request, parameters in
            guard let file = parameters["file"], let response = assets.response(file, request: request) else {
                return APIResponse.error(NodeError.notFound("tệp"))
            }
            return response
        }
    }

    /// The dossier's structure for forms: every kind (the résumé and each history table)
    /// with its fields, Vietnamese labels, types, limits and catalogues.
    static func schemaDocument() -> JSONValue {
        func field(_ f: FieldSpec) -> JSONValue {
            var o: JSONObject = ["name": .string(f.name), "label": .string(f.label), "required": .bool(f.required)]
            switch f.type {
            case .text(let max): o["type"] = "text"; o["max_length"] = .number(Double(max))
            case .date: o["type"] = "date"
            case .month: o["type"] = "month"
            case .year: o["type"] = "year"
            case .integer(let min, let max): o["type"] = "integer"; o["min"] = .number(Double(min)); o["max"] = .number(Double(max))
            case .decimal(let min, let max): o["type"] = "decimal"; o["min"] = .number(min); o["max"] = .number(max)
            case .boolean: o["type"] = "boolean"
            case .code(let catalogue): o["type"] = "code"; o["catalogue"] = .string(catalogue.rawValue)
            case .personalID: o["type"] = "personal_id"
            case .choice(let values): o["type"] = "choice"; o["choices"] = .array(values.map(JSONValue.string))
            }
            return .object(o)
        }
        let kinds = DossierSchema.allKinds.map { kind -> JSONValue in
            let key: String? = kind.isSubRecord ? kind.jsonKey : nil
            return .object([
                "name": .string(kind.name), "label": .string(kind.label), "form_item": kind.formItem.map(JSONValue.string) ?? .null,
                "path": kind.pathSegment.map(JSONValue.string) ?? .null, "key": key.map(JSONValue.string) ?? .null,
                "fields": .array(kind.fields.map(field)),
            ])
        }
        let roles = Role.allCases.map { role in
            JSONValue.object(["id": .string(role.rawValue), "label": .string(role.label), "scope": .string(role.scope.rawValue),
                              "permissions": .array((AccessPolicy.grants[role] ?? []).map(\.rawValue).sorted().map(JSONValue.string))])
        }
        return .object(["kinds": .array(kinds), "roles": .array(roles)])
    }
}
