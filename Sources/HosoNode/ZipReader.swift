import CZlib
import Foundation

/// Reads the files of a ZIP archive held in memory (PKWARE APPNOTE 6.3: the end record,
/// the central directory, each local header), stored or raw-deflated, as XLSX workbooks
/// are. Built for untrusted uploads: every offset is bounds-checked, every entry's CRC-32
/// verified, and inflated sizes are capped so a small "zip bomb" cannot fill memory.
struct ZipReader {
    /// Why an archive could not be read; the message is Vietnamese, for the user.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// One file of the archive, located but not yet inflated.
    struct Entry {
        var name: String
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let bytes: [UInt8]
    /// The entries by name.
    let entries: [String: Entry]
    /// Most bytes one entry may inflate to.
    let maxEntryBytes: Int

    /// Reads the central directory of `bytes`.
    init(_ bytes: [UInt8], maxEntryBytes: Int = 64 << 20, maxEntries: Int = 10_000) throws(Failure) {
        self.bytes = bytes
        self.maxEntryBytes = maxEntryBytes
        guard bytes.count >= 22, bytes.starts(with: [0x50, 0x4B]) else {
            throw Failure(message: "Tệp không phải bảng tính Excel .xlsx (không phải tệp nén ZIP).")
        }
        // The end record sits in the last 22 bytes plus a comment of at most 65535.
        var end = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw Failure(message: "Tệp .xlsx bị hỏng hoặc tải lên không trọn (thiếu phần kết của tệp nén).") }
        let count = Int(Self.le16(bytes, end + 10))
        let directorySize = Int(Self.le32(bytes, end + 12))
        let directoryOffset = Int(Self.le32(bytes, end + 16))
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF {
            throw Failure(message: "Tệp .xlsx dùng định dạng ZIP64 (quá lớn); hãy chia nhỏ bảng tính.")
        }
        guard count <= maxEntries, directoryOffset + directorySize <= end else {
            throw Failure(message: "Tệp .xlsx bị hỏng (mục lục tệp nén không hợp lệ).")
        }
        var entries: [String: Entry] = [:]
        var p = directoryOffset
        for _ in 0..<count {
            guard p + 46 <= end, Self.le32(bytes, p) == 0x0201_4B50 else {
                throw Failure(message: "Tệp .xlsx bị hỏng (mục lục tệp nén không hợp lệ).")
            }
            let flags = Self.le16(bytes, p + 8)
            let nameLength = Int(Self.le16(bytes, p + 28)), extraLength = Int(Self.le16(bytes, p + 30)), commentLength = Int(Self.le16(bytes, p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= end else {
                throw Failure(message: "Tệp .xlsx bị hỏng (mục lục tệp nén không hợp lệ).")
            }
            if flags & 0x1 != 0 { throw Failure(message: "Tệp .xlsx có mật khẩu (đã mã hóa); hãy bỏ mật khẩu rồi tải lên lại.") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            entries[name] = Entry(name: name, method: Self.le16(bytes, p + 10), crc: Self.le32(bytes, p + 16),
                                  compressedSize: Int(Self.le32(bytes, p + 20)), size: Int(Self.le32(bytes, p + 24)),
                                  localHeaderOffset: Int(Self.le32(bytes, p + 42)))
            p += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The inflated content of `name`, or nil when the archive has no such file.
    func read(_ name: String) throws(Failure) -> [UInt8]? {
        guard let entry = entries[name] else { return nil }
        let broken = Failure(message: "Tệp .xlsx bị hỏng (phần '\(name)' không đọc được).")
        let h = entry.localHeaderOffset
        guard h + 30 <= bytes.count, Self.le32(bytes, h) == 0x0403_4B50 else { throw broken }
        let start = h + 30 + Int(Self.le16(bytes, h + 26)) + Int(Self.le16(bytes, h + 28))
        guard start + entry.compressedSize <= bytes.count else { throw broken }
        guard entry.size <= maxEntryBytes else {
            throw Failure(message: "Phần '\(name)' của tệp .xlsx giải nén ra quá \(maxEntryBytes >> 20) MB; hãy chia nhỏ bảng tính.")
        }
        let packed = bytes[start..<(start + entry.compressedSize)]
        let content: [UInt8]
        switch entry.method {
        case 0: content = Array(packed)
        case 8: content = try inflate(packed, expected: entry.size, name: name)
        default: throw Failure(message: "Tệp .xlsx nén bằng phương pháp không hỗ trợ (\(entry.method)); hãy lưu lại bằng Excel hoặc LibreOffice.")
        }
        guard content.count == entry.size else { throw broken }
        let crc = content.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc else { throw broken }
        return content
    }

    /// Raw inflate (window bits -15), stopping at `expected` bytes (+1 to notice a lie).
    func inflate(_ input: ArraySlice<UInt8>, expected: Int, name: String) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "Không khởi tạo được bộ giải nén zlib.")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: expected + 1)
        var source = Array(input)
        let status: Int32 = source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw Failure(message: "Tệp .xlsx bị hỏng (phần '\(name)' giải nén lỗi).")
        }
        output.removeLast(output.count - expected)
        return output
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
