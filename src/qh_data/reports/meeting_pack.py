"""The meeting pack (tài liệu phục vụ cuộc họp): a report of the Steering Committee, as a .docx.

Contents: the meeting (date, time, venue, chair, agenda); I. progress of tasks by lead agency
(table + chart); II. overdue tasks (table); III. indicators with their progress statuses (table +
map of one indicator by district); IV. difficulties and obstacles awaiting the committee's decision.

As of a date. The pack of a meeting whose day has come shows the figures as they stood when the
meeting opened (the end of the day before; timings judged on the meeting's day): task states are
rebuilt from the ``TaskUpdate`` history, indicator values from their revisions
(``submitted_at``/``superseded_at``), issues from the audit trail. Built again a year later, it
says the same. The pack of an upcoming meeting shows the figures as they stand now.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..db import read_session
from ..models import AuditEntry, Issue
from ..queries import asof
from . import docx_base as d
from .common import agency_names, load_meeting, without_province

log = logging.getLogger(__name__)

PROGRESS_VI = {
    "achieved": "Đã đạt mục tiêu",
    "on_track": "Đúng tiến độ",
    "moderate": "Chậm vừa phải",
    "limited": "Chậm nhiều",
    "deteriorating": "Đi xuống",
    "insufficient_data": "Chưa đủ số liệu",
}
SEVERITY_VI = {"low": "Thấp", "medium": "Trung bình", "high": "Cao", "critical": "Rất nghiêm trọng"}
KIND_VI = {"actual": "TH", "estimate": "ƯTH", "target": "KH"}


@dataclass
class PackData:
    meeting_id: int
    province: str
    province_name: str
    day: dt.date  # the day timings are judged on
    cutoff: dt.datetime  # the moment the figures are taken at
    is_past: bool
    meeting: object
    progress: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    overdue: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    map_indicator: dict | None = None
    map_values: dict[str, float] = field(default_factory=dict)
    issues: list[dict] = field(default_factory=list)
    is_demo: bool = False


def pack_moment(
    held_on: dt.date, status: str, today: dt.date | None = None, now: dt.datetime | None = None
) -> tuple[dt.date, dt.datetime, bool]:
    """(day, cutoff, is_past): a meeting whose day has passed, or that is held, is shown as it opened."""
    today = today or clock.today()
    if held_on < today or (held_on == today and status == "held"):
        return held_on, dt.datetime.combine(held_on, dt.time()) - dt.timedelta(seconds=1), True
    return today, now or asof.end_of(today), False


# --- indicators ------------------------------------------------------------------------------------


def _period_key(row: dict) -> tuple:
    return (row["year"], row["period"])


def indicator_rows(
    engine: Engine, province: str, cutoff: dt.datetime, day: dt.date | None = None
) -> list[dict]:
    """One row per indicator with figures at ``cutoff``: the overview page's own table
    (``queries.indicator_overview``: province roll-up, progress by ``qh_data.status``), as it stood then."""
    from .. import queries

    frame = queries.indicator_overview(engine, province, as_of=cutoff).to_frame()
    out = []
    for r in frame.to_dict("records"):
        if (
            r["progress_latest_value"] is None
            and r["target_2030"] is None
            and r["target_2025"] is None
            and r["baseline_2020"] is None
        ):
            continue  # no figure at all at the cutoff
        target_year = r["progress_target_year"]
        target = (
            r["target_2030"] if target_year == 2030 else r["target_2025"] if target_year == 2025 else None
        )
        out.append(
            {
                "code": r["code"],
                "name": r["name_vi"],
                "name_en": r["name_en"],
                "unit": r["unit"],
                "decimals": r["decimals"],
                "owner_role": r["owner_role"],
                "baseline": _num_or_none(r["progress_baseline_value"]),
                "base_year": _int_or_none(r["progress_baseline_year"]),
                "latest": _num_or_none(r["progress_latest_value"]),
                "latest_year": _int_or_none(r["progress_latest_year"]),
                "latest_kind": "estimate" if r["latest_is_estimate"] else "actual",
                "target": _num_or_none(target),
                "target_year": _int_or_none(target_year),
                "status": r["status"],
                "explanation": r["explanation_vi"],
                "is_demo": bool(r["is_demo"]),
            }
        )
    return out


def _num_or_none(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value  # NaN from the DataFrame


def _int_or_none(value):
    value = _num_or_none(value)
    return None if value is None else int(value)


def map_choice(
    engine: Engine, province: str, cutoff: dt.datetime, districts: list[str], indicator: str | None = None
) -> tuple[dict | None, dict[str, float]]:
    """The indicator to map (the one given, else the one with the most districts having a yearly figure
    in its latest year, the first in the catalogue among equals) and its district values at ``cutoff``."""
    if not districts:
        return None, {}
    values = asof.indicator_values(
        engine,
        province=province,
        day=cutoff,
        unit_codes=districts,
        indicator_codes=[indicator] if indicator else None,
    )
    values = [
        v
        for v in values
        if v["value"] is not None and v["kind"] in ("actual", "estimate") and v["period_type"] == "year"
    ]
    per: dict[str, dict[str, dict]] = {}
    for v in values:
        slot = per.setdefault(v["indicator_code"], {})
        cur = slot.get(v["admin_unit_code"])
        # the latest year; in one year the actual wins over the estimate
        if cur is None or (v["year"], v["kind"] == "actual") > (cur["year"], cur["kind"] == "actual"):
            slot[v["admin_unit_code"]] = v
    if not per:
        return None, {}
    catalogue = asof.indicators(engine, list(per))
    order = {c: i for i, c in enumerate(catalogue)}  # sort_order, then code

    def score(code: str) -> tuple:
        slot = per[code]
        year = max(v["year"] for v in slot.values())
        return (-sum(1 for v in slot.values() if v["year"] == year), order.get(code, 10**6), -year)

    code = min(per, key=score)
    year = max(v["year"] for v in per[code].values())
    info = catalogue.get(code)
    chosen = {k: v["value"] for k, v in per[code].items() if v["year"] == year}
    return (info | {"year": year}) if info else None, chosen


# --- issues as they stood --------------------------------------------------------------------------


def issues_awaiting(
    engine: Engine, province: str, cutoff: dt.datetime, meeting_id: int, is_past: bool
) -> list[dict]:
    """Issues awaiting the committee's decision (or marked for the next meeting) at ``cutoff``.

    An issue's fields at the cutoff are the "before" of its first audited change after the cutoff,
    or its present fields when nothing changed since."""
    with read_session(engine) as s:
        issues = s.scalars(
            select(Issue)
            .where(Issue.province_code == province, Issue.raised_on <= cutoff.date())
            .options(selectinload(Issue.raised_by), selectinload(Issue.admin_units))
            .order_by(Issue.raised_on, Issue.id)
        ).all()
        firsts: dict[str, dict] = {}
        if issues:
            for entry in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "issue", AuditEntry.at > cutoff)
                .order_by(AuditEntry.at, AuditEntry.id)
            ):
                if entry.entity_id not in firsts and entry.before:
                    try:
                        firsts[entry.entity_id] = json.loads(entry.before)
                    except ValueError:
                        continue
        out = []
        for issue in issues:
            then = firsts.get(str(issue.id), {})
            status = then.get("status", issue.status)
            flagged = then.get("for_next_meeting", issue.for_next_meeting)
            if status not in ("open", "in_progress", "awaiting_decision"):
                continue
            if status != "awaiting_decision" and not flagged:
                continue
            out.append(
                {
                    "id": issue.id,
                    "code": issue.code,
                    "title": then.get("title", issue.title),
                    "raised_by": issue.raised_by.name,
                    "raised_by_code": issue.raised_by_code,
                    "raised_on": issue.raised_on,
                    "severity": then.get("severity", issue.severity),
                    "status": status,
                    "for_next_meeting": bool(flagged),
                    "proposed_solution": then.get("proposed_solution", issue.proposed_solution),
                    "units": ", ".join(u.name for u in issue.admin_units),
                    "is_demo": issue.is_demo,
                }
            )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(out, key=lambda r: (rank.get(r["severity"], 9), r["raised_on"], r["id"]))


# --- gathering ---------------------------------------------------------------------------------------


def pack_data(
    engine: Engine, meeting_id: int, *, as_of: dt.date | None = None, map_indicator: str | None = None
) -> PackData:
    """Every figure of the pack (what the document shows; tests compare it with the database)."""
    m = load_meeting(engine, meeting_id)
    if as_of is not None:
        day, cutoff, is_past = as_of, asof.end_of(as_of), as_of < clock.today()
    else:
        day, cutoff, is_past = pack_moment(m.held_on, m.status)
    progress = asof.progress_by_agency(engine, province=m.province, day=day, cutoff=cutoff)
    totals = {
        k: sum(r[k] for r in progress)
        for k in ("assigned", "done", "in_progress", "not_started", *asof.TIMINGS)
    }
    overdue = asof.overdue_tasks(engine, province=m.province, day=day, cutoff=cutoff)
    indicators = indicator_rows(engine, m.province, cutoff, day)
    from ..models import AdminUnit

    with read_session(engine) as s:
        districts = list(
            s.scalars(
                select(AdminUnit.code).where(
                    AdminUnit.parent_code == m.province, AdminUnit.level == "district"
                )
            )
        )
    map_info, map_values = map_choice(engine, m.province, cutoff, districts, map_indicator)
    issues = issues_awaiting(engine, m.province, cutoff, m.id, is_past)
    with read_session(engine) as s:
        from ..models import Task

        demo_tasks = (
            s.scalar(select(Task.id).where(Task.province_code == m.province, Task.is_demo.is_(True)).limit(1))
            is not None
        )
    is_demo = (
        m.is_demo or demo_tasks or any(r["is_demo"] for r in indicators) or any(i["is_demo"] for i in issues)
    )
    return PackData(
        meeting_id=m.id,
        province=m.province,
        province_name=m.province_name,
        day=day,
        cutoff=cutoff,
        is_past=is_past,
        meeting=m,
        progress=progress,
        totals=totals,
        overdue=overdue,
        indicators=indicators,
        map_indicator=map_info,
        map_values=map_values,
        issues=issues,
        is_demo=is_demo,
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
    ordered = sorted(data.progress, key=lambda r: (-r["overdue"], -r["assigned"], r["agency_name"]))
    for i, r in enumerate(ordered, start=1):
        rows.append(
            [
                str(i),
                without_province(r["agency_name"], data.province_name),
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


def assessed_indicators(rows: list[dict]) -> list[dict]:
    """The indicators with a progress status (not "insufficient data"), the ones needing attention
    first (deteriorating, limited, moderate, on track, achieved), catalogue order within a status."""
    rank = {s: i for i, s in enumerate(ATTENTION_ORDER)}
    kept = [(i, r) for i, r in enumerate(rows) if r["status"] in rank]
    return [r for _, r in sorted(kept, key=lambda x: (rank[x[1]["status"]], x[0]))]


def overdue_rows(data: PackData, province: str) -> list[tuple[str, str, str, str, str, str]]:
    """(code, title, lead, due, days overdue, percent) per row; the tasks one conclusion gave to several
    agencies (same conclusion and deadline) share a row naming them all."""
    groups: dict[tuple, list[dict]] = {}
    for r in data.overdue:
        key = ("c", r["conclusion_id"], r["due_on"]) if r["conclusion_id"] else ("t", r["id"])
        groups.setdefault(key, []).append(r)
    out = []
    for rows in groups.values():
        first = rows[0]
        names = [r["lead_short_name"] or without_province(r["lead_name"], province) for r in rows]
        if len(rows) == 1:
            code, lead = first["code"], without_province(first["lead_name"], province)
        else:
            code, lead = f"{first['code']} (+{len(rows) - 1})", f"{len(rows)} cơ quan: " + ", ".join(names)
        low, high = min(r["percent_done"] for r in rows), max(r["percent_done"] for r in rows)
        percent = f"{low}%" if low == high else f"{low}–{high}%"
        out.append(
            (
                code,
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


def build_meeting_pack(
    engine: Engine,
    meeting_id: int,
    *,
    as_of: dt.date | None = None,
    map_indicator: str | None = None,
    with_images: bool = True,
) -> bytes:
    """The meeting pack (.docx bytes) for ``meeting_id``, with figures as of the meeting (see module)."""
    from . import images

    data = pack_data(engine, meeting_id, as_of=as_of, map_indicator=map_indicator)
    m = data.meeting
    province = data.province_name
    names = agency_names(engine, data.province)
    doc = d.new_document()
    when = d.short_date(m.held_on)
    d.heading(
        doc,
        d.Heading(
            parent_body=f"UBND TỈNH {province.upper()}",
            body="BAN CHỈ ĐẠO\nLẬP QUY HOẠCH TỈNH",
            number_line="Số:      /BC-BCĐ",
            place=province,
            date=min(data.day, m.held_on) if data.is_past else data.day,
            doc_type="BÁO CÁO",
            subject=f"Tình hình triển khai lập Quy hoạch tỉnh {province} thời kỳ 2021 - 2030, "
            f"tầm nhìn đến năm 2050\n(tài liệu phục vụ cuộc họp Ban Chỉ đạo ngày {when})",
        ),
    )
    if data.is_demo:
        d.demo_notice(doc)
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
            d.body(doc, line, before=2)

    # I. progress
    t = data.totals
    d.section_title(doc, "I. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ THEO CƠ QUAN CHỦ TRÌ")
    if not data.progress:
        d.body(doc, "Chưa có nhiệm vụ nào được giao.")
    else:
        d.body(
            doc,
            f"Tổng số nhiệm vụ đã giao: {vn_number(t['assigned'])}; đã hoàn thành {vn_number(t['done'])} "
            f"(đúng hạn {vn_number(t['done_on_time'])}, trễ hạn {vn_number(t['done_late'])}); đang thực hiện "
            f"{vn_number(t['in_progress'])}; chưa triển khai {vn_number(t['not_started'])}; quá hạn "
            f"{vn_number(t['overdue'])}; sắp đến hạn trong 7 ngày {vn_number(t['due_soon'])}.",
        )
        rows, total = progress_table_rows(data)
        d.data_table(
            doc,
            [
                "STT",
                "Cơ quan chủ trì",
                "Số nhiệm vụ",
                "Đã hoàn thành",
                "Đang thực hiện",
                "Chưa triển khai",
                "Quá hạn",
                "Hoàn thành đúng hạn",
            ],
            rows,
            [12, 49, 17, 17, 17, 17, 14, 22],
            align=["c", "l", "r", "r", "r", "r", "r", "r"],
            caption="Bảng 1. Tiến độ thực hiện nhiệm vụ theo cơ quan chủ trì",
            total=total,
            size=11,
        )
        if with_images:
            try:
                png = images.progress_chart_png(
                    [
                        {
                            "label": r["short_name"] or without_province(r["agency_name"], province),
                            **{k: r[k] for k in asof.TIMINGS},
                        }
                        for r in data.progress
                    ],
                    title=None,
                )
                d.picture(doc, png, 160, "Hình 1. Nhiệm vụ theo cơ quan chủ trì và tình trạng thời hạn")
            except Exception:
                log.exception("progress chart could not be drawn")

    # II. overdue
    d.section_title(doc, "II. CÁC NHIỆM VỤ QUÁ HẠN")
    if not data.overdue:
        d.body(doc, "Không có nhiệm vụ quá hạn.")
    else:
        d.body(
            doc,
            f"Có {vn_number(len(data.overdue))} nhiệm vụ đã quá thời hạn nhưng chưa hoàn thành (các nhiệm vụ của "
            "cùng một kết luận giao nhiều cơ quan được gộp một dòng):",
        )
        rows = [
            [str(i), code, title, lead, due, days, percent]
            for i, (code, title, lead, due, days, percent) in enumerate(overdue_rows(data, province), start=1)
        ]
        d.data_table(
            doc,
            [
                "STT",
                "Mã",
                "Nội dung nhiệm vụ",
                "Cơ quan chủ trì",
                "Thời hạn",
                "Số ngày quá hạn",
                "Tiến độ",
            ],
            rows,
            [12, 25, 47, 33, 22, 13, 13],
            align=["c", "l", "l", "l", "c", "r", "r"],
            caption="Bảng 2. Nhiệm vụ quá hạn",
            size=10.5,
        )

    # III. indicators
    d.section_title(doc, "III. TÌNH HÌNH THỰC HIỆN CÁC CHỈ TIÊU")
    if not data.indicators:
        d.body(doc, "Chưa có số liệu chỉ tiêu.")
    else:
        counts: dict[str, int] = {}
        for r in data.indicators:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        summary = "; ".join(
            f"{PROGRESS_VI[k].lower()}: {vn_number(v)}"
            for k, v in sorted(
                counts.items(), key=lambda kv: list(PROGRESS_VI).index(kv[0]) if kv[0] in PROGRESS_VI else 99
            )
        )
        assessed = assessed_indicators(data.indicators)
        unassessed = len(data.indicators) - len(assessed)
        d.body(
            doc,
            f"Theo dõi {vn_number(len(data.indicators))} chỉ tiêu cấp tỉnh, trong đó {summary}. Bảng 3 liệt kê "
            "các chỉ tiêu đã đánh giá được, chỉ tiêu đi xuống và chậm nhiều đứng trước"
            + (
                f"; {vn_number(unassessed)} chỉ tiêu chưa đủ số liệu để đánh giá (xem trang Chỉ tiêu và mục tiêu)."
                if unassessed
                else "."
            ),
        )
        rows = []
        for i, r in enumerate(assessed, start=1):
            dec = r["decimals"] or 0
            latest = (
                f"{vn_number(r['latest'], dec)} ({KIND_VI.get(r['latest_kind'], '')} {r['latest_year']})"
                if r["latest"] is not None
                else "–"
            )
            rows.append(
                [
                    str(i),
                    r["name"],
                    r["unit"],
                    f"{vn_number(r['baseline'], dec)} ({r['base_year']})"
                    if r["baseline"] is not None
                    else "–",
                    latest,
                    f"{vn_number(r['target'], dec)} ({r['target_year']})" if r["target"] is not None else "–",
                    PROGRESS_VI.get(r["status"], r["status"]),
                ]
            )
        d.data_table(
            doc,
            ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm gốc", "Thực hiện gần nhất", "Mục tiêu", "Đánh giá"],
            rows,
            [12, 44, 16, 23, 27, 23, 20],
            align=["c", "l", "c", "r", "r", "r", "l"],
            caption="Bảng 3. Các chỉ tiêu và mức độ thực hiện",
            size=10.5,
        )
        d.paragraph(
            doc,
            "Ghi chú: TH - thực hiện; ƯTH - ước thực hiện. Đánh giá theo phương pháp tốc độ tăng trưởng "
            "(Open SDG/ESCAP): so tốc độ thực tế từ năm gốc với tốc độ cần đạt để về đích; chỉ tiêu là "
            "tốc độ hoặc tỷ lệ thì so trực tiếp mức mới nhất với mức mục tiêu.",
            italic=True,
            size=11,
            before=2,
        )
    if with_images and data.map_indicator and data.map_values:
        from ..maps.boundaries import BOUNDARY_ATTRIBUTION

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
                    f"Hình 2. {info['name_vi']} theo huyện, thành phố, năm {info['year']} ({info['unit']}{missing})",
                )
                d.paragraph(doc, BOUNDARY_ATTRIBUTION, align=d.WD_ALIGN_PARAGRAPH.CENTER, size=8, after=6)
        except Exception:
            log.exception("map could not be drawn")

    # IV. issues
    d.section_title(doc, "IV. KHÓ KHĂN, VƯỚNG MẮC ĐỀ NGHỊ BAN CHỈ ĐẠO CHO Ý KIẾN")
    if not data.issues:
        d.body(doc, "Không có khó khăn, vướng mắc nào chờ Ban Chỉ đạo cho ý kiến.")
    for i, r in enumerate(data.issues, start=1):
        where = f"; địa bàn: {r['units']}" if r["units"] else ""
        d.body(
            doc,
            f"{i}. {r['title']} ({without_province(r['raised_by'], province)} nêu ngày "
            f"{d.short_date(r['raised_on'])}; mức độ: {SEVERITY_VI.get(r['severity'], r['severity']).lower()}"
            f"{where}).",
        )
        if r["proposed_solution"]:
            d.detail(doc, f"Đề xuất: {r['proposed_solution']}")

    closing = d.body(
        doc,
        "Ban Chỉ đạo lập Quy hoạch tỉnh kính trình các thành viên Ban Chỉ đạo xem xét, cho ý kiến./.",
        before=8,
    )
    closing.paragraph_format.keep_with_next = True  # never a page with the signature alone
    recipients = ["Trưởng Ban Chỉ đạo (để báo cáo)", "Các thành viên Ban Chỉ đạo"]
    recipients += [
        without_province(a["name"], province)
        for a in m.invitees
        if not names.get(a["code"], {}).get("is_member")
    ]
    recipients += ["Lưu: VT, BCĐ"]
    d.recipients_and_signature(
        doc, recipients, d.Signature("TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
    )
    doc.core_properties.title = f"Tài liệu phục vụ cuộc họp Ban Chỉ đạo ngày {when}"
    return d.to_bytes(doc)
