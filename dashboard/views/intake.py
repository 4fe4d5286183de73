"""The data intake page's three tabs (pages/intake.py draws them): templates to download, the upload with
its report, dry run and confirmation, and the revision history of any figure. Task progress goes
through the same uploader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, data, downloads, fmt, state
from dashboard.components_text import esc_md
from dashboard.i18n import t, translate
from dashboard.page import PageContext
from dashboard.safe_text import plain
from dashboard.views import intake_foreign
from qh_data import clock, intake, periods, permissions
from qh_data.errors import QHError, StaleEdit
from qh_data.intake import foreign
from qh_data.intake.template import XLSX_MIME, slug
from qh_data.models import UNIT_COMMITTEE_KINDS
from qh_data.permissions import Actor

PLAN_KEY, PLAN_ID_KEY, RESULT_KEY = "intake_plan", "intake_plan_id", "intake_result"
KINDS = ("actual", "estimate", "target")
MAX_SHOWN = 1000
TONES = {"new": "#009E73", "changed": "#0072B2", "unchanged": "#9E9E9E", "conflict": "#E69F00"}


@dataclass
class IntakeView:
    ctx: PageContext
    actor: Actor
    engine: Any  # the cached engine (dashboard.data.engine())
    today: dt.date
    indicators: list[dict]  # intake.indicator_choices, catalogue order

    @property
    def f(self):
        return self.ctx.filters

    @property
    def lang(self) -> str:
        return self.ctx.lang

    def tl(self, key: str, **values) -> str:
        """``t`` bound to this run's language, for format functions (called later, outside the run)."""
        return translate(key, self.lang, **values)

    def kind_word(self, kind: str) -> str:
        return self.tl(f"status.kind.{kind}")

    @property
    def ind_names(self) -> dict[str, str]:
        return {i["code"]: i["name_vi"] if self.lang == "vi" else i["name_en"] for i in self.indicators}

    @property
    def ind_decimals(self) -> dict[str, int]:
        return {i["code"]: i["decimals"] for i in self.indicators}


def load(ctx: PageContext, actor: Actor) -> IntakeView:
    return IntakeView(ctx=ctx, actor=actor, engine=data.engine(), today=clock.today(),
                      indicators=data.read(intake.indicator_choices))


def unit_names(province: str | None, day: dt.date | None = None) -> dict[str, str]:
    """Names of the province, its districts and (from 1/7/2025) the communes in force on ``day``."""
    if not province:
        return {}
    names = {p["code"]: p["name"] for p in data.q("provinces") if p["code"] == province}
    names |= {d["code"]: d["name"] for d in data.q("districts", province=province)}
    if day is not None:
        names |= {u["code"]: u["name"] for u in data.q("filter_units", province=province, day=day)}
    return names


# --- 1. templates ----------------------------------------------------------------------------------

def _unit_picker(v: IntakeView, slots: list[tuple[str, str]]) -> str | None:
    """The units a one-unit template can be made for: those in force in the chosen periods (districts before
    1/7/2025, communes from then on), named as they were then."""
    f = v.f
    units = data.read(intake.unit_choices, province=f.province, period_codes=[p for p, _ in slots]) if slots else []
    if not units:
        components.empty_state(t("intake.no_units_for_periods"))
        return None
    names = {u["code"]: u["name"] for u in units}
    level = "commune" if all(u["level"] == "commune" for u in units) else (
        "district" if all(u["level"] == "district" for u in units) else "unit")
    codes = list(names)
    default = f.districts[0] if f.districts else None
    return st.selectbox(t(f"intake.pick_{level}"), codes, key="intake_tpl_district",
                        index=codes.index(default) if default in codes else None,
                        format_func=lambda c: plain(names.get(c, c)), placeholder=t(f"intake.choose_{level}"))


