import HosoDomain
import Testing

/// The CSV files provinces keep, as Excel and LibreOffice write them.
@Suite struct CSVReaderTests {
    func parse(_ text: String) throws(CSVReader.ParseError) -> (Character, [CSVReader.Record]) {
        let result = try CSVReader.parse(Array(text.utf8))
        return (result.separator, result.records)
    }

    @Test func quotedFieldsDoubledQuotesAndEmbeddedLineBreaks() throws {
        let (separator, records) = try parse("Họ và tên,Ghi chú\r\n\"Nguyễn Văn \"\"Tí\"\" An\",\"dòng 1\r\ndòng 2\"\r\n\"Lê, Thị B\",\"a\nb\"\r\n")
        #expect(separator == ",")
        #expect(records.map(\.fields) == [["Họ và tên", "Ghi chú"], ["Nguyễn Văn \"Tí\" An", "dòng 1\r\ndòng 2"], ["Lê, Thị B", "a\nb"]])
        // Rows as a spreadsheet numbers them; lines as an editor does.
        #expect(records.map(\.row) == [1, 2, 3])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test(arguments: [("a;b;c\n1;2;3\n", Character(";")), ("a,b,c\n1,2,3\n", Character(",")), ("a\tb\tc\n1\t2\t3\n", Character("\t")),
                      ("\"x;y\",b,c\n1,2,3\n", Character(","))])
    func separatorIsDetectedFromTheFirstLine(_ text: String, _ expected: Character) throws {
        let (separator, records) = try parse(text)
        #expect(separator == expected)
        #expect(records.count == 2)
        #expect(records[1].fields == ["1", "2", "3"])
    }

    @Test func byteOrderMarkIsDroppedAndEmptyFieldsKept() throws {
        let (_, records) = try CSVReader.parse([0xEF, 0xBB, 0xBF] + Array("STT;Họ và tên;;\n1;;x;\n".utf8))
        #expect(records[0].fields == ["STT", "Họ và tên", "", ""])
        #expect(records[1].fields == ["1", "", "x", ""])
    }

    @Test func lineEndsOfEveryKindAndBlankLinesCountAsRows() throws {
        let (_, records) = try parse("a,b\r1,2\n\n3,4\r\n,\r\n")
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"], ["", ""]])
        #expect(records.map(\.row) == [1, 2, 4, 5], "the blank line is row 3, as Excel shows it")
        let (_, unterminated) = try parse("a,b\n1,2")
        #expect(unterminated.last?.fields == ["1", "2"])
    }

    @Test func aQuoteInsideAnUnquotedFieldIsKeptAsTyped() throws {
        let (_, records) = try parse("a,b\nđĩa 5\" inch,x\n")
        #expect(records[1].fields == ["đĩa 5\" inch", "x"])
    }

    @Test func malformedFilesAreRefusedWithTheLine() throws {
        #expect(throws: CSVReader.ParseError.self) { try parse("a,b\n1,\"không đóng\n2,3\n") }
        do { _ = try parse("a,b\n1,\"không đóng\n2,3\n"); Issue.record("accepted") } catch {
            #expect(error.code == "unterminated_quote")
            #expect(error.line == 2)
            #expect(error.message.contains("Dòng 2"))
        }
        do { _ = try parse("a,b\n\"x\"y,2\n"); Issue.record("accepted") } catch {
            #expect(error.code == "invalid_quote")
            #expect(error.line == 2)
        }
        // Windows-1258 / TCVN3 bytes are not UTF-8: say so, naming the line.
        do { _ = try CSVReader.parse(Array("Họ tên\nx\n".utf8) + [0x4E, 0x67, 0xE3, 0x0A]); Issue.record("accepted") } catch {
            #expect(error.code == "invalid_encoding")
            #expect(error.line == 3)
            #expect(error.message.contains("UTF-8"))
        }
        do { _ = try CSVReader.parse([0xFF, 0xFE, 0x61, 0x00]); Issue.record("accepted") } catch {
            #expect(error.message.contains("UTF-16"))
        }
    }
}
