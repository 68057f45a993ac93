"""Deadline phrases of plans → deadline specs (bot/plan_import/deadlines.py)."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.calendar import (
    Conditional,
    DateRange,
    DeadlineSpec,
    From,
    HalfYearly,
    Monthly,
    OnDate,
    Ongoing,
    Quarterly,
    Weekly,
    Yearly,
    spec_from_dict,
    spec_to_dict,
)
from bot.plan_import.deadlines import DeadlineMatch, find_deadline, parse_deadline

SEED = Path(__file__).resolve().parent.parent / "bot" / "data" / "seed_plan.yaml"


def r(start: str, end: str) -> DateRange:
    return DateRange(date.fromisoformat(start), date.fromisoformat(end))


def d(day: str) -> OnDate:
    return OnDate(date.fromisoformat(day))


Q3_2023 = r("2023-07-01", "2023-09-30")

# The list, then variants. The plan's year is 2023 unless the phrase says otherwise.
PHRASES: list[tuple[str, tuple[DeadlineSpec, ...]]] = [
    ("trước ngày 31/8/2023", (d("2023-08-31"),)),
    ("ngày 05 tháng 12 năm 2025", (d("2025-12-05"),)),
    ("trong tháng 7/2023", (r("2023-07-01", "2023-07-31"),)),
    ("tháng 12 năm 2025", (r("2025-12-01", "2025-12-31"),)),
    ("Quý III/2023", (Q3_2023,)),
    ("Quí IV-2025", (r("2025-10-01", "2025-12-31"),)),
    ("Quý III Năm 2026", (r("2026-07-01", "2026-09-30"),)),
    ("Quý IV/2025 - Quý II/2026", (r("2025-10-01", "2026-06-30"),)),
    ("Tháng 8 - tháng 12/2023", (r("2023-08-01", "2023-12-31"),)),
    ("tháng 8,9/2023", (r("2023-08-01", "2023-09-30"),)),
    ("Tháng 7-9/2023", (Q3_2023,)),
    ("Tháng 9/2023 - tháng 3/2024", (r("2023-09-01", "2024-03-31"),)),
    ("đầu tháng 10/2023", (r("2023-10-01", "2023-10-10"),)),
    ("năm 2025", (r("2025-01-01", "2025-12-31"),)),
    ("Giai đoạn 2026-2030", (r("2026-01-01", "2030-12-31"),)),
    ("Từ 01/7/2025", (From(date(2025, 7, 1)),)),
    ("hàng tuần", (Weekly(),)),
    ("hàng tháng", (Monthly(()),)),
    ("hằng tháng", (Monthly(()),)),
    ("hằng quý", (Quarterly(),)),
    ("6 tháng", (HalfYearly(),)),
    ("hằng năm", (Yearly(),)),
    ("trước ngày 20 hằng tháng", (Monthly((20,)),)),
    ("vào ngày 15 và 30 hàng tháng", (Monthly((15, 30)),)),
    ("trước ngày 05 và 22 hàng tháng", (Monthly((5, 22)),)),
    ("trước ngày 15 tháng 11 hằng năm", (Yearly(dates=((11, 15),)),)),
    ("trước ngày 01/6 và 15/11 hằng năm", (Yearly(dates=((6, 1), (11, 15))),)),
    ("Tháng 12 hằng năm", (Yearly(months=(12,)),)),
    ("thường xuyên", (Ongoing(),)),
    ("Sau khi có hướng dẫn của Bộ Tài chính",
     (Conditional("Sau khi có hướng dẫn của Bộ Tài chính"),)),
    ("theo kế hoạch riêng", (Conditional("theo kế hoạch riêng"),)),
    # Variants: separators, leading zeros, case, spelling, no year.
    ("trước ngày 31-08-2023", (d("2023-08-31"),)),
    ("Trước ngày 31.8.2023", (d("2023-08-31"),)),
    ("TRƯỚC NGÀY 31/8/2023", (d("2023-08-31"),)),
    ("trước ngày 31/8", (d("2023-08-31"),)),
    ("31/8/2023", (d("2023-08-31"),)),
    ("Ngày 5 tháng 12 năm 2025", (d("2025-12-05"),)),
    ("ngày 05/12/2025", (d("2025-12-05"),)),
    ("Tháng 07/2023", (r("2023-07-01", "2023-07-31"),)),
    ("tháng 7", (r("2023-07-01", "2023-07-31"),)),
    ("7/2023", (r("2023-07-01", "2023-07-31"),)),
    ("Quý 3/2023", (Q3_2023,)),
    ("quý III năm 2023", (Q3_2023,)),
    ("Quý III", (Q3_2023,)),
    ("QUÝ IV/2025", (r("2025-10-01", "2025-12-31"),)),
    ("Quý III - IV/2023", (r("2023-07-01", "2023-12-31"),)),
    ("Quý III, IV/2023", (r("2023-07-01", "2023-12-31"),)),
    ("Quý I và Quý III/2024", (r("2024-01-01", "2024-03-31"), r("2024-07-01", "2024-09-30"))),
    ("Tháng 10, tháng 11/2023", (r("2023-10-01", "2023-11-30"),)),
    ("tháng 3, 6, 9/2023", (r("2023-03-01", "2023-03-31"), r("2023-06-01", "2023-06-30"),
                            r("2023-09-01", "2023-09-30"))),
    ("tháng 11 - tháng 2/2024", (r("2023-11-01", "2024-02-29"),)),
    ("Cao điểm tháng 7- tháng 11/2023", (r("2023-07-01", "2023-11-30"),)),
    ("Xong trong tháng 11/2023", (r("2023-11-01", "2023-11-30"),)),
    ("giữa tháng 10/2023", (r("2023-10-11", "2023-10-20"),)),
    ("cuối tháng 2/2024", (r("2024-02-21", "2024-02-29"),)),
    ("Năm 2024 - 2025", (r("2024-01-01", "2025-12-31"),)),
    ("2026-2030", (r("2026-01-01", "2030-12-31"),)),
    ("2025", (r("2025-01-01", "2025-12-31"),)),
    ("giai đoạn 2021 - 2025", (r("2021-01-01", "2025-12-31"),)),
    ("từ ngày 01/7/2025", (From(date(2025, 7, 1)),)),
    ("Từ tháng 7/2023", (From(date(2023, 7, 1)),)),
    ("từ ngày 01/7/2023 đến ngày 15/7/2023", (r("2023-07-01", "2023-07-15"),)),
    ("Từ tháng 7 đến tháng 9/2023", (Q3_2023,)),
    ("trước tháng 9/2023", (d("2023-08-31"),)),
    ("ngày 15/6 và 15/12/2023", (d("2023-06-15"), d("2023-12-15"))),
    ("Hằng tuần", (Weekly(),)),
    ("thứ Sáu hằng tuần", (Weekly(4),)),
    ("Hàng tuần vào thứ 2", (Weekly(0),)),
    ("hàng tuần, hàng tháng", (Weekly(), Monthly(()))),
    ("Định kỳ hằng tháng", (Monthly(()),)),
    ("Hằng tháng, trước ngày 25", (Monthly((25,)),)),
    ("hằng tháng (trước ngày 20)", (Monthly((20,)),)),
    ("định kỳ 6 tháng", (HalfYearly(),)),
    ("6 tháng/lần", (HalfYearly(),)),
    ("Định kỳ hằng quý, 6 tháng, năm", (Quarterly(), HalfYearly(), Yearly())),
    ("hàng năm", (Yearly(),)),
    ("ngày 20/12 hằng năm", (Yearly(dates=((12, 20),)),)),
    ("Quý IV hằng năm", (Yearly(months=(12,)),)),
    ("6 tháng đầu năm 2023", (r("2023-01-01", "2023-06-30"),)),
    ("6 tháng cuối năm", (r("2023-07-01", "2023-12-31"),)),
    ("Thường xuyên, liên tục", (Ongoing(),)),
    ("Thường xuyên", (Ongoing(),)),
    ("Theo kế hoạch riêng", (Conditional("Theo kế hoạch riêng"),)),
    ("Khi có yêu cầu", (Conditional("Khi có yêu cầu"),)),
    # Without diacritics, decomposed, old accent placement, non-breaking spaces.
    ("truoc ngay 31/8/2023", (d("2023-08-31"),)),
    ("hang thang", (Monthly(()),)),
    ("Quy III/2023", (Q3_2023,)),
    ("thuong xuyen", (Ongoing(),)),
    (unicodedata.normalize("NFD", "trước ngày 05 và 22 hàng tháng"), (Monthly((5, 22)),)),
    (unicodedata.normalize("NFD", "Quý IV/2025 - Quý II/2026"), (r("2025-10-01", "2026-06-30"),)),
    ("Quí\u00a0III/2023", (Q3_2023,)),
    ("trước\u00a0ngày\u00a031/8/2023", (d("2023-08-31"),)),
    ("Tháng 8 – tháng 12/2023", (r("2023-08-01", "2023-12-31"),)),  # an en dash
    # Impossible dates, and nothing to read: nothing, never an invented date.
    ("31/2/2024", ()),
    ("trước ngày 31/2/2024", ()),
    ("tháng 13/2023", ()),
    ("Quý V/2023", ()),
    ("ngày 32/1/2023", ()),
    ("năm 1200", ()),
    ("ngày 29/2", ()),  # 2023 has no 29 February
    ("ngày 35 hằng tháng", ()),
    ("", ()),
    ("Sở Tài chính", ()),
    ("Trong 6 tháng", ()),  # a duration
]


@pytest.mark.parametrize(("phrase", "expected"), PHRASES)
def test_parse_deadline(phrase: str, expected: tuple[DeadlineSpec, ...]) -> None:
    assert parse_deadline(phrase, 2023) == expected


@pytest.mark.parametrize("phrase", ["Quý III", "tháng 7", "trước ngày 31/8", "hằng năm"])
def test_a_phrase_without_a_year_needs_the_plans(phrase: str) -> None:
    got = parse_deadline(phrase, None)
    assert all(not isinstance(spec, OnDate | DateRange) for spec in got)
    assert parse_deadline(phrase, 2024) != ()


def test_the_plans_year_fills_in_only_what_is_missing() -> None:
    assert parse_deadline("Quý III", 2025) == (r("2025-07-01", "2025-09-30"),)
    assert parse_deadline("Quý III/2023", 2025) == (Q3_2023,)
    assert parse_deadline("Quý III", None) == ()
    assert parse_deadline("hằng quý", None) == (Quarterly(),)


# --- Prose ----------------------------------------------------------------------------------

PROSE: list[tuple[str, str | None, tuple[DeadlineSpec, ...]]] = [
    ("Các sở gửi Sở Tài chính trước ngày 31/8/2023.", "trước ngày 31/8/2023",
     (d("2023-08-31"),)),
    ("hàng tuần, hàng tháng kiểm đếm tiến độ dự án", "hàng tuần, hàng tháng",
     (Weekly(), Monthly(()))),
    ("tổ chức Hội nghị xúc tiến trong Quý III/2023.", "trong Quý III/2023", (Q3_2023,)),
    ("Trong tháng 7/2023: Ban hành Quy chế làm việc;", "Trong tháng 7/2023",
     (r("2023-07-01", "2023-07-31"),)),
    ("vụ mùa 2023 (Tháng 7-9/2023); đảm bảo cơ cấu lúa", "Tháng 7-9/2023", (Q3_2023,)),
    ("hoàn thành trong năm 2024.", "hoàn thành trong năm 2024",
     (r("2024-01-01", "2024-12-31"),)),
    ("báo cáo UBND tỉnh chậm nhất ngày 15/12/2023.", "chậm nhất ngày 15/12/2023",
     (d("2023-12-15"),)),
    ("Từ ngày 01/7/2025, các xã thực hiện", "Từ ngày 01/7/2025", (From(date(2025, 7, 1)),)),
    ("Thường xuyên theo dõi, báo cáo trước ngày 20 hằng tháng.", "trước ngày 20 hằng tháng",
     (Monthly((20,)),)),
    ("Thường xuyên kiểm tra, đôn đốc các đơn vị.", "Thường xuyên", (Ongoing(),)),
    ("Triển khai sau khi Đề án được phê duyệt; báo cáo kết quả.",
     "sau khi Đề án được phê duyệt", (Conditional("sau khi Đề án được phê duyệt"),)),
    ("Tổ chức kiểm tra theo kế hoạch riêng.", "theo kế hoạch riêng",
     (Conditional("theo kế hoạch riêng"),)),
    ("báo cáo định kỳ 6 tháng, hằng năm gửi Sở Nội vụ", "định kỳ 6 tháng, hằng năm",
     (HalfYearly(), Yearly())),
    ("gửi báo cáo trước ngày 15 tháng 11 hằng năm", "trước ngày 15 tháng 11 hằng năm",
     (Yearly(dates=((11, 15),)),)),
    ("Dự kiến khởi công đầu tháng 10/2023.", "đầu tháng 10/2023",
     (r("2023-10-01", "2023-10-10"),)),
    ("truoc ngay 31/8/2023 gui bao cao", "truoc ngay 31/8/2023", (d("2023-08-31"),)),
    ("Tháng 7/2023: Ban hành Quy chế", "Tháng 7/2023", (r("2023-07-01", "2023-07-31"),)),
    ("- Tháng 9/2023: tổ chức Hội nghị", "Tháng 9/2023", (r("2023-09-01", "2023-09-30"),)),
    ("Hội nghị tháng 9/2023: kết quả", None, ()),
    ("triển khai kinh tế đêm (quý III/2023).", "quý III/2023", (Q3_2023,)),
    ("Trong quý III: hoàn thiện hồ sơ", "Trong quý III", (Q3_2023,)),
    ("gửi Sở Nội vụ vào thứ Sáu hằng tuần", "vào thứ Sáu hằng tuần", (Weekly(4),)),
    ("Kế hoạch số 12/KH-UBND, thực hiện từ tháng 1/2023 đến nay", None, ()),
    ("Sở Kế hoạch và Đầu tư 15/8/2023 tổng hợp", None, ()),
    # Not deadlines: programmes, periods a document covers, document dates.
    ("Kế hoạch đầu tư công giai đoạn 2021-2025.", None, ()),
    ("báo cáo 6 tháng đầu năm 2023 của UBND tỉnh", None, ()),
    ("phê duyệt kế hoạch sử dụng đất năm 2023;", None, ()),
    ("Quyết định số 728/QĐ-TTg ngày 20/6/2023 của Thủ tướng", None, ()),
    ("Quy hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050", None, ()),
    ("Kế hoạch điều hành tăng trưởng kinh tế - xã hội Quý III/2023", None, ()),
    ("điều chỉnh các nhiệm vụ chi thường xuyên ngân sách nhà nước", None, ()),
    ("số liệu tính đến ngày 30/6/2023", None, ()),
    ("trong năm 2023 tỉnh đã thu hút nhiều dự án", None, ()),
    ("xây dựng kế hoạch hằng năm của ngành", None, ()),
    ("các mặt hàng năm 2023 tăng giá", None, ()),
    ("định kỳ báo cáo kết quả thực hiện", None, ()),
    ("ban hành quy chế làm việc", None, ()),
    ("trước ngày 31/2/2024", None, ()),
    ("", None, ()),
]


@pytest.mark.parametrize(("sentence", "text", "specs"), PROSE)
def test_find_deadline(sentence: str, text: str | None,
                       specs: tuple[DeadlineSpec, ...]) -> None:
    found = find_deadline(sentence, 2023)
    if text is None:
        assert found is None
    else:
        assert found == DeadlineMatch(text, specs)
        assert found.text in sentence


def test_the_match_is_the_text_as_written_even_decomposed() -> None:
    written = "Các đơn vị gửi báo cáo trước ngày 05 và 22 hàng tháng."
    sentence = unicodedata.normalize("NFD", written)
    found = find_deadline(sentence, 2023)
    assert found is not None
    assert found.text in sentence
    assert unicodedata.normalize("NFC", found.text) == "trước ngày 05 và 22 hàng tháng"
    assert found.specs == (Monthly((5, 22)),)


# --- The seed plan, reviewed by hand ---------------------------------------------------------


def _seed() -> tuple[int, list[dict[str, Any]]]:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return data["plan"]["year"], data["tasks"]


def _due(task: dict[str, Any]) -> list[dict[str, Any]]:
    # Through spec_from_dict so YAML's dates and JSON's strings compare alike.
    return [spec_to_dict(spec_from_dict(spec)) for spec in task.get("due") or ()]


SEED_YEAR, SEED_TASKS = _seed()


def test_the_seed_has_its_53_tasks() -> None:
    assert len(SEED_TASKS) == 53


@pytest.mark.parametrize("task", [t for t in SEED_TASKS if t["deadline_text"]],
                         ids=lambda t: t["id"])
def test_every_seed_deadline_text_reads_as_reviewed(task: dict[str, Any]) -> None:
    got = [spec_to_dict(spec) for spec in parse_deadline(task["deadline_text"], SEED_YEAR)]
    assert got == _due(task)


@pytest.mark.parametrize("task", SEED_TASKS, ids=lambda t: t["id"])
def test_find_deadline_on_every_seed_task(task: dict[str, Any]) -> None:
    found = find_deadline(" ".join(task["text"].split()), SEED_YEAR)
    if task["deadline_text"] is None:
        assert found is None, f"invented a deadline: {found}"
    else:
        assert found is not None
        assert [spec_to_dict(spec) for spec in found.specs] == _due(task)
        assert found.text in task["text"] or found.text in " ".join(task["text"].split())


# The seed document's title, preamble and first heading, verbatim (shared/seed/000_…):
# dates of documents it implements, the quarter and year it covers, "6 tháng cuối năm".
SEED_PREAMBLE = [
    'KẾ HOẠCH',
    'ĐIỀU HÀNH TĂNG TRƯỞNG KINH TẾ - XÃ HỘI QUÝ I II /2023',
    'Thực hiện Kết luận số 759-KL/TU ngày 18/7/2023 của Ban Thường vụ Tỉnh ủy về kịch'
    ' bản điều hành tăng trưởng kinh tế - xã hội Quý III năm 2023; Nghị quyết của Ban'
    ' cán sự Đảng UBND tỉnh về việc điều hành tăng trưởng kinh tế - xã hội Quý '
    'III/2023;',
    'UBND tỉnh ban hành Kế hoạch tổ chức triển khai thực hiện như sau:',
    'I. MỤC ĐÍCH, YÊU CẦU',
    '1. Tăng cường sự lãnh đạo của các cấp ủy Đảng và hệ thống chính trị, sự tham gia'
    ' của các cấp, các ngành để triển khai có hiệu quả các giải pháp phục hồi và phát'
    ' triển kinh tế - xã hội trong 6 tháng cuối năm nhằm phấn đấu hoàn thành cao nhất'
    ' các mục tiêu, nhiệm vụ chính trị năm 2023 đã đề ra.',
    '2. Phục hồi phát triển sản xuất công nghiệp, xuất khẩu hàng hóa, thúc đẩy tăng '
    'trưởng kinh tế; tăng cường thương mại hiện đại, dịch vụ tiện ích; đẩy nhanh tiến'
    ' độ xây dựng hệ thống kết cấu hạ tầng đồng bộ, hiện đại, nhất là các dự án, công'
    ' trình trọng điểm, quy mô lớn, có ý nghĩa quan trọng; nâng cao chất lượng công '
    'tác quy hoạch, tăng cường quản lý đất đai, tài nguyên, bảo vệ môi trường. Quan '
    'tâm phát triển toàn diện các lĩnh vực văn hóa, giáo dục, y tế, bảo đảm an sinh '
    'xã hội, nâng cao đời sống nhân dân. Đẩy mạnh cải cách hành chính, cải thiện môi '
    'trường đầu tư kinh doanh. Quản lý chặt chẽ, sử dụng hiệu quả đất đai, tài '
    'nguyên, bảo vệ môi trường. Củng cố quốc phòng, quân sự địa phương, giữ vững an '
    'ninh chính trị, trật tự, an toàn xã hội.',
    'II. NHIỆM VỤ VÀ GIẢI PHÁP',
    'Các cấp, các ngành phải xây dựng kế hoạch chỉ đạo, điều hành, triển khai nhiệm '
    'vụ chi tiết theo thời gian, công việc gắn với trách nhiệm hoàn thành của từng '
    'cán bộ, công chức, lãnh đạo thực hiện; trong đó, đặc biệt là việc thực hiện '
    'nghiêm túc các giải pháp đã được nêu tại Kết luận số 757-KL/TU ngày 03/7/2023 '
    'của Tỉnh ủy về tình hình thực hiện nhiệm vụ chính trị 6 tháng đầu năm 2023; '
    'nhiệm vụ, giải pháp 6 tháng cuối năm 2023; Nghị quyết số 208/NQ-HĐND ngày '
    '07/7/2023 của HĐND tỉnh về tình hình kinh tế - xã hội 6 tháng đầu năm; phương '
    'hướng, nhiệm vụ cuối năm 2023; Tiếp tục quyết tâm thực hiện các chỉ đạo của '
    'Chính phủ, Tỉnh ủy và HĐND tỉnh về các nhiệm vụ, giải pháp để thực hiện phục hồi'
    ' và phát triển kinh tế - xã hội trong 6 tháng cuối năm; triển khai các chính '
    'sách mới ban hành của Trung ương, của Chính phủ, đặc biệt là các chính sách, quy'
    ' định về hỗ trợ, tháo gỡ khó khăn cho doanh nghiệp, người dân và thực hiện chủ '
    'để công tác năm; trong đó tập trung thực hiện một số nhiệm vụ cụ thể sau:',
    '1.  Tập trung điều hành ngân sách đảm bảo chặt chẽ, hiệu quả, đúng quy định; '
    'triển khai quyết liệt các giải pháp thúc đẩy giải ngân vốn đầu tư công, chương '
    'trình phục hồi và phát triển kinh tế - xã hội; rà soát, điều chỉnh kế hoạch đầu '
    'tư công giai đoạn 2021-2025; phấn đấu giải ngân đạt trên 95% kế hoạch; tháo gỡ '
    'khó khăn các dự án BT và dự án đ ố i ứng. Cụ thể như sau:',
]


@pytest.mark.parametrize("line", SEED_PREAMBLE)
def test_the_seed_preamble_states_no_deadline(line: str) -> None:
    assert find_deadline(line, SEED_YEAR) is None
