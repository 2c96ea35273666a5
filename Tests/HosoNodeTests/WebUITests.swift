import Foundation
import HosoDomain
import HosoHTTP
import HosoNode
import HosoTestSupport
import Testing

/// The web UI's server side, in-process: the page and its files, their headers, the
/// schema the forms are built from, and the invariants of the shipped code (no external
/// resources, no HTML built from strings). The browser itself is `BrowserTests`.
@Suite struct WebUITests {
    @Test func thePageAndItsFilesAreServedWithStrictHeaders() async throws {
        let node = try TestNode()
        let page = await node.send(.get, "/")
        #expect(page.status.code == 200)
        #expect(page.headers["Content-Type"]?.hasPrefix("text/html") == true)
        #expect(page.bodyText.contains("<html lang=\"vi\">"))
        let csp = try #require(page.headers["Content-Security-Policy"])
        #expect(csp.contains("script-src 'self'") && csp.contains("style-src 'self'") && csp.contains("frame-ancestors 'none'"))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
        #expect(page.headers["X-Frame-Options"] == "DENY" && page.headers["X-Content-Type-Options"] == "nosniff")

        for (file, type) in [("app.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg+xml")] {
            let response = await node.send(.get, "/ui/\(file)")
            #expect(response.status.code == 200, "\(file)")
            #expect(response.headers["Content-Type"]?.hasPrefix(type) == true, "\(file)")
            let etag = try #require(response.headers["ETag"])
            let again = await node.send(.get, "/ui/\(file)", headers: [("If-None-Match", etag)])
            #expect(again.status.code == 304 && again.body.isEmpty)
        }
        // Only the shipped files: no directory walking, no source files.
        for target in ["/ui/..%2FPackage.swift", "/ui/../Package.swift", "/ui/%2e%2e%2fnode.json", "/ui/nothing.js", "/ui/"] {
            let response = await node.send(.get, target)
            #expect(response.status.code == 404, "\(target)")
        }
    }

    @Test func theShippedCodeLoadsNothingExternalAndNeverBuildsHTMLFromStrings() throws {
        let assets = WebAssets.load()
        #expect(assets.directory != nil, "the UI files are found")
        #expect(Set(assets.files.keys).isSuperset(of: ["index.html", "app.js", "app.css", "favicon.svg"]))
        for (name, file) in assets.files {
            // (An SVG's XML namespace is a name, not a resource.)
            let text = String(decoding: file.bytes, as: UTF8.self).replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            // No CDN, no external fonts or scripts: the UI works on a unit's closed network.
            #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"), "\(name) refers to an external resource")
            if name.hasSuffix(".js") || name.hasSuffix(".html") {
                // Values reach the page only as text nodes and attribute values.
                for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                    #expect(!text.contains(forbidden), "\(name) uses \(forbidden)")
                }
                #expect(!text.contains(" style=\"") && !text.contains("onclick=\""), "\(name) has inline styles or handlers the CSP would block")
            }
        }
    }

    @Test func theSchemaDescribesEveryFieldWithItsVietnameseLabel() async throws {
        let node = try TestNode()
        #expect(await node.send(.get, "/api/schema").status.code == 401)
        let response = try await node.send(as: "hr.a", .get, "/api/schema")
        #expect(response.status.code == 200)
        let schema = try JSONValue.parse(response.bodyText)
        let kinds = try #require(schema["kinds"].arrayValue)
        #expect(kinds.count == DossierSchema.allKinds.count)
        let person = try #require(kinds.first { $0["name"] == "person" })
        #expect(person["fields"].arrayValue?.count == DossierSchema.person.fields.count)
        let name = try #require(person["fields"].arrayValue?.first { $0["name"] == "full_name" })
        #expect(name["label"] == "Họ và tên khai sinh" && name["required"] == true && name["type"] == "text")
        let sex = try #require(person["fields"].arrayValue?.first { $0["name"] == "sex" })
        #expect(sex["type"] == "code" && sex["catalogue"] == "gioi_tinh")
        let training = try #require(kinds.first { $0["name"] == "training" })
        #expect(training["path"] == "training" && training["key"] == "training")
        let hr = try #require(schema["roles"].arrayValue?.first { $0["id"] == "hr" })
        #expect(hr["permissions"].arrayValue?.contains("dossier.write") == true)
        #expect(hr["permissions"].arrayValue?.contains("audit.read") == false)
    }

    @Test func theUIsSessionProbeAnswersWithoutAnError() async throws {
        let node = try TestNode()
        let none = await node.send(.get, "/api/session?optional=1")
        #expect(none.status.code == 200)
        #expect(try JSONValue.parse(none.bodyText)["user"] == .null)
        let stale = await node.send(.get, "/api/session?optional=1", headers: [("Cookie", "hoso_session=not-a-session")])
        #expect(stale.status.code == 200)
        #expect(try JSONValue.parse(stale.bodyText)["user"] == .null)
        #expect(await node.send(.get, "/api/session").status.code == 401, "without optional=1 it is still 401")
        let session = try await node.login("hr.a")
        let mine = await node.send(.get, "/api/session?optional=1", headers: [("Cookie", "hoso_session=\(session.token)")])
        let body = try JSONValue.parse(mine.bodyText)
        #expect(body["user"]["username"] == "hr.a" && body["csrf_token"].stringValue == session.csrf)
    }
}
