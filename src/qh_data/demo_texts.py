"""The wording of the demo register: the implementation tasks, the conclusions, the issues (demo data,
labelled as such wherever shown; agency keys are the short codes the demo prefixes with the province)."""

IMPLEMENTATION_TASKS = (
    ("SXD", "Lập, điều chỉnh quy hoạch chung đô thị theo định hướng của Quy hoạch tỉnh", "DU_THAO"),
    ("STNMT", "Rà soát, cập nhật kế hoạch sử dụng đất cấp huyện phù hợp với Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SGTVT", "Lập danh mục dự án giao thông ưu tiên đầu tư giai đoạn 2026–2030", "KE_HOACH_THUC_HIEN"),
    ("SKHDT", "Xây dựng danh mục dự án kêu gọi đầu tư theo Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("STC", "Cân đối nguồn vốn thực hiện các dự án trọng điểm theo Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SCT", "Rà soát quy hoạch các cụm công nghiệp theo Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SNNPTNT", "Rà soát ranh giới ba loại rừng, đề xuất điều chỉnh theo Quy hoạch tỉnh", "SO_LIEU"),
    ("STTTT", "Cập nhật cơ sở dữ liệu Quy hoạch tỉnh lên hệ thống thông tin quốc gia về quy hoạch", "CONG_BO"),
    ("SVHTTDL", "Xây dựng đề án phát triển du lịch theo các vùng động lực của Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SGDDT", "Rà soát mạng lưới cơ sở giáo dục theo phương án phát triển của Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SYT", "Rà soát mạng lưới cơ sở y tế theo phương án phát triển của Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("SLDTBXH", "Báo cáo kết quả giảm nghèo đa chiều và đào tạo nghề theo chỉ tiêu Quy hoạch tỉnh", "SO_LIEU"),
    ("CTK", "Cung cấp số liệu thống kê ước thực hiện năm và 6 tháng phục vụ đánh giá Quy hoạch tỉnh", "SO_LIEU"),
    ("UBND_HUYEN", "Rà soát, cập nhật quy hoạch xây dựng vùng huyện phù hợp với Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
    ("UBND_HUYEN", "Báo cáo tình hình giải phóng mặt bằng các dự án trọng điểm trên địa bàn", "KE_HOACH_THUC_HIEN"),
    ("SNV", "Rà soát phương án sắp xếp đơn vị hành chính gắn với Quy hoạch tỉnh", "KE_HOACH_THUC_HIEN"),
)

CONCLUSION_POOL = (
    ("SKHDT", "Tổng hợp báo cáo đánh giá tình hình thực hiện Quy hoạch tỉnh 6 tháng, trình Ban Chỉ đạo"),
    ("STNMT", "Hoàn thiện hồ sơ điều chỉnh chỉ tiêu sử dụng đất, báo cáo UBND tỉnh"),
    ("SXD", "Đẩy nhanh tiến độ lập quy hoạch phân khu các khu vực phát triển đô thị"),
    ("SGTVT", "Phối hợp các huyện tháo gỡ vướng mắc giải phóng mặt bằng dự án đường kết nối"),
    ("STC", "Đề xuất phương án bố trí vốn cho các nhiệm vụ quy hoạch còn thiếu kinh phí"),
    ("SCT", "Rà soát tiến độ đầu tư hạ tầng các cụm công nghiệp, báo cáo Ban Chỉ đạo"),
    ("SNNPTNT", "Báo cáo kết quả thực hiện chỉ tiêu che phủ rừng và nông thôn mới"),
    ("STTTT", "Công khai Quy hoạch tỉnh và các quy hoạch liên quan trên cổng thông tin điện tử"),
)

ALL_MEMBERS_TEXT = ("Các sở, ban, ngành, UBND các huyện, thành phố rà soát kết quả thực hiện các nhiệm vụ được "
                    "giao tại Kế hoạch thực hiện Quy hoạch tỉnh, báo cáo bằng văn bản gửi Sở Kế hoạch và Đầu tư")

ISSUE_POOL = (
    ("Chậm giải phóng mặt bằng dự án đường kết nối cửa khẩu", "high", "SGTVT"),
    ("Thiếu số liệu thống kê cấp huyện năm 2020 để đánh giá thực trạng", "medium", "CTK"),
    ("Chỉ tiêu sử dụng đất được phân bổ không đủ cho khu công nghiệp", "critical", "STNMT"),
    ("Chồng lấn giữa quy hoạch ba loại rừng và quy hoạch khoáng sản", "high", "SNNPTNT"),
    ("Thiếu kinh phí lập quy hoạch chung đô thị", "medium", "SXD"),
    ("Vướng mắc thủ tục chuyển mục đích sử dụng đất rừng", "high", "SNNPTNT"),
    ("Hạ tầng khu kinh tế cửa khẩu chưa đồng bộ", "high", "SCT"),
    ("Chưa thống nhất ranh giới đô thị mở rộng với huyện lân cận", "medium", "SXD"),
    ("Số liệu ước thực hiện 6 tháng của một số ngành gửi chậm", "low", "SKHDT"),
    ("Khó khăn trong thu hút nhà đầu tư thứ cấp vào cụm công nghiệp", "medium", "SCT"),
    ("Thiếu nhân lực chuyên môn về quy hoạch ở cấp huyện", "medium", "UBND_HUYEN"),
    ("Dự án trọng điểm chậm bố trí vốn đối ứng", "high", "STC"),
    ("Cơ sở dữ liệu quy hoạch chưa kết nối với hệ thống quốc gia", "low", "STTTT"),
    ("Vướng mắc về đền bù, tái định cư tại khu đô thị mới", "critical", "UBND_HUYEN"),
    ("Một số chỉ tiêu xã hội có nguy cơ không đạt mục tiêu năm 2025", "high", "SLDTBXH"),
)
