/// The code lists a new node starts with (shared/reference/domain-research.md §4, §8).
/// Administrators version and extend them later through the API; these are only the
/// first version, and a code is never reused for another meaning.
public enum SeedCatalogues {
    /// Every seed catalogue, one per `CatalogueID`.
    public static let all: [CatalogueDefinition] = [
        gioiTinh, danToc, tonGiao, quocTich, tinhTrangHonNhan, loaiCanBo, chucVu, ngach, giaoDucPhoThong,
        trinhDoChuyenMon, hocHam, lyLuanChinhTri, quanLyNhaNuoc, tinHoc, quanHam, nhomMau, doiTuongChinhSach,
        tinhTrangCongTac, quanHeGiaDinh, hinhThucDaoTao, xepLoaiTotNghiep, loaiBienDong, capKhenThuong,
        khenThuong, danhHieuThiDua, kyLuat, danhGia, loaiDonVi, trinhDoNgoaiNgu,
    ]

    /// The seed definition of `id`.
    public static func definition(_ id: CatalogueID) -> CatalogueDefinition {
        guard let found = all.first(where: { $0.catalogue == id }) else {
            preconditionFailure("every CatalogueID has a seed definition")
        }
        return found
    }

    static let gioiTinh = CatalogueDefinition(.gioiTinh, "Giới tính", version: "1", source: "Mẫu 2C-BNV/2008",
                                              codes: [("1", "Nam"), ("2", "Nữ")])

    /// The 54 ethnic groups in the order most Vietnamese HR applications use (QĐ 121-TCTK/PPCĐ, 1979).
    static let danToc = CatalogueDefinition(
        .danToc, "Dân tộc", version: "1979", source: "QĐ 121-TCTK/PPCĐ (thứ tự thông dụng)",
        note: "Tên gọi có nhiều cách viết (Khơ-me/Khmer, Mông/H'Mông): tìm kiếm bỏ dấu và gạch nối.",
        codes: [
            "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "HMông", "Dao", "Gia-rai", "Ngái", "Ê-đê",
            "Ba Na", "Xơ-Đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê", "Mnông", "Ra-glai", "Xtiêng",
            "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ-tu", "Gié Triêng", "Mạ", "Khơ-mú", "Co", "Tà-ôi", "Chơ-ro",
            "Kháng", "Xinh-mun", "Hà Nhì", "Chu-ru", "Lào", "La Chí", "La Ha", "Phù Lá", "La Hủ", "Lự",
            "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Co Lao", "Cống", "Bố Y", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ-măm",
        ].enumerated().map { (String(format2digits: $0 + 1), $1) } + [("55", "Người nước ngoài"), ("99", "Không xác định")])

    static let tonGiao = CatalogueDefinition(
        .tonGiao, "Tôn giáo", version: "2014", source: "QĐ 1019/QĐ-TCTK (12/11/2008), bổ sung 2014",
        codes: [
            ("00", "Không"), ("01", "Phật giáo"), ("02", "Công giáo"), ("03", "Phật giáo Hòa Hảo"), ("04", "Hồi giáo"),
            ("05", "Cao Đài"), ("06", "Minh Sư đạo"), ("07", "Minh Lý đạo"), ("08", "Tin Lành"),
            ("09", "Tịnh độ Cư sĩ Phật hội Việt Nam"), ("10", "Đạo Tứ Ân Hiếu Nghĩa"), ("11", "Bửu Sơn Kỳ Hương"),
            ("12", "Baha'i"), ("13", "Bà La Môn"), ("14", "Mặc Môn"), ("99", "Khác"),
        ])

