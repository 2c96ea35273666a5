import Foundation
import Testing
@testable import HosoDomain

@Suite struct JSONValueTests {
    @Test func writesCanonicalCompactJSON() {
        let value: JSONValue = ["b": 1, "a": [true, nil, 2.5, "x/y"], "é": "Nguyễn \"An\"\n"]
        #expect(value.jsonString() == #"{"a":[true,null,2.5,"x/y"],"b":1,"é":"Nguyễn \"An\"\n"}"#)
        #expect(JSONValue.number(2.34).jsonString() == "2.34")
        #expect(JSONValue.number(-0.0).jsonString() == "0")
        #expect(JSONValue.number(.nan).jsonString() == "null")
        #expect(JSONValue.string("\u{1}").jsonString() == #""\u0001""#)
    }

    @Test func roundTripsThroughText() throws {
        let value: JSONValue = ["name": "Trần Thị Ánh 😀", "n": 1234567890123, "f": 0.1, "nested": [["k": [1, 2, 3]]], "empty": [:], "list": []]
        #expect(try JSONValue.parse(value.jsonString()) == value)
    }

    @Test func agreesWithFoundation() throws {
        let text = #"{"a": [1, -2.5e3, "\u00e9\ud83d\ude00", false], "b": {"c": null}, "d": "tab\tslash\/"}"#
        let ours = try JSONValue.parse(text)
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == foundation)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"abc", "\"\\x\"", "\"\\ud800\"", "tru", "nul",
        "{\"a\":1}x", "{\"a\":1,\"a\":2}", "\"a\u{1}b\"", "1e999", "{'a':1}", "[1 2]",
    ])
    func refusesInvalidText(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(utf8: [0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONValue.parse(ok)) != nil)
    }

    @Test func timestampsRoundTrip() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let text = FastFormat.timestamp(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        #expect(abs(FastFormat.parseTimestamp(text)!.timeIntervalSince1970 - 1_795_000_000.123) < 0.001)
        #expect(FastFormat.parseTimestamp("2026-11-18T11:06:40Z") != nil)
        #expect(FastFormat.parseTimestamp("2026-02-30T07:46:40Z") == nil)
        #expect(FastFormat.parseTimestamp("yesterday") == nil)
    }
}
