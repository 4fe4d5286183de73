"""The meeting pack (tài liệu phục vụ cuộc họp): a report of the Steering Committee, as a .docx.

Contents: the meeting (date, time, venue, chair, agenda); I. progress of tasks by lead agency
(table + chart); II. overdue tasks (table); III. indicators with their progress statuses (table +
map of one indicator by district); IV. difficulties and obstacles awaiting the committee's decision.

The figures are gathered as of the meeting by ``reports.meeting_pack_data.pack_data`` (see there:
a past meeting's pack shows the figures as they stood when it opened); this module writes them.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine

from ..collation import sort_key
from ..rules.task_timing import DUE_SOON_DAYS, TASK_TIMINGS
from ..status import TREND_STATUSES
from . import docx_base as d
from . import images
from .common import agency_names, document_signer, local_name, short_label
from .conclusions_notice import sentence
from .meeting_pack_data import PackData, pack_data

log = logging.getLogger(__name__)

PROGRESS_VI = {
    "achieved": "Đã đạt mục tiêu",
    "on_track": "Đúng tiến độ",
    "moderate": "Chậm vừa phải",
    "limited": "Chậm nhiều",
    "deteriorating": "Đi xuống",
    "trend_on_track": "Không mục tiêu: xu hướng tốt",
    "trend_moderate": "Không mục tiêu: xu hướng chậm vừa phải",
    "trend_limited": "Không mục tiêu: xu hướng chậm nhiều",
    "trend_deteriorating": "Không mục tiêu: xu hướng đi xuống",
    "insufficient_data": "Chưa đủ số liệu",
}
SEVERITY_VI = {"low": "Thấp", "medium": "Trung bình", "high": "Cao", "critical": "Rất nghiêm trọng"}
KIND_VI = {"actual": "TH", "estimate": "ƯTH", "target": "KH"}
INDICATOR_NOTE = (
    "Ghi chú: TH - thực hiện; ƯTH - ước thực hiện. Mức độ thực hiện được đánh giá bằng cách so tốc độ "
    "tăng trưởng bình quân thực tế từ năm gốc với tốc độ cần có để đạt mục tiêu đúng năm; chỉ tiêu là tốc "
    "độ hoặc tỷ lệ thì so trực tiếp mức thực hiện gần nhất với mức mục tiêu."
)
# The boundaries' credit (CC BY 3.0 IGO asks for it next to the map), in Vietnamese for the document;
# the app shows the original text of data/geo/SOURCES.md (qh_data.maps.boundaries.BOUNDARY_ATTRIBUTION).
MAP_CREDIT_VI = (
    "Nguồn ranh giới huyện: Chính phủ Việt Nam, Văn phòng Điều phối các vấn đề nhân đạo của Liên Hợp Quốc "
    "khu vực châu Á - Thái Bình Dương (OCHA ROAP), bộ dữ liệu ranh giới hành chính Việt Nam trên HDX, giấy "
    "phép CC BY 3.0 IGO; qua geoBoundaries (www.geoboundaries.org; Runfola D. và cộng sự, 2020, PLoS ONE "
    "15(4): e0231866). Đã chỉnh sửa: thay thuộc tính bằng mã và tên đơn vị hành chính của Tổng cục Thống "
    "kê, làm tròn tọa độ đến 5 chữ số thập phân."
)


# --- writing -------------------------------------------------------------------------------------------


def vn_number(value: float | None, decimals: int = 0) -> str:
    """1.234,5 — the Vietnamese way, without a locale lookup."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,}"
    return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


def vn_percent(share: float, decimals: int = 1) -> str:
    return f"{vn_number(share * 100, decimals)}%"


