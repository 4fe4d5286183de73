"""The demo indicator catalogue: provincial-plan indicators with units, owners, directions, roll-up rules.

Codes reuse the real data's codes where they exist so demo and real figures line up.
Fields: code, name_vi, name_en, unit, unit_en, group, owner_role, direction, aggregation, is_rate,
decimals, min_value, max_value, base (a typical district value in 2015), growth (yearly trend).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    code: str
    name_vi: str
    name_en: str
    unit: str
    unit_en: str
    group: str
    owner_role: str
    direction: str
    aggregation: str
    base: float  # typical value of a district in 2015 (per 100,000 people for sums)
    growth: float  # yearly relative change (or points per year for shares and rates)
    decimals: int = 1
    is_rate: bool = False
    min_value: float | None = 0.0
    max_value: float | None = None
    additive_trend: bool = False  # shares and rates move by points, not by percent


P = dict(min_value=0.0, max_value=100.0, additive_trend=True)
CATALOGUE: tuple[Spec, ...] = (
    # economy
    Spec("grdp_per_capita", "GRDP bình quân đầu người", "GRDP per capita", "triệu đồng/người", "million VND/person",
         "economy", "SKHDT", "higher", "mean_pop", 30.0, 0.085),
    Spec("grdp_growth", "Tốc độ tăng trưởng GRDP", "GRDP growth rate", "%", "%", "economy", "SKHDT", "higher",
         "mean_pop", 6.5, 0.0, 2, True, None, None, True),
    Spec("econ_share_agri", "Tỷ trọng nông, lâm nghiệp và thủy sản trong GRDP",
         "Share of agriculture, forestry and fisheries in GRDP", "%", "%", "economy", "SNNPTNT", "lower",
         "mean_pop", 32.0, -0.9, **P),
    Spec("econ_share_ind_con", "Tỷ trọng công nghiệp - xây dựng trong GRDP",
         "Share of industry and construction in GRDP", "%", "%", "economy", "SCT", "higher", "mean_pop", 20.0,
         0.6, **P),
    Spec("econ_share_services", "Tỷ trọng dịch vụ trong GRDP", "Share of services in GRDP", "%", "%", "economy",
         "SCT", "higher", "mean_pop", 44.0, 0.3, **P),
    Spec("budget_revenue", "Thu ngân sách nhà nước trên địa bàn", "State budget revenue", "tỷ đồng",
         "billion VND", "economy", "STC", "higher", "sum", 180.0, 0.08, 0),
    Spec("total_investment", "Tổng vốn đầu tư toàn xã hội", "Total social investment", "tỷ đồng", "billion VND",
         "economy", "SKHDT", "higher", "sum", 900.0, 0.09, 0),
    Spec("export_value", "Giá trị xuất khẩu hàng hóa", "Value of goods exported", "triệu USD", "million USD",
         "economy", "SCT", "higher", "sum", 40.0, 0.1),
    Spec("retail_sales", "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng",
         "Retail sales of goods and consumer services", "tỷ đồng", "billion VND", "economy", "SCT", "higher", "sum",
         1500.0, 0.09, 0),
    Spec("industrial_production_index", "Chỉ số sản xuất công nghiệp", "Industrial production index", "%",
         "%", "economy", "SCT", "higher", "mean_pop", 108.0, 0.0, 1, True, None, None, True),
    Spec("enterprises_new", "Số doanh nghiệp thành lập mới", "New enterprises registered", "doanh nghiệp",
         "enterprises", "economy", "SKHDT", "higher", "sum", 40.0, 0.06, 0),
    Spec("paddy_output", "Sản lượng lương thực có hạt", "Cereal output", "nghìn tấn", "thousand tonnes",
         "economy", "SNNPTNT", "higher", "sum", 28.0, 0.01),
    Spec("tourist_arrivals", "Tổng số khách du lịch", "Tourist arrivals", "nghìn lượt", "thousand visits",
         "economy", "SVHTTDL", "higher", "sum", 180.0, 0.1, 0),
    Spec("digital_economy_share", "Tỷ trọng kinh tế số trong GRDP", "Digital economy share of GRDP", "%", "%",
         "economy", "STTTT", "higher", "mean_pop", 3.0, 1.2, **P),
    # society
    Spec("population_avg", "Dân số trung bình", "Average population", "người", "people", "society", "CTK",
         "higher", "sum", 100000.0, 0.009, 0),
    Spec("poverty_rate", "Tỷ lệ hộ nghèo đa chiều", "Multidimensional poverty rate", "%", "%", "society",
         "SLDTBXH", "lower", "mean_pop", 22.0, -1.6, **P),
    Spec("trained_labour_share", "Tỷ lệ lao động qua đào tạo", "Share of trained workers", "%", "%", "society",
         "SLDTBXH", "higher", "mean_pop", 45.0, 2.2, **P),
    Spec("urban_population_share", "Tỷ lệ dân số thành thị", "Urban population share", "%", "%", "society",
         "SXD", "higher", "mean_pop", 18.0, 0.7, **P),
    Spec("doctors_per_10k", "Số bác sĩ trên 10.000 dân", "Doctors per 10,000 people", "bác sĩ/vạn dân",
         "doctors per 10,000", "society", "SYT", "higher", "mean_pop", 8.0, 0.04),
    Spec("hospital_beds_per_10k", "Số giường bệnh trên 10.000 dân", "Hospital beds per 10,000 people",
         "giường/vạn dân", "beds per 10,000", "society", "SYT", "higher", "mean_pop", 26.0, 0.03),
    Spec("health_insurance_share", "Tỷ lệ dân số tham gia bảo hiểm y tế", "Health insurance coverage", "%",
         "%", "society", "SYT", "higher", "mean_pop", 88.0, 0.9, **P),
    Spec("schools_standard_share", "Tỷ lệ trường học đạt chuẩn quốc gia", "Schools meeting the national standard",
         "%", "%", "society", "SGDDT", "higher", "mean_pop", 35.0, 3.0, **P),
    Spec("new_rural_communes_share", "Tỷ lệ xã đạt chuẩn nông thôn mới",
         "Share of communes meeting new-rural standards", "%", "%", "society", "SNNPTNT", "higher", "mean_pop",
         12.0, 4.0, **P),
    Spec("unemployment_urban", "Tỷ lệ thất nghiệp khu vực thành thị", "Urban unemployment rate", "%", "%",
         "society", "SLDTBXH", "lower", "mean_pop", 3.6, -0.05, 2, **P),
    # environment
    Spec("forest_cover", "Tỷ lệ che phủ rừng", "Forest cover rate", "%", "%", "environment", "SNNPTNT", "higher",
         "mean_pop", 58.0, 0.6, **P),
    Spec("forest_planted", "Diện tích rừng trồng mới", "Area of forest newly planted", "ha", "ha",
         "environment", "SNNPTNT", "higher", "sum", 700.0, 0.02, 0),
    Spec("clean_water_rural", "Tỷ lệ dân số nông thôn dùng nước sạch hợp vệ sinh",
         "Rural population with clean water", "%", "%", "environment", "SNNPTNT", "higher", "mean_pop", 80.0,
         1.5, **P),
    Spec("urban_waste_collected", "Tỷ lệ chất thải rắn đô thị được thu gom, xử lý",
         "Urban solid waste collected and treated", "%", "%", "environment", "STNMT", "higher", "mean_pop", 78.0,
         1.8, **P),
    Spec("industrial_parks_wastewater", "Tỷ lệ khu, cụm công nghiệp có hệ thống xử lý nước thải",
         "Industrial zones with wastewater treatment", "%", "%", "environment", "STNMT", "higher", "mean_pop",
         40.0, 5.0, **P),
    # infrastructure
    Spec("rural_roads_paved", "Tỷ lệ đường giao thông nông thôn được cứng hóa", "Rural roads paved", "%", "%",
         "infrastructure", "SGTVT", "higher", "mean_pop", 50.0, 3.5, **P),
    Spec("broadband_per_100", "Số thuê bao Internet băng rộng cố định trên 100 dân",
         "Fixed broadband subscriptions per 100 people", "thuê bao/100 dân", "per 100 people", "infrastructure",
         "STTTT", "higher", "mean_pop", 6.0, 0.15),
    Spec("households_grid_power", "Tỷ lệ hộ dân được sử dụng điện lưới quốc gia",
         "Households on the national power grid", "%", "%", "infrastructure", "SCT", "higher", "mean_pop", 93.0,
         0.6, **P),
    Spec("urban_centres_count", "Số đô thị", "Number of urban centres", "đô thị", "urban centres",
         "infrastructure", "SXD", "higher", "sum", 1.0, 0.03, 0),
    Spec("housing_area_per_capita", "Diện tích nhà ở bình quân đầu người", "Housing floor area per person",
         "m²/người", "m²/person", "infrastructure", "SXD", "higher", "mean_pop", 20.0, 0.035),
)

# Real province targets for 2030 (data/reference/province_indicators.csv): district demo targets follow them.
TARGETS_2030 = {
    "20": {"grdp_per_capita": 150.0, "forest_cover": 67.0, "econ_share_agri": 12.0, "econ_share_ind_con": 32.0,
           "econ_share_services": 50.0, "new_rural_communes_share": 80.0, "digital_economy_share": 30.0,
           "grdp_growth": 8.0},
    "19": {"econ_share_agri": 7.2, "econ_share_ind_con": 60.0, "econ_share_services": 32.8, "grdp_growth": 8.0},
}
