import CZlib
import Foundation

/// A ZIP archive (PKWARE APPNOTE 6.3: local headers, central directory, end record)
/// written in memory with raw deflate from zlib — the container of an XLSX workbook.
/// Entry times are fixed (1980-01-01), so the same content gives the same bytes.
struct ZipArchive {
    private var bytes: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    /// Adds a file, deflated.
    mutating func add(_ path: String, _ content: [UInt8]) throws {
        let name = Array(path.utf8)
        let crc = content.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        let packed = try Self.deflate(content)
        let offset = UInt32(bytes.count)
        // Local file header.
        var header: [UInt8] = []
        header.le32(0x0403_4B50); header.le16(20); header.le16(0x0800); header.le16(8)
        header.le16(0); header.le16(0x21)
        header.le32(crc); header.le32(UInt32(packed.count)); header.le32(UInt32(content.count))
        header.le16(UInt16(name.count)); header.le16(0)
        bytes += header + name + packed
        // Its central directory entry.
        central.le32(0x0201_4B50); central.le16(20); central.le16(20); central.le16(0x0800); central.le16(8)
        central.le16(0); central.le16(0x21)
        central.le32(crc); central.le32(UInt32(packed.count)); central.le32(UInt32(content.count))
        central.le16(UInt16(name.count)); central.le16(0); central.le16(0); central.le16(0); central.le16(0)
        central.le32(0); central.le32(offset)
        central += name
        count += 1
    }

    /// The archive's bytes.
    func finish() -> [UInt8] {
        var end: [UInt8] = []
        end.le32(0x0605_4B50); end.le16(0); end.le16(0)
        end.le16(UInt16(count)); end.le16(UInt16(count))
        end.le32(UInt32(central.count)); end.le32(UInt32(bytes.count)); end.le16(0)
        return bytes + central + end
    }

    /// Raw deflate (no zlib header: window bits -15), as ZIP method 8 stores it.
    static func deflate(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw NodeError(.unavailable, "zlib", "Không khởi tạo được bộ nén zlib.")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw NodeError(.unavailable, "zlib", "Nén dữ liệu thất bại (zlib \(status)).") }
        return Array(output.prefix(Int(stream.total_out)))
    }
}

private extension [UInt8] {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
}