def progress_table_rows(data: PackData) -> tuple[list[list[str]], list[str]]:
    rows = []
    ordered = sorted(data.progress, key=lambda r: (-r["overdue"], -r["assigned"], sort_key(r["agency_name"])))
    for i, r in enumerate(ordered, start=1):
        rows.append(
            [
                str(i),
                local_name(r["agency_name"], data.province_name),
                vn_number(r["assigned"]),
                vn_number(r["done"]),
                vn_number(r["in_progress"]),
                vn_number(r["not_started"]),
                vn_number(r["overdue"]),
                vn_percent(r["share_done_on_time"]) if r["assigned"] else "–",
            ]
        )
    t = data.totals
    share = t["done_on_time"] / t["assigned"] if t.get("assigned") else 0
    total = [
        "",
        "Tổng cộng",
        vn_number(t.get("assigned", 0)),
        vn_number(t.get("done", 0)),
        vn_number(t.get("in_progress", 0)),
        vn_number(t.get("not_started", 0)),
        vn_number(t.get("overdue", 0)),
        vn_percent(share) if t.get("assigned") else "–",
    ]
    return rows, total


ATTENTION_ORDER = ("deteriorating", "limited", "moderate", "on_track", "achieved")


def counts_of(counts: dict[str, int], statuses) -> int:
    return sum(counts.get(status, 0) for status in statuses)


def assessed_indicators(rows: list[dict]) -> list[dict]:
    """The indicators with a progress status (not "insufficient data"), the ones needing attention
    first (deteriorating, limited, moderate, on track, achieved), catalogue order within a status."""
    rank = {s: i for i, s in enumerate(ATTENTION_ORDER)}
    kept = [(i, r) for i, r in enumerate(rows) if r["status"] in rank]
    return [r for _, r in sorted(kept, key=lambda x: (rank[x[1]["status"]], x[0]))]


MAX_NAMED = 3  # a row shared by more agencies names this many and counts the rest


def overdue_rows(data: PackData, province: str) -> list[tuple[str, str, str, str, str]]:
    """(title, lead, due, days overdue, percent) per row; the tasks one conclusion gave to several
    agencies (same conclusion and deadline) share a row naming them (full names, "tỉnh" kept)."""
    groups: dict[tuple, list[dict]] = {}
    for r in data.overdue:
        key = ("c", r["conclusion_id"], r["due_on"]) if r["conclusion_id"] else ("t", r["id"])
        groups.setdefault(key, []).append(r)
    out = []
    for rows in groups.values():
        first = rows[0]
        names = [local_name(r["lead_name"], province) for r in rows]
        if len(names) <= MAX_NAMED:
            lead = ", ".join(names)
        else:
            lead = ", ".join(names[:MAX_NAMED]) + f" và {len(names) - MAX_NAMED} cơ quan khác"
        low, high = min(r["percent_done"] for r in rows), max(r["percent_done"] for r in rows)
        percent = f"{low}%" if low == high else f"{low}–{high}%"
        out.append(
            (
                first["title"],
                lead,
                d.short_date(first["due_on"]),
                vn_number(max(r["days_overdue"] for r in rows)),
                percent,
            )
        )
    return out


def _agenda_lines(m) -> list[str]:
    out = []
    for item in m.agenda:
        extra = f" ({item['minutes']} phút)" if item.get("minutes") else ""
        out.append(f"{item['position']}. {item['title']}{extra}")
    return out


def _write_opening(doc, data: PackData) -> None:
    """The heading, the demo notice, the opening paragraph and the agenda."""
    m, province = data.meeting, data.province_name
    when = d.short_date(m.held_on)
    d.heading(
        doc,
        d.Heading(
            parent_body=f"UBND TỈNH {province.upper()}",
            body="BAN CHỈ ĐẠO\nLẬP QUY HOẠCH TỈNH",
            number_line="Số:      /BC-BCĐ",  # numbered when it is signed
            place=province,
            date=min(data.day, m.held_on) if data.is_past else data.day,
            doc_type="BÁO CÁO",
            subject=f"Tình hình triển khai lập Quy hoạch tỉnh {province} thời kỳ 2021 - 2030, "
            f"tầm nhìn đến năm 2050\n(tài liệu phục vụ cuộc họp Ban Chỉ đạo ngày {when})",
        ),
    )
    if data.is_demo:
        d.demo_header(doc)
    as_of_txt = d.short_date(data.cutoff.date()) if data.is_past else d.short_date(data.day)
    moment = (
        f"Số liệu trong báo cáo được lấy theo tình hình tại thời điểm khai mạc cuộc họp "
        f"(hết ngày {as_of_txt}); thời hạn nhiệm vụ được đánh giá tại ngày họp {when}."
        if data.is_past
        else f"Số liệu trong báo cáo tính đến ngày {as_of_txt}."
    )
    d.body(
        doc,
        f"Ban Chỉ đạo lập Quy hoạch tỉnh báo cáo tình hình triển khai các nhiệm vụ lập Quy hoạch tỉnh, "
        f"phục vụ {d.in_sentence(m.title)} ngày {when}{' lúc ' + m.starts_at if m.starts_at else ''}"
        f"{' tại ' + m.venue if m.venue else ''}{', do ' + m.chair + ' chủ trì' if m.chair else ''}. "
        + moment,
    )
    agenda = _agenda_lines(m)
    if agenda:
        d.body(doc, "Chương trình cuộc họp gồm các nội dung:")
        for line in agenda:
            d.body(doc, line)