def templates_tab(v: IntakeView) -> None:
    f, lang, actor, today, indicators = v.f, v.lang, v.actor, v.today, v.indicators
    owned_roles = {i["owner_role"] for i in indicators if i["owner_role"]}
    agencies = data.q("agencies", province=f.province)
    agency_by_code = {a["code"]: a for a in agencies}
    own = agency_by_code.get(actor.agency_code or "")
    may_any = permissions.allowed(actor, "values.import_any")

    st.subheader(t("intake.values_heading"))
    slot_options = [f"{p}|{k}" for p in reversed(intake.period_choices(today)) for k in KINDS]
    default_slots = [f"{p}|{k}" for p, k in intake.default_slots(today) if f"{p}|{k}" in slot_options]
    chosen = st.multiselect(t("intake.slots"), slot_options, default=default_slots, key="intake_slots",
                            help=t("intake.slots_hint"),
                            format_func=lambda s: v.tl("intake.slot_label", period=periods.label(s.split("|")[0], lang),
                                                       kind=v.kind_word(s.split("|")[1])))
    slots = [tuple(s.split("|")) for s in chosen]
    period_codes = [p for p, _ in slots]
    in_force = {u["code"] for u in data.read(intake.unit_choices, province=f.province,
                                             period_codes=period_codes)} if slots else set()

    def collects(a: dict) -> bool:
        """A People's Committee has a template only for periods its unit existed in."""
        return a["kind"] not in UNIT_COMMITTEE_KINDS or a["admin_unit_code"] in in_force

    agency = unit = None
    if may_any:
        scope = st.radio(t("intake.scope"), ["agency", "unit"], horizontal=True, key="intake_scope",
                         format_func=lambda s: v.tl(f"intake.scope_{s}"))
        if scope == "agency":
            choices = [a["code"] for a in agencies
                       if (a["role"] in owned_roles or a["kind"] in UNIT_COMMITTEE_KINDS) and collects(a)]
            default = f.agency if f.agency in choices else None
            agency = st.selectbox(t("intake.pick_agency"), choices, key="intake_tpl_agency",
                                  index=choices.index(default) if default else None,
                                  format_func=lambda c: plain(agency_by_code[c]["name"]),
                                  placeholder=t("intake.choose_agency"))
        else:
            unit = _unit_picker(v, slots)
    elif own is not None and not collects(own):
        components.empty_state(t("intake.no_units_for_periods"))
    elif own is not None:
        agency = own["code"]
        if own["kind"] in UNIT_COMMITTEE_KINDS and own["admin_unit_code"]:
            st.caption(t("intake.own_district", name=esc_md(own["name"])))
        else:
            st.caption(t("intake.own_agency", name=esc_md(own["name"])))

    scope_name, n_rows = None, 0
    if agency:
        a = agency_by_code.get(agency) or own
        scope_name = a["name"]
        if a["kind"] in UNIT_COMMITTEE_KINDS:
            n_rows = len(indicators) * len(slots)
        else:
            n_ind = sum(1 for i in indicators if i["owner_role"] == a["role"])
            per_period = data.read(intake.slot_units, province=f.province,
                                   period_codes=[p for p, _ in slots]) if slots else {}
            n_rows = n_ind * sum(len(per_period.get(periods.validate(p), [])) for p, _ in slots)
            if n_ind == 0:
                components.empty_state(t("intake.no_indicators"))
                scope_name = None
    elif unit:
        scope_name = next((u["name"] for u in data.read(intake.unit_choices, province=f.province,
                                                          period_codes=[p for p, _ in slots]) if u["code"] == unit),
                          unit)
        n_rows = len(indicators) * len(slots)
    if scope_name and slots:
        st.caption(t("intake.template_rows", n=fmt.number(n_rows, 0, lang)))
        tpl_agency, tpl_unit, tpl_slots = agency, unit, list(slots)

        def build_values() -> bytes:
            return intake.values_template(v.engine, agency=tpl_agency, unit=tpl_unit, slots=tpl_slots,
                                          generated_by=actor.username, today=today).data

        st.download_button(t("intake.download_values"), data=build_values, type="primary",
                           file_name=f"bieu-so-lieu-{slug(scope_name)}-{today:%Y%m%d}.xlsx", mime=XLSX_MIME,
                           key="intake_dl_values", icon=":material/download:", on_click="ignore")

    st.divider()
    st.subheader(t("intake.tasks_heading"))
    st.caption(t("intake.tasks_hint"))
    if permissions.allowed(actor, "task.update", None) and may_any:
        codes = [a["code"] for a in agencies]
        default = f.agency if f.agency in codes else None
        task_agency = st.selectbox(t("intake.pick_agency"), codes, key="intake_task_agency",
                                   index=codes.index(default) if default else None,
                                   format_func=lambda c: plain(agency_by_code[c]["name"]),
                                   placeholder=t("intake.choose_agency"))
    else:
        task_agency = own["code"] if own else None
        if own:
            st.caption(t("intake.own_agency", name=esc_md(own["name"])))
    include_done = st.toggle(t("intake.include_done"), key="intake_include_done")
    if task_agency:
        open_tasks = data.q("list_tasks", province=f.province, agency=task_agency, role="lead", as_of=today)
        wanted = {"not_started", "in_progress"} | ({"done"} if include_done else set())
        n_tasks = int(open_tasks["status"].isin(wanted).sum()) if not open_tasks.empty else 0
        if n_tasks == 0:
            components.empty_state(t("intake.no_tasks"))
        else:
            name = agency_by_code[task_agency]["name"] if task_agency in agency_by_code else task_agency

            def build_tasks(code=task_agency, done=include_done) -> bytes:
                return intake.tasks_template(v.engine, code, include_done=done, generated_by=actor.username,
                                             today=today).data

            st.download_button(t("intake.download_tasks"), data=build_tasks, mime=XLSX_MIME,
                               file_name=f"tien-do-nhiem-vu-{slug(name)}-{today:%Y%m%d}.xlsx",
                               key="intake_dl_tasks", icon=":material/download:", on_click="ignore")


