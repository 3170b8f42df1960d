/**
 * Names of the sample district: Tân Yên, Bắc Giang province, as planned in 2016. All Vietnamese
 * text is written in Unicode NFC with the modern tone placement ("Hòa", "Hóa"); `vn()` normalises
 * it once more, so an editor that saves NFD cannot break it.
 */
export const vn = (s: string): string => s.normalize('NFC');

/** An ASCII slug of Vietnamese text: "Đồng Tâm" → "dong-tam". */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export interface CommuneSpec {
  /** "xa" (commune) or "tt" (thị trấn, town). */
  type: 'xa' | 'tt';
  name: string;
  /** Number of villages (thôn) or urban quarters (tổ dân phố). */
  villages: number;
}

/**
 * The 25 commune-level party committees. Tân Yên had 22 communes and 2 towns in 2016; the plan
 * counts 25 commune party committees (3 of 25 = 12% in its footnote), so the 25th (Ngọc Sơn) is a
 * stand-in. Village counts add up to the plan's 369.
 */
export const COMMUNES: readonly CommuneSpec[] = [
  { type: 'tt', name: 'Cao Thượng', villages: 12 },
  { type: 'tt', name: 'Nhã Nam', villages: 9 },
  { type: 'xa', name: 'Cao Thượng', villages: 16 },
  { type: 'xa', name: 'Nhã Nam', villages: 11 },
  { type: 'xa', name: 'An Dương', villages: 13 },
  { type: 'xa', name: 'Cao Xá', villages: 19 },
  { type: 'xa', name: 'Đại Hóa', villages: 15 },
  { type: 'xa', name: 'Hợp Đức', villages: 12 },
  { type: 'xa', name: 'Lam Cốt', villages: 11 },
  { type: 'xa', name: 'Lan Giới', villages: 16 },
  { type: 'xa', name: 'Liên Chung', villages: 17 },
  { type: 'xa', name: 'Liên Sơn', villages: 20 },
  { type: 'xa', name: 'Ngọc Châu', villages: 12 },
  { type: 'xa', name: 'Ngọc Lý', villages: 16 },
  { type: 'xa', name: 'Ngọc Thiện', villages: 21 },
  { type: 'xa', name: 'Ngọc Vân', villages: 14 },
  { type: 'xa', name: 'Phúc Hòa', villages: 18 },
  { type: 'xa', name: 'Phúc Sơn', villages: 10 },
  { type: 'xa', name: 'Quang Tiến', villages: 12 },
  { type: 'xa', name: 'Quế Nham', villages: 13 },
  { type: 'xa', name: 'Song Vân', villages: 15 },
  { type: 'xa', name: 'Tân Trung', villages: 13 },
  { type: 'xa', name: 'Việt Lập', villages: 22 },
  { type: 'xa', name: 'Việt Ngọc', villages: 20 },
  { type: 'xa', name: 'Ngọc Sơn', villages: 12 },
];

/** Agencies under the district Party Committee and People's Committee (cơ quan, đơn vị). */
export const AGENCIES: readonly { id: string; name: string }[] = [
  { id: 'cq-vp-huyen-uy', name: 'Văn phòng Huyện ủy' },
  { id: 'cq-ban-to-chuc', name: 'Ban Tổ chức Huyện ủy' },
  { id: 'cq-ubkt-huyen-uy', name: 'Ủy ban Kiểm tra Huyện ủy' },
  { id: 'cq-ban-tuyen-giao', name: 'Ban Tuyên giáo Huyện ủy' },
  { id: 'cq-tt-boi-duong-chinh-tri', name: 'Trung tâm Bồi dưỡng chính trị huyện' },
  { id: 'cq-vp-hdnd-ubnd', name: 'Văn phòng HĐND và UBND huyện' },
  { id: 'cq-phong-noi-vu', name: 'Phòng Nội vụ' },
  { id: 'cq-phong-tu-phap', name: 'Phòng Tư pháp' },
  { id: 'cq-phong-tc-kh', name: 'Phòng Tài chính – Kế hoạch' },
  { id: 'cq-phong-tn-mt', name: 'Phòng Tài nguyên và Môi trường' },
  { id: 'cq-phong-ld-tbxh', name: 'Phòng Lao động – Thương binh và Xã hội' },
  { id: 'cq-phong-vh-tt', name: 'Phòng Văn hóa và Thông tin' },
  { id: 'cq-phong-gd-dt', name: 'Phòng Giáo dục và Đào tạo' },
  { id: 'cq-phong-y-te', name: 'Phòng Y tế' },
  { id: 'cq-thanh-tra', name: 'Thanh tra huyện' },
  { id: 'cq-phong-kt-ht', name: 'Phòng Kinh tế và Hạ tầng' },
  { id: 'cq-phong-nn-ptnt', name: 'Phòng Nông nghiệp và Phát triển nông thôn' },
  { id: 'cq-ban-qlda', name: 'Ban Quản lý dự án đầu tư xây dựng huyện' },
  { id: 'cq-tt-y-te', name: 'Trung tâm Y tế huyện' },
  { id: 'cq-benh-vien', name: 'Bệnh viện Đa khoa huyện Tân Yên' },
  { id: 'cq-tt-vh-tt', name: 'Trung tâm Văn hóa – Thể thao huyện' },
  { id: 'cq-dai-truyen-thanh', name: 'Đài Truyền thanh huyện' },
  { id: 'cq-tt-quy-dat', name: 'Trung tâm Phát triển quỹ đất huyện' },
  { id: 'cq-cong-an', name: 'Công an huyện' },
  { id: 'cq-ban-chqs', name: 'Ban Chỉ huy Quân sự huyện' },
  { id: 'cq-chi-cuc-thue', name: 'Chi cục Thuế huyện' },
  { id: 'cq-kho-bac', name: 'Kho bạc Nhà nước huyện' },
  { id: 'cq-bhxh', name: 'Bảo hiểm xã hội huyện' },
  { id: 'cq-toa-an', name: 'Tòa án nhân dân huyện' },
  { id: 'cq-vien-kiem-sat', name: 'Viện Kiểm sát nhân dân huyện' },
];