def _write_progress(doc, data: PackData, with_images: bool) -> None:
    """I. Progress of the tasks by lead agency: totals, table 1 and figure 1."""
    t, province = data.totals, data.province_name
    d.section_title(doc, "I. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ THEO CƠ QUAN CHỦ TRÌ")
    if not data.progress:
        d.body(doc, "Chưa có nhiệm vụ nào được giao.")
    else:
        d.body(
            doc,
            f"Tổng số nhiệm vụ đã giao: {vn_number(t['assigned'])}; đã hoàn thành {vn_number(t['done'])} "
            f"(đúng hạn {vn_number(t['done_on_time'])}, trễ hạn {vn_number(t['done_late'])}); đang thực hiện "
            f"{vn_number(t['in_progress'])}; chưa triển khai {vn_number(t['not_started'])}; quá hạn "
            f"{vn_number(t['overdue'])}; sắp đến hạn trong {DUE_SOON_DAYS} ngày {vn_number(t['due_soon'])}.",
        )
        rows, total = progress_table_rows(data)
        d.data_table(
            doc,
            [
                "STT",
                "Cơ quan chủ trì",
                "Được giao",
                "Đã xong",
                "Đang làm",
                "Chưa làm",
                "Quá hạn",
                "Đúng hạn",
            ],
            rows,
            [13, 50, 17, 16, 17, 16, 16, 20],
            align=["c", "l", "r", "r", "r", "r", "r", "r"],
            caption="Bảng 1. Tiến độ thực hiện nhiệm vụ theo cơ quan chủ trì",
            total=total,
            size=12,
        )
        if with_images:
            try:
                png = images.progress_chart_png(
                    [
                        {
                            "label": short_label(r["short_name"], r["agency_name"], province),
                            **{k: r[k] for k in TASK_TIMINGS},
                        }
                        for r in data.progress
                    ],
                    title=None,
                )
                d.picture(doc, png, 160, "Hình 1. Nhiệm vụ theo cơ quan chủ trì và tình trạng thời hạn")
            except Exception:
                log.exception("progress chart could not be drawn")


def _write_overdue(doc, data: PackData) -> None:
    """II. Overdue tasks: table 2."""
    province = data.province_name
    d.section_title(doc, "II. CÁC NHIỆM VỤ QUÁ HẠN")
    if not data.overdue:
        d.body(doc, "Không có nhiệm vụ quá hạn.")
    else:
        d.body(
            doc,
            f"Có {vn_number(len(data.overdue))} nhiệm vụ đã quá thời hạn nhưng chưa hoàn thành (các nhiệm vụ của "
            "cùng một kết luận giao nhiều cơ quan được gộp một dòng):",
        )
        rows = [[str(i), *row] for i, row in enumerate(overdue_rows(data, province), start=1)]
        d.data_table(
            doc,
            ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Quá hạn (ngày)", "Tiến độ"],
            rows,
            [13, 55, 37, 25, 17, 18],  # a date and "20–60%" on one line
            align=["c", "l", "l", "c", "r", "r"],
            caption="Bảng 2. Nhiệm vụ quá hạn",
            size=12,
        )


