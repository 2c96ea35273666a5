import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

@Suite struct OpenAPITests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test func committedDocumentMatchesTheServedOne() throws {
        let committed = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("openapi.json"), encoding: .utf8)
        let served = try JSONValue.parse(committed)
        #expect(served == OpenAPIDocument.make(), "openapi.json is stale: run `swift run hoso openapi > openapi.json`")
    }

    @Test func everyDocumentedOperationIsRoutedAndNeverFails() async throws {
        let node = try TestNode()
        let s = try await node.login("admin")
        guard case .object(let paths) = OpenAPIDocument.make()["paths"] else { Issue.record("no paths"); return }
        for (template, item) in paths {
            let path = template.replacingOccurrences(of: "{id}", with: node.dossierA1).replacingOccurrences(of: "{rowId}", with: "x")
                .replacingOccurrences(of: "{code}", with: "01")
            for method in ["get", "post", "patch", "put", "delete"] where item[method] != .null {
                if method == "delete" || template == "/api/backup" { continue }
                let response = await node.send(HTTPMethod(rawValue: method.uppercased()), path, json: [:], token: s.token)
                #expect(response.status.code != 405, "\(method) \(template) is not routed")
                #expect(response.status.code < 500, "\(method) \(template): \(response.bodyText)")
            }
        }
    }

    @Test func everyFieldOfTheSchemaIsDocumented() {
        let schemas = OpenAPIDocument.make()["components"]["schemas"]
        for kind in DossierSchema.allKinds {
            let name = kind.name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            for field in kind.fields {
                #expect(schemas[name + "Fields"]["properties"][field.name] != .null, "\(kind.name).\(field.name)")
            }
        }
    }
}