    static let quocTich = CatalogueDefinition(
        .quocTich, "Quốc gia / Quốc tịch", version: "1", source: "ISO 3166-1 alpha-2 (tên tiếng Việt)",
        codes: [
            ("VN", "Việt Nam"), ("LA", "Lào"), ("KH", "Campuchia"), ("CN", "Trung Quốc"), ("TH", "Thái Lan"),
            ("SG", "Singapore"), ("MY", "Ma-lai-xi-a"), ("ID", "In-đô-nê-xi-a"), ("PH", "Phi-líp-pin"), ("JP", "Nhật Bản"),
            ("KR", "Hàn Quốc"), ("IN", "Ấn Độ"), ("RU", "Liên bang Nga"), ("BY", "Bê-la-rút"), ("UA", "U-crai-na"),
            ("CZ", "Séc"), ("PL", "Ba Lan"), ("HU", "Hung-ga-ri"), ("BG", "Bun-ga-ri"), ("DE", "Đức"), ("FR", "Pháp"),
            ("GB", "Vương quốc Anh"), ("NL", "Hà Lan"), ("BE", "Bỉ"), ("SE", "Thụy Điển"), ("CH", "Thụy Sĩ"),
            ("IT", "I-ta-li-a"), ("US", "Hoa Kỳ"), ("CA", "Ca-na-đa"), ("AU", "Ô-xtrây-li-a"), ("NZ", "Niu Di-lân"),
            ("CU", "Cu-ba"), ("TW", "Đài Loan (Trung Quốc)"), ("HK", "Hồng Công (Trung Quốc)"), ("XX", "Khác"),
        ])

    static let tinhTrangHonNhan = CatalogueDefinition(
        .tinhTrangHonNhan, "Tình trạng hôn nhân", version: "1", source: "Mẫu 2C-BNV/2008",
        codes: [("doc_than", "Độc thân"), ("co_vo_chong", "Có vợ/chồng"), ("ly_hon", "Ly hôn"), ("goa", "Góa")])

    static let loaiCanBo = CatalogueDefinition(
        .loaiCanBo, "Loại cán bộ, công chức, viên chức", version: "2019",
        source: "Luật CB,CC 2008 (sửa đổi 2019); Luật Viên chức 2010; NĐ 111/2022/NĐ-CP",
        codes: [
            ("can_bo", "Cán bộ"), ("cong_chuc", "Công chức"), ("vien_chuc", "Viên chức"),
            ("can_bo_xa", "Cán bộ cấp xã"), ("cong_chuc_xa", "Công chức cấp xã"),
            ("hop_dong", "Hợp đồng lao động (NĐ 111/2022, trước đây NĐ 68/2000)"),
            ("khong_chuyen_trach", "Người hoạt động không chuyên trách"),
        ])

    static let chucVu = CatalogueDefinition(
        .chucVu, "Chức vụ", version: "2025", source: "Thực tiễn cơ quan hành chính cấp tỉnh và xã (sau 01/07/2025)",
        note: "Chức vụ Đảng cần khớp danh mục của CSDL quốc gia khi có.",
        codes: [
            ("chu_tich_ubnd_tinh", "Chủ tịch UBND tỉnh"), ("pho_chu_tich_ubnd_tinh", "Phó Chủ tịch UBND tỉnh"),
            ("giam_doc_so", "Giám đốc Sở"), ("pho_giam_doc_so", "Phó Giám đốc Sở"),
            ("chanh_van_phong", "Chánh Văn phòng"), ("pho_chanh_van_phong", "Phó Chánh Văn phòng"),
            ("chanh_thanh_tra", "Chánh Thanh tra"), ("pho_chanh_thanh_tra", "Phó Chánh Thanh tra"),
            ("truong_phong", "Trưởng phòng"), ("pho_truong_phong", "Phó Trưởng phòng"),
            ("chu_tich_ubnd_xa", "Chủ tịch UBND xã/phường"), ("pho_chu_tich_ubnd_xa", "Phó Chủ tịch UBND xã/phường"),
            ("giam_doc_dvsn", "Giám đốc đơn vị sự nghiệp"), ("pho_giam_doc_dvsn", "Phó Giám đốc đơn vị sự nghiệp"),
            ("hieu_truong", "Hiệu trưởng"), ("pho_hieu_truong", "Phó Hiệu trưởng"),
            ("to_truong", "Tổ trưởng"), ("to_pho", "Tổ phó"),
        ])

