import Foundation
import Testing
import HosoHTTP

@Suite("JSON bodies")
struct JSONBodyTests {
    struct Employee: Codable, Equatable {
        struct Step: Codable, Equatable { let year: Int; let title: String }
        let name: String
        let age: Int
        let history: [Step]?
    }

    struct Dated: Codable { let at: Date }

    func request(_ body: String, contentType: String? = "application/json") -> HTTPRequest {
        request(Array(body.utf8), contentType: contentType)
    }

    func request(_ body: [UInt8], contentType: String?) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        return HTTPRequest(method: .post, target: "/", headers: headers, body: body)
    }

    func httpError(_ body: () throws -> Any) -> HTTPError? {
        do {
            _ = try body()
            return nil
        } catch let error as HTTPError {
            return error
        } catch {
            return HTTPError(.internalServerError, code: "unexpected \(error)", message: "")
        }
    }

    @Test func decodesValidJSON() throws {
        let employee = try request(#"{"name":"Trần Thị B","age":41,"history":[{"year":2001,"title":"Kế toán"}]}"#)
            .decodeJSON(Employee.self)
        #expect(employee == Employee(name: "Trần Thị B", age: 41, history: [.init(year: 2001, title: "Kế toán")]))
    }

    @Test("JSON content types", arguments: [
        ("application/json", true), ("Application/JSON; charset=utf-8", true),
        ("application/merge-patch+json", true), ("text/plain", false), ("application/x-www-form-urlencoded", false),
        (nil, false),
    ] as [(String?, Bool)])
    func contentTypes(_ type: String?, accepted: Bool) {
        let error = httpError { try request(#"{"name":"A","age":1}"#, contentType: type).decodeJSON(Employee.self) }
        if accepted {
            #expect(error == nil)
        } else {
            #expect(error?.status == .unsupportedMediaType)
            #expect(error?.code == "unsupported_media_type")
        }
    }

    @Test func invalidUTF8Is400() {
        let error = httpError { try request([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], contentType: "application/json")
            .decodeJSON([String: Int].self) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "invalid_utf8")
    }

    @Test("malformed JSON", arguments: [#"{"name": "A", "age": 1"#, "not json", #"{"a":1 "b":2}"#, ""])
    func invalidJSONIs400(_ body: String) {
        let error = httpError { try request(body).decodeJSON(Employee.self) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "invalid_json")
        #expect(error?.details?["reason"] == (body.isEmpty ? "empty" : "syntax"))
    }

    @Test func wrongTypeNamesTheField() {
        let error = httpError { try request(#"{"name":5,"age":1}"#).decodeJSON(Employee.self) }
        #expect(error?.code == "invalid_json")
        #expect(error?.details?["field"] == "name")
        #expect(error?.details?["reason"] == "type_mismatch")
        #expect(error?.details?["expected"] == "string")
        #expect(error?.message.contains("name") == true)
    }

    @Test func nestedPathIsReported() {
        let body = #"{"name":"A","age":1,"history":[{"year":2000,"title":"x"},{"year":"2001","title":"y"}]}"#
        let error = httpError { try request(body).decodeJSON(Employee.self) }
        #expect(error?.details?["field"] == "history[1].year")
        #expect(error?.details?["expected"] == "integer")
    }

    @Test func missingAndNullFields() {
        let missing = httpError { try request(#"{"name":"A"}"#).decodeJSON(Employee.self) }
        #expect(missing?.details?["field"] == "age")
        #expect(missing?.details?["reason"] == "missing_field")
        #expect(missing?.message.contains("age") == true)
        let null = httpError { try request(#"{"name":null,"age":3}"#).decodeJSON(Employee.self) }
        #expect(null?.details?["field"] == "name")
        #expect(null?.details?["reason"] == "null_value")
    }

    @Test("ISO 8601 dates", arguments: [
        ("2024-05-01T08:30:00Z", 1_714_552_200.0), ("2024-05-01T08:30:00.250+07:00", 1_714_527_000.25),
        ("2024-05-01", 1_714_521_600.0),
    ])
    func dates(_ text: String, seconds: Double) throws {
        let value = try request("{\"at\":\"\(text)\"}").decodeJSON(Dated.self)
        #expect(abs(value.at.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test func badDateIsInvalidValue() {
        let error = httpError { try request(#"{"at":"01/05/2024"}"#).decodeJSON(Dated.self) }
        #expect(error?.details?["field"] == "at")
        #expect(error?.details?["reason"] == "invalid_value")
    }

    @Test func unknownTopLevelKeys() throws {
        let body = Array(#"{"name":"A","age":1,"zeta":true,"Alpha":{"nested":1}}"#.utf8)
        #expect(try JSONObjectKeys.unknownKeys(in: body, allowed: ["name", "age", "history"]) == ["Alpha", "zeta"])
        #expect(try JSONObjectKeys.unknownKeys(in: body, allowed: ["name", "age", "zeta", "Alpha"]).isEmpty)
        let error = httpError { try JSONObjectKeys.check(body: body, allowed: ["name", "age"]) }
        #expect(error?.status == .badRequest)
        #expect(error?.code == "unknown_field")
        #expect(error?.details?["fields"] == "Alpha, zeta")
        #expect(httpError { try JSONObjectKeys.check(body: body, allowed: ["name", "age", "zeta", "Alpha"]) } == nil)
        let notObject = httpError { try JSONObjectKeys.check(body: Array("[1,2]".utf8), allowed: []) }
        #expect(notObject?.code == "invalid_json")
    }

    @Test func responseJSONUsesSortedKeysAndISODates() throws {
        struct Out: Encodable { let z: Int; let a: String; let at: Date }
        let response = try HTTPResponse.json(Out(z: 1, a: "/x", at: Date(timeIntervalSince1970: 0)), status: .created)
        #expect(response.status == .created)
        #expect(response.bodyText == #"{"a":"/x","at":"1970-01-01T00:00:00Z","z":1}"#)
        #expect(response.headers["content-type"] == "application/json; charset=utf-8")
    }
}