def _write_indicators(doc, data: PackData) -> None:
    """III. Indicators: counts by status and table 3 (the assessed ones)."""
    d.section_title(doc, "III. TÌNH HÌNH THỰC HIỆN CÁC CHỈ TIÊU")
    if not data.indicators:
        d.body(doc, "Chưa có số liệu chỉ tiêu.")
    else:
        counts: dict[str, int] = {}
        for r in data.indicators:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        summary = "; ".join(
            f"{PROGRESS_VI.get(k, 'khác').lower()}: {vn_number(v)}"
            for k, v in sorted(
                counts.items(), key=lambda kv: list(PROGRESS_VI).index(kv[0]) if kv[0] in PROGRESS_VI else 99
            )
        )
        assessed = assessed_indicators(data.indicators)
        by_trend = counts_of(counts, TREND_STATUSES)
        unassessed = counts.get("insufficient_data", 0)
        parts = ["Bảng 3 liệt kê các chỉ tiêu đã đánh giá được so với mục tiêu, chỉ tiêu đi xuống và chậm nhiều "
                 "đứng trước"]
        if by_trend:
            parts.append(f"{vn_number(by_trend)} chỉ tiêu chưa có mục tiêu được đánh giá theo xu hướng")
        if unassessed:
            parts.append(f"{vn_number(unassessed)} chỉ tiêu chưa đủ số liệu để đánh giá")
        d.body(
            doc,
            f"Theo dõi {vn_number(len(data.indicators))} chỉ tiêu cấp tỉnh, trong đó {summary}. "
            + "; ".join(parts) + ".",
        )
        rows = []
        for i, r in enumerate(assessed, start=1):
            dec = r["decimals"] or 0
            latest = (
                f"{vn_number(r['latest'], dec)}\n({KIND_VI.get(r['latest_kind'], '')} {r['latest_year']})"
                if r["latest"] is not None
                else "–"
            )
            rows.append(
                [
                    str(i),
                    r["name"],
                    r["unit"],
                    f"{vn_number(r['baseline'], dec)}\n({r['base_year']})"
                    if r["baseline"] is not None
                    else "–",
                    latest,
                    f"{vn_number(r['target'], dec)}\n({r['target_year']})"
                    if r["target"] is not None
                    else "–",
                    PROGRESS_VI.get(r["status"], r["status"]),
                ]
            )
        d.data_table(
            doc,
            ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm gốc", "Thực hiện gần nhất", "Mục tiêu", "Đánh giá"],
            rows,
            [13, 40, 18, 20, 28, 20, 26],  # "(ƯTH 2026)" on one line
            align=["c", "l", "c", "r", "r", "r", "l"],
            caption="Bảng 3. Các chỉ tiêu và mức độ thực hiện",
            size=12,
        )
        d.body(doc, INDICATOR_NOTE, size=13)
        if data.plan is not None:
            d.body(doc, plan_line(data.plan), size=13)


def plan_line(plan: dict) -> str:
    """Which plan the targets are of (issue 15 point 3), in the document's words: "Mục tiêu theo Quy hoạch tỉnh …
    phê duyệt tại Quyết định số 222/QĐ-TTg ngày 14/3/2023 của Thủ tướng Chính phủ", and an adjustment awaiting
    approval."""
    line = f"Mục tiêu theo {plan['title']}"
    if plan.get("decision_number"):
        number = plan["decision_number"].removeprefix("QĐ ").strip()
        when = f" ngày {plan['decision_date'].day}/{plan['decision_date'].month}/{plan['decision_date'].year}" \
            if plan.get("decision_date") else ""
        line += f" phê duyệt tại Quyết định số {number}{when} của Thủ tướng Chính phủ"
    for pending in plan.get("pending", ()):
        day = pending["council_passed_on"]
        line += (f"; {pending['title'][:1].lower()}{pending['title'][1:]} đã được Hội đồng nhân dân tỉnh thông qua"
                 + (f" ngày {day:%d/%m/%Y}" if day else "") + ", đang chờ Thủ tướng Chính phủ phê duyệt")
    return line + "."