    /// Grades (ngạch) with their salary group and coefficients (QĐ 78/2004/QĐ-BNV; TT 02/2021/TT-BNV;
    /// TT 29/2022/TT-BTC for accountants).
    static let ngach: CatalogueDefinition = {
        let grades: [(String, String, String)] = [
            ("01.001", "Chuyên viên cao cấp", "A3.1"), ("01.002", "Chuyên viên chính", "A2.1"),
            ("01.003", "Chuyên viên", "A1"), ("01.004", "Cán sự", "A0"), ("01.005", "Nhân viên", "B"),
            ("02.006", "Văn thư viên chính", "A2.1"), ("02.007", "Văn thư viên", "A1"), ("02.008", "Văn thư viên trung cấp", "B"),
            ("04.023", "Thanh tra viên cao cấp", "A3.1"), ("04.024", "Thanh tra viên chính", "A2.1"), ("04.025", "Thanh tra viên", "A1"),
            ("06.029", "Kế toán viên cao cấp", "A3.1"), ("06.030", "Kế toán viên chính", "A2.2"),
            ("06.031", "Kế toán viên", "A1"), ("06.032", "Kế toán viên trung cấp", "A0"),
            ("13.090", "Nghiên cứu viên cao cấp", "A3.1"), ("13.092", "Nghiên cứu viên chính", "A2.1"), ("13.093", "Nghiên cứu viên", "A1"),
            ("17.169", "Thư viện viên chính", "A2.2"),
        ]
        return CatalogueDefinition(
            .ngach, "Ngạch công chức, chức danh nghề nghiệp viên chức", version: "2022",
            source: "QĐ 78/2004/QĐ-BNV; TT 02/2021/TT-BNV; TT 29/2022/TT-BTC; bảng lương NĐ 204/2004/NĐ-CP",
            note: "Mã có thể bị tái sử dụng giữa các văn bản (02.006): lưu kèm ngày hiệu lực.",
            entries: grades.enumerated().map { index, grade in
                var attributes = SalaryScale.groups[grade.2]?.catalogueAttributes ?? [:]
                // The TT 11/2012 forms count grades by the administrative grade they are equivalent to.
                attributes["tuong_duong"] = grade.0 == "01.005" ? "nv" : SalaryScale.equivalentGrade(group: grade.2)
                return CatalogueEntry(code: grade.0, name: grade.1, attributes: attributes, sortOrder: index + 1)
            })
    }()

    static let giaoDucPhoThong = CatalogueDefinition(
        .giaoDucPhoThong, "Trình độ giáo dục phổ thông", version: "1", source: "Mẫu 2C-BNV/2008; TT 11/2012/TT-BNV",
        codes: [("12/12", "12/12"), ("11/12", "11/12"), ("10/12", "10/12"), ("9/12", "9/12"), ("10/10", "10/10 (hệ cũ)"),
                ("9/10", "9/10 (hệ cũ)"), ("7/10", "7/10 (hệ cũ)"), ("tieu_hoc", "Tiểu học")])

    static let trinhDoChuyenMon = CatalogueDefinition(
        .trinhDoChuyenMon, "Trình độ chuyên môn", version: "1", source: "TT 11/2012/TT-BNV (BM01, BM02)",
        codes: [("TSKH", "Tiến sĩ khoa học"), ("TS", "Tiến sĩ"), ("ThS", "Thạc sĩ"), ("DH", "Đại học"),
                ("CD", "Cao đẳng"), ("TC", "Trung cấp"), ("SC", "Sơ cấp"), ("CQDT", "Chưa qua đào tạo")])

