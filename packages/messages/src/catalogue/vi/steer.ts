/** Tiếng Việt: cần thêm gì để đạt …, việc cần làm, hạn sắp tới. */
export const steer: Record<string, string> = {
  'take.target.tier':
    '{status, select, reached {Đã đạt “{tier}” (từ {need, number, pts} điểm)} other {Để đạt “{tier}” (từ {need, number, pts} điểm) cần thêm {gap, number, pts} điểm}}',
  'take.target.dan_van_kheo':
    '{status, select, reached {Đã đạt danh hiệu “Dân vận khéo”} other {Để đạt danh hiệu “Dân vận khéo” cần tổng điểm {need, number, pts}, còn thiếu {gap, number, pts} điểm}}',
  'take.target.tieu_bieu':
    '{status, select, reached {Đã đạt danh hiệu “Dân vận khéo tiêu biểu”} other {Để đạt danh hiệu “Dân vận khéo tiêu biểu” cần tổng điểm {need, number, pts}, còn thiếu {gap, number, pts} điểm}}',
  'take.blocked.incomplete': 'Phiếu chấm chưa đủ tiêu chí: cần điểm chấm chính thức của {missing}',
  'take.blocked.veto': 'Có yếu tố khống chế xếp loại ({vetoes}): dù đủ điểm cũng không xếp cao hơn “{capTier}”',
  'take.blocked.veto_title': 'Có yếu tố khống chế ({vetoes}): không đủ điều kiện xét danh hiệu, dù đủ điểm',
  'take.blocked.cap_zero': 'Danh sách có {roll} đơn vị: giới hạn số đơn vị được xét danh hiệu là 0',
  'take.blocked.unreachable': 'Những việc còn làm được trong năm chỉ thêm được tối đa {reachable, number, pts} điểm: không đủ',
  'take.closed.year': 'Năm {year} đã chốt: không còn thay đổi được kết quả',
  'take.closed.reports': 'Các tháng còn thiếu của năm {year} đều đã quá hạn nộp báo cáo',
  'take.closed.cases': 'Các vụ việc chưa giải quyết đúng hạn của năm {year} đều đã quá thời hạn',
  'take.closed.year_over': 'Năm {year} đã qua: không còn tổ chức thêm được',
  'take.assess': 'Chấm điểm chính thức lại tiêu chí {criterion} (tối đa {max, number, pts} điểm): thêm tối đa {gain, number, pts} điểm',
  'take.assess.missing': 'Cần điểm chấm chính thức tiêu chí {criterion} (tối đa {max, number, pts} điểm)',
  'take.reports': 'Nộp đúng hạn báo cáo tháng {months} (hạn chót {by, date, day}): thêm {gain, number, pts} điểm',
  'take.cases': 'Giải quyết đúng hạn vụ việc {cases} (hạn chót {by, date, day}): thêm {gain, number, pts} điểm',
  'take.dialogues': 'Tổ chức thêm {count, number} buổi đối thoại trực tiếp với nhân dân trong năm {year}: thêm {gain, number, pts} điểm',
  'take.models': '{steps}: thêm {gain, number, pts} điểm',
  'take.model.raise': 'mô hình {modelId} được công nhận {to} (nay {from})',
  'take.model.recognise': 'mô hình {modelId} được công nhận {level}',
  'take.model.new': 'đăng ký một mô hình mới và được công nhận {level}',
  'take.prize': 'Đạt giải {prize} Hội thi “Dân vận khéo”: thêm {gain, number, pts} điểm cộng',
  'radar.report.due': 'Báo cáo tình hình nhân dân tháng {month}/{year}: hạn nộp {due, date, day}, còn {daysLeft, number} ngày',
  'radar.report.overdue': 'Báo cáo tình hình nhân dân tháng {month}/{year}: chưa nộp, đã quá hạn {daysOverdue, number} ngày (hạn nộp {due, date, day})',
  'radar.case.open': 'Vụ việc {caseId} ({category}) tiếp nhận ngày {received, date, day}: hạn giải quyết {due, date, day}, còn {daysLeft, number} ngày',
  'radar.case.overdue': 'Vụ việc {caseId} ({category}) tiếp nhận ngày {received, date, day}: chưa giải quyết, đã quá hạn {daysOverdue, number} ngày (hạn {due, date, day})',
  'radar.hotspot.open': 'Điểm nóng, điểm phức tạp {hotspotId} báo cáo ngày {reported, date, day}: chưa giải quyết ({days, number} ngày)',
  'radar.risk.tier':
    'Với tiến độ hiện nay, năm {year} kết thúc ở mức “{pace}” ({paceTotal, number, pts} điểm); nộp đủ báo cáo và giải quyết đúng hạn các việc còn lại thì đạt “{best}” ({bestTotal, number, pts} điểm)',
  'radar.risk.title':
    'Với tiến độ hiện nay, năm {year} đạt {paceTotal, number, pts} điểm, chưa đủ {need, number, pts} điểm để xét “{title}”; nộp đủ báo cáo và giải quyết đúng hạn các việc còn lại thì đạt {bestTotal, number, pts} điểm',
};
