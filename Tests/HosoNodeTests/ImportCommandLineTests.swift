import Foundation
import HosoDomain
import HosoNode
import HosoTestSupport
import Testing

/// `hoso import` and `hoso export-national` as an operator runs them.
@Suite(.serialized) struct ImportCommandLineTests {
    @Test func importChecksThenCommitsThenFindsNothingNew() throws {
        let dir = NSTemporaryDirectory() + "hoso-import-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try HosoBinary.check(["init", "--data", dir, "--name", "Sở Nội vụ", "--unit-code", "DT", "--unit-name", "UBND tỉnh Đồng Tháp"])
        let file = dir + "/danh-sach.csv"
        try Data("""
            Họ và tên;Ngày sinh;Giới tính;Số CCCD;Đơn vị;Mã ngạch;Bậc;Hệ số
            Nguyễn Văn An;12/04/1985;Nam;087085012345;DT;01.003;3;3,00
            Trần Thị Bình;1990;Nữ;087190012346;UBND tỉnh Đồng Tháp;Chuyên viên;2;2,67

            """.utf8).write(to: URL(fileURLWithPath: file))

        let dry = try HosoBinary.run(["import", "--data", dir, "--file", file])
        #expect(dry.status == 0, "\(dry.stdout) \(dry.stderr)")
        #expect(dry.stdout.contains("Kiểm tra thử (chưa ghi gì)"))
        #expect(dry.stdout.contains("Tạo mới: 2"))
        let store = try NodeStore(path: dir + "/hoso.sqlite")
        #expect(try store.listDossiers(.commandLine(), DossierFilter()).total == 0, "a dry run writes nothing")

        let report = dir + "/bao-cao.csv"
        let committed = try HosoBinary.run(["import", "--data", dir, "--file", file, "--commit", "--report", report])
        #expect(committed.status == 0, "\(committed.stdout) \(committed.stderr)")
        #expect(committed.stdout.contains("Đã nhập"))
        #expect(FileManager.default.fileExists(atPath: report))
        #expect(try store.listDossiers(.commandLine(), DossierFilter()).total == 2)

        let again = try HosoBinary.run(["import", "--data", dir, "--file", file, "--commit", "--json"])
        #expect(again.status == 0)
        let json = try JSONValue.parse(again.stdout)
        #expect(json["totals"]["unchanged"] == 2 && json["totals"]["create"] == 0)
        #expect(try store.listDossiers(.commandLine(), DossierFilter()).total == 2)

        // A file with an error: reported by row and column, exit 1, nothing written.
        let bad = dir + "/loi.csv"
        try Data("Họ và tên;Ngày sinh;Giới tính;Số CCCD;Đơn vị\nLê Văn Cường;30/02/1980;Nam;087080000001;DT\n".utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try HosoBinary.run(["import", "--data", dir, "--file", bad, "--commit"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("Dòng 2, cột B (Ngày sinh): Ngày sinh '30/02/1980' không có trên lịch"), "\(refused.stdout)")
        #expect(refused.stderr.hasPrefix("Error: "))
        #expect(try store.listDossiers(.commandLine(), DossierFilter()).total == 2)
        let malformed = dir + "/hong.csv"
        try Data("Họ và tên,Số CCCD\n\"Lê Văn A,087080001111\n".utf8).write(to: URL(fileURLWithPath: malformed))
        let broken = try HosoBinary.run(["import", "--data", dir, "--file", malformed])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("dấu ngoặc kép"))
        #expect(try HosoBinary.run(["import", "--data", dir, "--file", file, "--existing", "replace"]).status == 64)
        #expect(try HosoBinary.run(["import", "--data", dir, "--file", dir + "/khong-co.csv"]).status == 64)
        #expect(try HosoBinary.run(["import", "--help"]).stdout.contains("USAGE: hoso import --data <dir> --file <file>"))

        // The national export: every dossier keyed; then one without an id is listed.
        let output = dir + "/csdlqg.jsonl"
        let exported = try HosoBinary.run(["export-national", "--data", dir, "--output", output])
        #expect(exported.status == 0, "\(exported.stdout) \(exported.stderr)")
        #expect(exported.stdout.contains("Đã xuất 2 hồ sơ"))
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { (try? JSONValue.parse(String($0)))?["so_dinh_danh"].stringValue?.count == 12 })
        let unit = try #require(try store.units(.commandLine()).first?.id)
        _ = try store.createDossier(.commandLine(), TestNode.person(name: "Phạm Văn Chưa", unit: unit))
        let partial = try HosoBinary.run(["export-national", "--data", dir, "--output", output])
        #expect(partial.status == 2)
        #expect(partial.stdout.contains("1 hồ sơ chưa có số định danh"))
        let rejected = try String(contentsOfFile: dir + "/csdlqg-loi.csv", encoding: .utf8)
        #expect(rejected.contains("Phạm Văn Chưa,12/04/1985,DT"))
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 2)
    }
}