    static let hocHam = CatalogueDefinition(.hocHam, "Học hàm", version: "1", source: "Mẫu 2C-BNV/2008",
                                            codes: [("GS", "Giáo sư"), ("PGS", "Phó Giáo sư")])

    static let lyLuanChinhTri = CatalogueDefinition(
        .lyLuanChinhTri, "Lý luận chính trị", version: "1", source: "TT 11/2012/TT-BNV (BM01, BM02)",
        codes: [("CN", "Cử nhân"), ("CC", "Cao cấp"), ("TC", "Trung cấp"), ("SC", "Sơ cấp")])

    static let quanLyNhaNuoc = CatalogueDefinition(
        .quanLyNhaNuoc, "Quản lý nhà nước", version: "1", source: "TT 11/2012/TT-BNV (BM01, BM02)",
        codes: [("CVCC", "Chuyên viên cao cấp và tương đương"), ("CVC", "Chuyên viên chính và tương đương"),
                ("CV", "Chuyên viên và tương đương"), ("CS", "Cán sự"), ("CQDT", "Chưa qua đào tạo")])

    static let tinHoc = CatalogueDefinition(
        .tinHoc, "Tin học", version: "2014", source: "TT 03/2014/TT-BTTTT; chứng chỉ A, B, C cũ",
        codes: [("CNTT_CB", "Ứng dụng CNTT cơ bản"), ("CNTT_NC", "Ứng dụng CNTT nâng cao"),
                ("A", "Chứng chỉ A (cũ)"), ("B", "Chứng chỉ B (cũ)"), ("C", "Chứng chỉ C (cũ)"),
                ("TC", "Trung cấp tin học"), ("CD", "Cao đẳng tin học"), ("DH", "Đại học tin học trở lên")])

    static let quanHam = CatalogueDefinition(
        .quanHam, "Quân hàm", version: "1", source: "Luật Sĩ quan QĐND Việt Nam; Luật Nghĩa vụ quân sự",
        codes: [("binh_nhi", "Binh nhì"), ("binh_nhat", "Binh nhất"), ("ha_si", "Hạ sĩ"), ("trung_si", "Trung sĩ"),
                ("thuong_si", "Thượng sĩ"), ("thieu_uy", "Thiếu úy"), ("trung_uy", "Trung úy"), ("thuong_uy", "Thượng úy"),
                ("dai_uy", "Đại úy"), ("thieu_ta", "Thiếu tá"), ("trung_ta", "Trung tá"), ("thuong_ta", "Thượng tá"),
                ("dai_ta", "Đại tá"), ("thieu_tuong", "Thiếu tướng")])

    static let nhomMau = CatalogueDefinition(.nhomMau, "Nhóm máu", version: "1", source: "Mẫu 2C-BNV/2008",
                                             codes: [("A", "A"), ("B", "B"), ("AB", "AB"), ("O", "O")])

    static let doiTuongChinhSach = CatalogueDefinition(
        .doiTuongChinhSach, "Đối tượng chính sách", version: "1", source: "Pháp lệnh Ưu đãi người có công 2020",
        codes: [("con_liet_si", "Con liệt sĩ"), ("con_thuong_binh", "Con thương binh"), ("con_benh_binh", "Con bệnh binh"),
                ("con_me_vnah", "Con Bà mẹ Việt Nam anh hùng"), ("con_anh_hung", "Con Anh hùng LLVTND, Anh hùng Lao động"),
                ("con_nguoi_co_cong", "Con người có công với cách mạng"), ("con_nhiem_chat_doc", "Con người bị nhiễm chất độc hóa học")])