# --- 2. upload, report, dry run, confirm ----------------------------------------------------------

def _progress_bar():
    bar = st.progress(0.0, text=t("intake.stage_read"))

    def update(done: int, total: int, stage: str) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=t(f"intake.stage_{stage}"))

    return bar, update


def problem_table(plan, lang: str) -> pd.DataFrame:
    rows = plan.problem_rows(lang)
    return pd.DataFrame({
        t("intake.col_severity"): [t(f"intake.severity_{r['severity']}") for r in rows],
        t("intake.col_sheet"): [r["sheet"] for r in rows],
        t("intake.col_row"): [r["row"] if r["row"] else None for r in rows],
        t("intake.col_column"): [r["column"] for r in rows],
        t("intake.col_value"): [r["value"] for r in rows],
        t("intake.col_message"): [r["message"] for r in rows],
    })


def value_table(v: IntakeView, plan) -> tuple[pd.DataFrame, int]:
    names = unit_names(plan.meta.get("province") or v.f.province, v.today)
    ind_names, ind_decimals = v.ind_names, v.ind_decimals
    order = {"new": 0, "changed": 1, "unchanged": 2}
    rows = sorted(plan.rows, key=lambda r: (order.get(r.status, 9), r.row))[:MAX_SHOWN]

    def number(value, code):
        return fmt.number(value, ind_decimals.get(code, 1) or 0, v.lang) if value is not None else "–"

    table = pd.DataFrame({
        t("intake.col_row"): [r.row for r in rows],
        t("intake.col_indicator"): [ind_names.get(r.indicator, r.indicator) for r in rows],
        t("intake.col_area"): [getattr(r, "unit_name", None) or names.get(r.unit_code, r.unit_code) for r in rows],
        t("intake.col_period"): [periods.label(r.period, v.lang) for r in rows],
        t("intake.col_kind"): [v.kind_word(r.kind) for r in rows],
        t("intake.col_old"): [number(r.old_value, r.indicator) for r in rows],
        t("intake.col_new"): [number(r.value, r.indicator) for r in rows],
        t("intake.col_status"): [t(f"intake.status_{r.status}") for r in rows],
    })
    return table, len(plan.rows)


def task_table(plan) -> tuple[pd.DataFrame, int]:
    order = {"changed": 0, "conflict": 1, "unchanged": 2}
    rows = sorted(plan.rows, key=lambda r: (order.get(r.outcome, 9), r.row))[:MAX_SHOWN]
    table = pd.DataFrame({
        t("intake.col_row"): [r.row for r in rows],
        t("intake.col_task"): [f"{r.code} · {r.title}" for r in rows],
        t("intake.col_old_status"): [t(f"status.task.{r.old_status}") for r in rows],
        t("intake.col_new_status"): [t(f"status.task.{r.status}") for r in rows],
        t("intake.col_old_percent"): [r.old_percent for r in rows],
        t("intake.col_new_percent"): [r.percent for r in rows],
        t("intake.col_note"): [r.note or "" for r in rows],
        t("intake.col_status"): [t(f"intake.status_{r.outcome}") for r in rows],
    })
    return table, len(plan.rows)