/** The Ban Dân vận, the Fatherland Front and the five district socio-political organisations. */
export const MASS_ORGS: readonly { id: string; name: string }[] = [
  { id: 'bdv-huyen-uy', name: 'Ban Dân vận Huyện ủy' },
  { id: 'mttq-huyen', name: 'Ủy ban MTTQ huyện' },
  { id: 'ldld-huyen', name: 'Liên đoàn Lao động huyện' },
  { id: 'huyen-doan', name: 'Huyện đoàn' },
  { id: 'hlhpn-huyen', name: 'Hội Liên hiệp Phụ nữ huyện' },
  { id: 'hnd-huyen', name: 'Hội Nông dân huyện' },
  { id: 'hccb-huyen', name: 'Hội Cựu chiến binh huyện' },
];

/** Names of villages (thôn) common in the Bắc Giang midlands; each commune draws its own. */
export const VILLAGE_NAMES: readonly string[] = [
  'Đồng Tâm', 'Tân Lập', 'Trung Tâm', 'Hòa Bình', 'Quyết Tiến', 'Đoàn Kết', 'Thống Nhất', 'Tiến Bộ',
  'Đồng Điều', 'Đồng Lạng', 'Đồng Gia', 'Đồng Vàng', 'Đồng Sen', 'Đồng Bông', 'Đồng Cờ', 'Đồng Lim',
  'Đình Nẻo', 'Đình Cao', 'Đình Nội', 'Làng Chùa', 'Làng Trên', 'Làng Dưới', 'Làng Mới', 'Làng Thị',
  'Trại Mới', 'Trại Cả', 'Trại Găng', 'Trại Nhì', 'Kép', 'Bãi Ba', 'Ngò', 'Núi', 'Dĩnh', 'Bùi',
  'Chằm', 'Nội', 'Ngoại', 'Phú Thọ', 'Phú Thịnh', 'Phúc Lộc', 'Tân Thành', 'Tân Sơn', 'Tân Phú',
  'Tân Hòa', 'Hợp Tiến', 'Hợp Thành', 'An Lạc', 'An Phú', 'Bình An', 'Minh Khai', 'Tiến Thắng',
  'Thắng Lợi', 'Cầu Đen', 'Cầu Sim', 'Gò Pháo', 'Bến', 'Chợ', 'Mỏ', 'Sậy', 'Khánh Ninh', 'Kim Tràng',
  'Lục Liễu', 'Yên Lý', 'Mai Thượng', 'Mai Hạ', 'Hương', 'Đông', 'Tây', 'Nam', 'Bắc', 'Thượng',
  'Hạ', 'Trung', 'Tiền', 'Hậu', 'Văn Miếu', 'Đồng Quan', 'Lãn Tranh',
];

/** Names of urban quarters (tổ dân phố) of the two towns. */
export const QUARTER_NAMES: readonly string[] = [
  'Hoàng Hoa Thám', 'Đề Thám', 'Tiến Thắng', 'Trung Tâm', 'Đồng Tâm', 'Hòa Bình', 'Minh Khai',
  'Thống Nhất', 'Quang Trung', 'Lê Lợi', 'Trần Phú', 'Kim Đồng', 'Đoàn Kết', 'Tân Hưng', 'Phố Mới',
  'Chợ Nhã',
];

export const MODEL_FIELDS = ['environment', 'food_safety', 'health_insurance', 'new_rural_development', 'security_order', 'other'] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];