    static let tinhTrangCongTac = CatalogueDefinition(
        .tinhTrangCongTac, "Tình trạng công tác", version: "1", source: "QĐ 539/QĐ-UBND-HC (2014) Điều 8; QĐ 16/2012/QĐ-UBND Điều 12",
        codes: [("dang_cong_tac", "Đang công tác"), ("nghi_huu", "Nghỉ hưu"), ("thoi_viec", "Thôi việc"), ("tu_tran", "Từ trần"),
                ("chuyen_khoi_dang", "Chuyển sang khối Đảng"), ("chuyen_ngoai_tinh", "Chuyển ra ngoài tỉnh"),
                ("nghi_khong_luong", "Nghỉ không lương"), ("tam_dinh_chi", "Tạm đình chỉ công tác")])

    static let quanHeGiaDinh = CatalogueDefinition(
        .quanHeGiaDinh, "Quan hệ gia đình", version: "1", source: "Mẫu 2C-BNV/2008 mục 30",
        codes: [("cha", "Cha"), ("me", "Mẹ"), ("vo", "Vợ"), ("chong", "Chồng"), ("con", "Con"), ("anh", "Anh ruột"),
                ("chi", "Chị ruột"), ("em", "Em ruột"), ("cha_vo", "Cha vợ"), ("me_vo", "Mẹ vợ"), ("cha_chong", "Cha chồng"),
                ("me_chong", "Mẹ chồng"), ("ong_noi", "Ông nội"), ("ba_noi", "Bà nội"), ("ong_ngoai", "Ông ngoại"),
                ("ba_ngoai", "Bà ngoại"), ("cha_nuoi", "Cha nuôi"), ("me_nuoi", "Mẹ nuôi")])

    static let hinhThucDaoTao = CatalogueDefinition(
        .hinhThucDaoTao, "Hình thức đào tạo", version: "1", source: "Mẫu 2C-BNV/2008 mục 27",
        codes: [("chinh_quy", "Chính quy"), ("tai_chuc", "Tại chức / Vừa làm vừa học"), ("tu_xa", "Đào tạo từ xa"),
                ("lien_thong", "Liên thông"), ("van_bang_2", "Văn bằng 2"), ("chuyen_tu", "Chuyên tu"),
                ("boi_duong", "Bồi dưỡng"), ("truc_tuyen", "Trực tuyến")])

    static let xepLoaiTotNghiep = CatalogueDefinition(
        .xepLoaiTotNghiep, "Xếp loại tốt nghiệp", version: "1", source: "Quy chế đào tạo (Bộ GD&ĐT)",
        codes: [("XS", "Xuất sắc"), ("G", "Giỏi"), ("K", "Khá"), ("TBK", "Trung bình khá"), ("TB", "Trung bình")])

    static let loaiBienDong = CatalogueDefinition(
        .loaiBienDong, "Loại biến động", version: "1", source: "QĐ 539/QĐ-UBND-HC Điều 8; Luật CB,CC",
        codes: [("tuyen_dung", "Tuyển dụng"), ("tiep_nhan", "Tiếp nhận"), ("bo_nhiem", "Bổ nhiệm"), ("bo_nhiem_lai", "Bổ nhiệm lại"),
                ("mien_nhiem", "Miễn nhiệm"), ("tu_chuc", "Từ chức"), ("dieu_dong", "Điều động"), ("luan_chuyen", "Luân chuyển"),
                ("biet_phai", "Biệt phái"), ("thuyen_chuyen", "Thuyên chuyển"), ("kiem_nhiem", "Kiêm nhiệm"),
                ("chuyen_ngach", "Chuyển ngạch"), ("nang_ngach", "Nâng ngạch / thăng hạng"), ("nang_luong", "Nâng bậc lương thường xuyên"),
                ("nang_luong_truoc_han", "Nâng bậc lương trước thời hạn"), ("vuot_khung", "Phụ cấp thâm niên vượt khung"),
                ("nghi_huu", "Nghỉ hưu"), ("thoi_viec", "Thôi việc"), ("buoc_thoi_viec", "Buộc thôi việc"), ("tu_tran", "Từ trần"),
                ("chuyen_khoi_dang", "Chuyển sang khối Đảng"), ("chuyen_ngoai_tinh", "Chuyển ra ngoài tỉnh"), ("quy_hoach", "Quy hoạch")])