def _write_map(doc, data: PackData) -> None:
    """Figure 2 (1 when there is no chart): the map of one indicator by district, with the boundaries' credit."""
    if not (data.map_indicator and data.map_values):
        return
    info = data.map_indicator
    try:
        png = images.choropleth_png(
            data.province,
            data.map_values,
            title=None,
            legend=info["unit"],
            decimals=info["decimals"] or 0,
        )
        if png:
            missing = (
                "; huyện tô xám: chưa có số liệu"
                if len(data.map_values) < len(images.district_features(data.province))
                else ""
            )
            d.picture(
                doc,
                png,
                150,
                f"Hình {2 if data.progress else 1}. {info['name_vi']} theo huyện, thành phố, năm {info['year']} ({info['unit']}{missing})",
            )
            d.paragraph(doc, MAP_CREDIT_VI, align=d.WD_ALIGN_PARAGRAPH.JUSTIFY, italic=True, size=12, after=6)
    except Exception:
        log.exception("map could not be drawn")


def _write_issues(doc, data: PackData) -> None:
    """IV. Difficulties and obstacles awaiting the committee's decision."""
    province = data.province_name
    d.section_title(doc, "IV. KHÓ KHĂN, VƯỚNG MẮC ĐỀ NGHỊ BAN CHỈ ĐẠO CHO Ý KIẾN")
    if not data.issues:
        d.body(doc, "Không có khó khăn, vướng mắc nào chờ Ban Chỉ đạo cho ý kiến.")
    for i, r in enumerate(data.issues, start=1):
        where = f"; địa bàn: {r['units']}" if r["units"] else ""
        d.body(
            doc,
            f"{i}. {r['title']} ({local_name(r['raised_by'], province)} nêu ngày "
            f"{d.short_date(r['raised_on'])}; mức độ: {SEVERITY_VI.get(r['severity'], r['severity']).lower()}"
            f"{where}).",
        )
        if r["proposed_solution"]:
            d.body(doc, f"Đề xuất: {sentence(r['proposed_solution'])}")


# The committee's report, signed for it by a deputy head unless the province sets otherwise.
PACK_SIGNATURE = d.Signature("TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")


def _write_closing(doc, data: PackData, names: dict[str, dict], signature: d.Signature) -> None:
    """The closing sentence, the recipients (members, then invitees who are not members) and the signature."""
    m, province = data.meeting, data.province_name
    closing = d.body(
        doc,
        "Ban Chỉ đạo lập Quy hoạch tỉnh kính trình các thành viên Ban Chỉ đạo xem xét, cho ý kiến./.",
        before=8,
    )
    closing.paragraph_format.keep_with_next = True  # never a page with the signature alone
    recipients = ["Trưởng Ban Chỉ đạo (để báo cáo)", "Các thành viên Ban Chỉ đạo"]
    recipients += [
        local_name(a["name"], province) for a in m.invitees if not names.get(a["code"], {}).get("is_member")
    ]
    recipients += ["Lưu: VT, BCĐ"]
    d.recipients_and_signature(doc, recipients, signature)


def build_meeting_pack(
    engine: Engine,
    meeting_id: int,
    *,
    as_of: dt.date | None = None,
    map_indicator: str | None = None,
    with_images: bool = True,
) -> bytes:
    """The meeting pack (.docx bytes) for ``meeting_id``, with figures as of the meeting (see module)."""
    data = pack_data(engine, meeting_id, as_of=as_of, map_indicator=map_indicator)
    doc = d.new_document()
    _write_opening(doc, data)
    _write_progress(doc, data, with_images)
    _write_overdue(doc, data)
    _write_indicators(doc, data)
    if with_images:
        _write_map(doc, data)
    _write_issues(doc, data)
    signature = document_signer(engine, data.province, "pack", PACK_SIGNATURE)
    _write_closing(doc, data, agency_names(engine, data.province), signature)
    d.set_properties(doc, title=f"Tài liệu phục vụ cuộc họp Ban Chỉ đạo ngày {d.short_date(data.meeting.held_on)}")
    return d.to_bytes(doc)