def confirm(v: IntakeView, plan, after_commit=None) -> None:
    lang = v.lang
    bar, update = _progress_bar()
    bar.progress(0.0, text=t("intake.stage_write"))
    try:
        result = intake.commit(v.engine, v.actor, plan, progress=update)
    except StaleEdit as exc:
        bar.empty()
        st.session_state.pop(PLAN_ID_KEY, None)  # check the file again on the next run
        st.warning(t("intake.stale", message=esc_md(exc.message(lang))))
        return
    except QHError as exc:
        bar.empty()
        st.error(esc_md(exc.message(lang)))
        return
    bar.empty()
    if after_commit is not None:
        after_commit()  # a sender's own workbook: its mapping kept as a profile
    data.invalidate()
    if plan.kind == "tasks":
        message = t("intake.written_tasks", n=fmt.number(result["updated"], 0, lang),
                    name=components.esc(plan.file_name))
    else:
        message = t("intake.written_values", n=fmt.number(result["written"], 0, lang),
                    new=fmt.number(result["new"], 0, lang), revised=fmt.number(result["revised"], 0, lang),
                    name=components.esc(plan.file_name)) + " " + t("intake.see_pages")
    st.session_state[RESULT_KEY] = message
    st.session_state.pop(PLAN_ID_KEY, None)  # the dry run again: every row now unchanged
    st.rerun()


def _plan_of(v: IntakeView, upload):
    """The dry run of the uploaded file, made once per file and kept in the session."""
    upload_id = f"{getattr(upload, 'file_id', '')}:{upload.name}:{upload.size}"
    if st.session_state.get(PLAN_ID_KEY) != upload_id or PLAN_KEY not in st.session_state:
        bar, update = _progress_bar()
        plan = intake.dry_run(v.engine, v.actor, upload.getvalue(), upload.name, progress=update)
        bar.empty()
        st.session_state[PLAN_KEY] = plan
        st.session_state[PLAN_ID_KEY] = upload_id
    return st.session_state[PLAN_KEY]


def upload_tab(v: IntakeView) -> None:
    if RESULT_KEY in st.session_state:
        st.success(st.session_state.pop(RESULT_KEY), icon=":material/check_circle:")
    upload = st.file_uploader(t("intake.upload"), type=["xlsx", "xlsm", "xls"], key="intake_upload",
                              help=t("intake.upload_help"))
    intake_foreign.profiles_section(v)
    if upload is None:
        st.caption(t("intake.upload_hint"))
        st.session_state.pop(PLAN_KEY, None)
        st.session_state.pop(PLAN_ID_KEY, None)
        intake_foreign.forget()
        return
    if not _is_template(upload):
        intake_foreign.foreign_flow(v, upload, lambda plan, after: show_plan(v, plan, after))
        return
    show_plan(v, _plan_of(v, upload))


def _is_template(upload) -> bool:
    key = f"intake_is_template:{getattr(upload, 'file_id', '')}:{upload.name}:{upload.size}"
    if key not in st.session_state:
        st.session_state[key] = foreign.is_template(upload.getvalue(), upload.name)
    return st.session_state[key]


def show_plan(v: IntakeView, plan, after_commit=None) -> None:
    """The report, the dry run and the confirmation of a checked file (a template or a sender's own)."""
    lang = v.lang
    kind = t("intake.f_heading_title") if plan.meta.get("foreign") else t(f"intake.kind_{plan.kind}")
    scope = plan.meta.get("scope_name") or ""
    st.markdown(f"**{components.esc(t('intake.scope_of_file', kind=kind, scope=scope) if scope else kind)}**",
                unsafe_allow_html=True)
    st.caption(t("intake.checked", name=components.esc(plan.file_name), rows=fmt.number(plan.data_rows, 0, lang)))
    items = [(t(f"intake.fig_{k}"), fmt.number(n, 0, lang), TONES[k]) for k, n in plan.counts.items()]
    items += [(t("intake.fig_errors"), fmt.number(len(plan.errors), 0, lang),
               "#D55E00" if plan.errors else "#9E9E9E"),
              (t("intake.fig_warnings"), fmt.number(len(plan.warnings), 0, lang),
               "#E69F00" if plan.warnings else "#9E9E9E")]
    components.figures(items, columns=min(len(items), 5))
    if plan.errors:
        st.error(t("intake.refused", n=fmt.number(len(plan.errors), 0, lang)), icon=":material/block:")
    elif plan.warnings:
        st.warning(t("intake.warnings_only", n=fmt.number(len(plan.warnings), 0, lang)))
    else:
        st.success(t("intake.all_good"), icon=":material/task_alt:")
    if plan.problems:
        st.subheader(t("intake.report_heading"))
        report = problem_table(plan, lang)
        st.dataframe(report, hide_index=True, width="stretch", key="intake_report",
                     column_config={t("intake.col_message"): st.column_config.TextColumn(width="large")})
        st.download_button(t("intake.download_report"), downloads.xlsx(report, t("intake.report_sheet")),
                           file_name=f"bao-cao-kiem-tra-{slug(plan.file_name)}.xlsx", mime=XLSX_MIME,
                           key="intake_dl_report", on_click="ignore")
    if plan.ok and plan.rows:
        st.subheader(t("intake.plan_heading"))
        table, total = task_table(plan) if plan.kind == "tasks" else value_table(v, plan)
        if total > len(table):
            st.caption(t("intake.plan_shown", shown=fmt.number(len(table), 0, lang),
                         total=fmt.number(total, 0, lang)))
        st.dataframe(table, hide_index=True, width="stretch", key="intake_plan_table")
        n = len(plan.to_write)
        if n == 0:
            st.info(t("intake.nothing_to_write"))
        elif st.button(t("intake.confirm", n=fmt.number(n, 0, lang)), type="primary", key="intake_confirm",
                       help=t("intake.confirm_help"), icon=":material/save:"):
            confirm(v, plan, after_commit)