    static let capKhenThuong = CatalogueDefinition(
        .capKhenThuong, "Cấp khen thưởng", version: "2025", source: "Luật Thi đua, khen thưởng 2022",
        note: "Cấp huyện giữ lại cho hồ sơ trước 01/07/2025.",
        entries: [
            CatalogueEntry(code: "nha_nuoc", name: "Nhà nước", sortOrder: 1),
            CatalogueEntry(code: "chinh_phu", name: "Chính phủ / Thủ tướng Chính phủ", sortOrder: 2),
            CatalogueEntry(code: "bo", name: "Bộ, ban, ngành Trung ương", sortOrder: 3),
            CatalogueEntry(code: "tinh", name: "Tỉnh", sortOrder: 4),
            CatalogueEntry(code: "huyen", name: "Huyện (trước 01/07/2025)", sortOrder: 5, validTo: "2025-06-30"),
            CatalogueEntry(code: "co_so", name: "Cơ sở (sở, ngành, xã)", sortOrder: 6),
        ])

    static let khenThuong = CatalogueDefinition(
        .khenThuong, "Hình thức khen thưởng", version: "2022", source: "Luật Thi đua, khen thưởng 2022 Điều 29",
        note: "Tách riêng với danh hiệu thi đua (trộn lẫn làm hỏng đồng bộ CSDL quốc gia).",
        codes: [("huan_chuong_sao_vang", "Huân chương Sao vàng"), ("huan_chuong_ho_chi_minh", "Huân chương Hồ Chí Minh"),
                ("huan_chuong_doc_lap", "Huân chương Độc lập"), ("huan_chuong_lao_dong_1", "Huân chương Lao động hạng Nhất"),
                ("huan_chuong_lao_dong_2", "Huân chương Lao động hạng Nhì"), ("huan_chuong_lao_dong_3", "Huân chương Lao động hạng Ba"),
                ("huy_chuong", "Huy chương"), ("bang_khen_ttg", "Bằng khen của Thủ tướng Chính phủ"),
                ("bang_khen_bo", "Bằng khen cấp bộ, ban, ngành"), ("bang_khen_tinh", "Bằng khen của Chủ tịch UBND tỉnh"),
                ("giay_khen", "Giấy khen"), ("ky_niem_chuong", "Kỷ niệm chương")])

    static let danhHieuThiDua = CatalogueDefinition(
        .danhHieuThiDua, "Danh hiệu thi đua", version: "2022", source: "Luật Thi đua, khen thưởng 2022 Điều 23",
        codes: [("cstd_toan_quoc", "Chiến sĩ thi đua toàn quốc"), ("cstd_tinh", "Chiến sĩ thi đua cấp tỉnh"),
                ("cstd_co_so", "Chiến sĩ thi đua cơ sở"), ("lao_dong_tien_tien", "Lao động tiên tiến")])

    static let kyLuat = CatalogueDefinition(
        .kyLuat, "Hình thức kỷ luật", version: "2020", source: "NĐ 112/2020/NĐ-CP; NĐ 71/2023/NĐ-CP",
        entries: [
            CatalogueEntry(code: "khien_trach", name: "Khiển trách", attributes: ["keo_dai_nang_luong_thang": "6", "keo_dai_vien_chuc_thang": "3"], sortOrder: 1),
            CatalogueEntry(code: "canh_cao", name: "Cảnh cáo", attributes: ["keo_dai_nang_luong_thang": "6"], sortOrder: 2),
            CatalogueEntry(code: "ha_bac_luong", name: "Hạ bậc lương", attributes: ["keo_dai_nang_luong_thang": "12"], sortOrder: 3),
            CatalogueEntry(code: "giang_chuc", name: "Giáng chức", attributes: ["keo_dai_nang_luong_thang": "12"], sortOrder: 4),
            CatalogueEntry(code: "cach_chuc", name: "Cách chức", attributes: ["keo_dai_nang_luong_thang": "12"], sortOrder: 5),
            CatalogueEntry(code: "buoc_thoi_viec", name: "Buộc thôi việc", sortOrder: 6),
        ])

