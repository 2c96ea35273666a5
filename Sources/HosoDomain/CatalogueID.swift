/// The catalogues (danh mục) a dossier field can draw its codes from. The raw value is
/// the catalogue's stable id in the database and in URLs (`/api/catalogues/dan_toc`).
public enum CatalogueID: String, Sendable, Hashable, CaseIterable, Codable {
    case gioiTinh = "gioi_tinh"
    case danToc = "dan_toc"
    case tonGiao = "ton_giao"
    case quocTich = "quoc_tich"
    case tinhTrangHonNhan = "tinh_trang_hon_nhan"
    case loaiCanBo = "loai_can_bo"
    case chucVu = "chuc_vu"
    case ngach = "ngach"
    case giaoDucPhoThong = "giao_duc_pho_thong"
    case trinhDoChuyenMon = "trinh_do_chuyen_mon"
    case hocHam = "hoc_ham"
    case lyLuanChinhTri = "ly_luan_chinh_tri"
    case quanLyNhaNuoc = "quan_ly_nha_nuoc"
    case tinHoc = "tin_hoc"
    case quanHam = "quan_ham"
    case nhomMau = "nhom_mau"
    case doiTuongChinhSach = "doi_tuong_chinh_sach"
    case tinhTrangCongTac = "tinh_trang_cong_tac"
    case quanHeGiaDinh = "quan_he_gia_dinh"
    case hinhThucDaoTao = "hinh_thuc_dao_tao"
    case xepLoaiTotNghiep = "xep_loai_tot_nghiep"
    case loaiBienDong = "loai_bien_dong"
    case capKhenThuong = "cap_khen_thuong"
    case khenThuong = "khen_thuong"
    case danhHieuThiDua = "danh_hieu_thi_dua"
    case kyLuat = "ky_luat"
    case danhGia = "danh_gia"
    case loaiDonVi = "loai_don_vi"
    case trinhDoNgoaiNgu = "trinh_do_ngoai_ngu"
}

/// One code of a catalogue.
public struct CatalogueEntry: Sendable, Hashable {
    /// The code stored in dossiers.
    public let code: String
    /// The Vietnamese name shown to users.
    public let name: String
    /// Extra typed facts about the code as text (a ngạch's salary group and
    /// coefficients, say), so the schema survives new attributes.
    public let attributes: [String: String]
    /// Display position.
    public let sortOrder: Int
    /// First day the code may be used (`yyyy-MM-dd`), if limited.
    public let validFrom: String?
    /// Last day the code may be used in new values; old dossiers keep it.
    public let validTo: String?

    /// Creates an entry.
    public init(code: String, name: String, attributes: [String: String] = [:], sortOrder: Int,
                validFrom: String? = nil, validTo: String? = nil) {
        self.code = code
        self.name = name
        self.attributes = attributes
        self.sortOrder = sortOrder
        self.validFrom = validFrom
        self.validTo = validTo
    }
}

/// A versioned code list with the document it comes from.
public struct CatalogueDefinition: Sendable {
    /// Which catalogue.
    public let catalogue: CatalogueID
    /// Vietnamese name of the catalogue.
    public let name: String
    /// Version label of the code list.
    public let version: String
    /// The issuing document (or practice) the codes follow.
    public let source: String
    /// Remarks for administrators.
    public let note: String?
    /// The codes, in display order.
    public let entries: [CatalogueEntry]

    /// The catalogue's id in the database.
    public var id: String { catalogue.rawValue }

    /// Creates a definition from `(code, name)` pairs numbered in order.
    public init(_ catalogue: CatalogueID, _ name: String, version: String, source: String, note: String? = nil,
                codes: [(String, String)]) {
        self.init(catalogue, name, version: version, source: source, note: note,
                  entries: codes.enumerated().map { CatalogueEntry(code: $1.0, name: $1.1, sortOrder: $0 + 1) })
    }

    /// Creates a definition from full entries.
    public init(_ catalogue: CatalogueID, _ name: String, version: String, source: String, note: String? = nil,
                entries: [CatalogueEntry]) {
        self.catalogue = catalogue
        self.name = name
        self.version = version
        self.source = source
        self.note = note
        self.entries = entries
    }
}