# --- 3. revision history ----------------------------------------------------------------------------

def history_table(history, decimals: int, lang: str) -> pd.DataFrame:
    who = [(n if isinstance(n, str) and n else (u if isinstance(u, str) and u else t("intake.system")))
           for n, u in zip(history["submitter_name"], history["submitted_by"], strict=True)]
    return pd.DataFrame({
        t("intake.col_revision"): history["revision"].astype(int),
        t("intake.col_figure"): [fmt.number(x, decimals, lang) for x in history["value"]],
        t("intake.col_submitted_at"): [fmt.datetime(pd.Timestamp(x).to_pydatetime(), lang)
                                       for x in history["submitted_at"]],
        t("intake.col_submitted_by"): who,
        t("intake.col_file"): history["file_name"].fillna("–"),
        t("intake.col_source"): [(s or "–") + (f" ({t('intake.demo_value')})" if d else "")
                                 for s, d in zip(history["source"].fillna(""), history["is_demo"], strict=True)],
        t("intake.col_note"): history["note"].fillna(""),
        t("intake.col_current"): [t("intake.current_yes") if c else t("intake.current_no")
                                  for c in history["is_current"]],
    })


def history_tab(v: IntakeView) -> None:
    f, lang = v.f, v.lang
    st.caption(t("intake.history_intro"))
    names = unit_names(f.province, v.today)
    ind_names = v.ind_names
    c1, c2 = st.columns([3, 2])
    codes = [i["code"] for i in v.indicators]
    wanted = state.page_param("ind")
    ind = c1.selectbox(t("intake.pick_indicator"), codes, key="intake_hist_ind",
                       index=codes.index(wanted) if wanted in codes else 0, format_func=lambda c: plain(ind_names.get(c, c)))
    units = list(names)
    wanted_unit = state.page_param("unit") or (f.districts[0] if f.districts else None)
    unit = c2.selectbox(t("intake.pick_area"), units, key="intake_hist_unit", format_func=lambda c: plain(names.get(c, c)),
                        index=units.index(wanted_unit) if wanted_unit in units else min(1, len(units) - 1))
    keys = data.read(intake.value_keys, indicator=ind, unit=unit) if ind and unit else []
    if not keys:
        components.empty_state(t("intake.no_values"))
        return
    labels = {f"{k['period']}|{k['kind']}": t("intake.key_label", period=periods.label(k["period"], lang),
                                               kind=v.kind_word(k["kind"]), n=k["revisions"]) for k in keys}
    options = list(labels)
    wanted_key = f"{state.page_param('per')}|{state.page_param('kind')}"
    key = st.selectbox(t("intake.pick_key"), options, key="intake_hist_key", format_func=labels.get,
                       index=options.index(wanted_key) if wanted_key in options else 0)
    period, kind = key.split("|")
    state.sync_url(f, state.page_params_of_url() | {"ind": ind, "unit": unit, "per": period, "kind": kind})
    history = data.q("value_history", indicator=ind, unit_code=unit, period=period, kind=kind)
    decimals = v.ind_decimals.get(ind, 1) or 0
    st.dataframe(history_table(history, decimals, lang), hide_index=True, width="stretch", key="intake_history")