    /// Evaluation levels: NĐ 90/2020/NĐ-CP from 2020; the pre-2020 third level is kept
    /// for older years (its `ap_dung` attribute says so).
    static let danhGia = CatalogueDefinition(
        .danhGia, "Đánh giá, xếp loại", version: "2020", source: "NĐ 90/2020/NĐ-CP; NĐ 56/2015/NĐ-CP (trước 2020)",
        entries: [
            CatalogueEntry(code: "HTXS", name: "Hoàn thành xuất sắc nhiệm vụ", sortOrder: 1),
            CatalogueEntry(code: "HTT", name: "Hoàn thành tốt nhiệm vụ", sortOrder: 2),
            CatalogueEntry(code: "HT", name: "Hoàn thành nhiệm vụ", sortOrder: 3),
            CatalogueEntry(code: "HTHC", name: "Hoàn thành nhiệm vụ nhưng còn hạn chế về năng lực",
                           attributes: ["ap_dung": "den_nam_2019"], sortOrder: 4),
            CatalogueEntry(code: "KHT", name: "Không hoàn thành nhiệm vụ", attributes: ["keo_dai_nang_luong_thang": "6"], sortOrder: 5),
        ])

    /// Unit types: the organisation tree is data, of any depth (domain.md), and the
    /// levels a province uses change (districts were removed on 01/07/2025).
    static let loaiDonVi = CatalogueDefinition(
        .loaiDonVi, "Loại đơn vị", version: "2025", source: "Luật Tổ chức chính quyền địa phương 2025",
        entries: [
            CatalogueEntry(code: "ubnd_tinh", name: "UBND tỉnh", sortOrder: 1),
            CatalogueEntry(code: "so_nganh", name: "Sở, ban, ngành", sortOrder: 2),
            CatalogueEntry(code: "phong_ban", name: "Phòng, ban trực thuộc", sortOrder: 3),
            CatalogueEntry(code: "dvsn", name: "Đơn vị sự nghiệp công lập", sortOrder: 4),
            CatalogueEntry(code: "ubnd_huyen", name: "UBND huyện (trước 01/07/2025)", sortOrder: 5, validTo: "2025-06-30"),
            CatalogueEntry(code: "ubnd_xa", name: "UBND xã, phường, đặc khu", sortOrder: 6),
            CatalogueEntry(code: "truong_hoc", name: "Trường học", sortOrder: 7),
        ])

    /// Foreign-language level, as the TT 11/2012 forms count it (university degree in the
    /// language, or certificate A/B/C, since TT 01/2014/TT-BGDĐT the levels 1–6).
    static let trinhDoNgoaiNgu = CatalogueDefinition(
        .trinhDoNgoaiNgu, "Trình độ ngoại ngữ", version: "2014", source: "TT 11/2012/TT-BNV (BM01, BM02); TT 01/2014/TT-BGDĐT",
        entries: [
            CatalogueEntry(code: "DH", name: "Đại học trở lên", attributes: ["nhom": "dai_hoc"], sortOrder: 1),
            CatalogueEntry(code: "C", name: "Chứng chỉ C / bậc 4 trở lên", attributes: ["nhom": "chung_chi"], sortOrder: 2),
            CatalogueEntry(code: "B", name: "Chứng chỉ B / bậc 3", attributes: ["nhom": "chung_chi"], sortOrder: 3),
            CatalogueEntry(code: "A", name: "Chứng chỉ A / bậc 1–2", attributes: ["nhom": "chung_chi"], sortOrder: 4),
        ])
}

extension String {
    /// A two-digit, zero-padded number (`01`).
    init(format2digits value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