/** Titles of "Dân vận khéo" models, by field. */
export const MODEL_TITLES: Readonly<Record<ModelField, readonly string[]>> = {
  environment: [
    'Đường làng sáng – xanh – sạch – đẹp',
    'Phân loại, xử lý rác thải hữu cơ tại hộ gia đình',
    'Thu gom vỏ bao bì thuốc bảo vệ thực vật sau sử dụng',
    'Ngày Chủ nhật xanh – sạch – đẹp',
    'Tuyến đường hoa do phụ nữ tự quản',
    'Không đốt rơm rạ, ủ rơm rạ làm phân bón',
    'Khu dân cư nói không với rác thải nhựa',
    'Nạo vét kênh mương, khơi thông dòng chảy',
  ],
  food_safety: [
    'Sản xuất vải thiều an toàn theo tiêu chuẩn VietGAP',
    'Chăn nuôi gà đồi an toàn sinh học',
    'Cánh đồng lúa chất lượng cao liên kết tiêu thụ',
    'Sản xuất rau an toàn',
    'Bếp ăn bán trú bảo đảm an toàn thực phẩm',
    'Chợ dân sinh an toàn thực phẩm',
    'Tổ hợp tác sản xuất lạc giống chất lượng cao',
  ],
  health_insurance: [
    'Vận động nhân dân tham gia bảo hiểm y tế hộ gia đình',
    'Heo đất tiết kiệm mua thẻ bảo hiểm y tế',
    'Hội viên giúp nhau mua thẻ bảo hiểm y tế',
    'Vận động tham gia bảo hiểm xã hội tự nguyện',
    'Chung tay vì người nghèo – tặng thẻ bảo hiểm y tế',
  ],
  new_rural_development: [
    'Hiến đất, góp công làm đường giao thông nông thôn',
    'Dồn điền, đổi thửa gắn với xây dựng nông thôn mới',
    'Khu dân cư nông thôn mới kiểu mẫu',
    'Cứng hóa kênh mương nội đồng',
    'Thắp sáng đường quê',
    'Chung tay xây dựng nhà văn hóa thôn',
    'Vườn mẫu, hộ gia đình kiểu mẫu',
  ],
  security_order: [
    'Camera an ninh – mắt thần khu dân cư',
    'Tổ tự quản an ninh trật tự',
    'Khu dân cư không có tội phạm và tệ nạn ma túy',
    'Tổ hòa giải ở cơ sở giỏi',
    'Dòng họ tự quản về an ninh trật tự',
    'Cổng trường an toàn giao thông',
  ],
  other: [
    'Một cửa thân thiện – cán bộ tận tình',
    'Tiếp dân, đối thoại định kỳ vào thứ Năm hằng tuần',
    'Dân vận khéo trong giải phóng mặt bằng',
    'Phụ nữ giúp nhau phát triển kinh tế',
    'Tổ tiết kiệm và vay vốn giúp hội viên thoát nghèo',
    'Cựu chiến binh giúp nhau làm kinh tế',
    'Thanh niên lập nghiệp',
    'Công đoàn chăm lo đời sống người lao động',
    'Hướng dẫn người dân nộp hồ sơ trực tuyến',
    'Lắng nghe ý kiến nhân dân qua hộp thư góp ý',
    'Giúp đỡ hộ nghèo, cận nghèo vươn lên',
  ],
};

/** Hotspot summaries: the first two are about land taken by the district (agencies' hotspots). */
export const HOTSPOT_SUMMARIES: readonly string[] = [
  'Khiếu kiện đông người về bồi thường, giải phóng mặt bằng',
  'Khiếu nại về thu hồi đất xây dựng cụm công nghiệp',
  'Tranh chấp đất đai kéo dài giữa các hộ gia đình',
  'Nhân dân phản đối ô nhiễm môi trường từ trang trại chăn nuôi',
  'Phản đối vị trí xây dựng bãi tập kết rác thải',
  'Mâu thuẫn trong dòng họ về đất hương hỏa',
  'Tranh chấp ranh giới đất canh tác giữa hai thôn',
  'Kiến nghị đông người về chất lượng công trình nhà văn hóa thôn',
];

export const RETRACTION_REASONS: readonly string[] = [
  'Chấm nhầm tiêu chí',
  'Sai sót khi tổng hợp điểm',
  'Đơn vị bổ sung minh chứng sau phúc tra',
  'Nhập trùng phiếu chấm điểm',
  'Điều chỉnh kết quả sau phúc tra',
];

export const REVOCATION_REASONS: readonly string[] = [
  'Không duy trì',
  'Mô hình không còn hiệu quả',
  'Không đáp ứng tiêu chí sau kiểm tra',
  'Trùng nội dung với mô hình khác của đơn vị',
];
