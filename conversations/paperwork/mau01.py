"""The draft of the cell's collective report (Hướng dẫn 43-HD/BTCTW, Mẫu 01): letterhead,
title, the figures counted from the data, and the narrative sections laid out with room
for the cell committee to write. Pure: figures in, bytes out."""

from __future__ import annotations

from conversations.paperwork.figures import CellFigures, quota_line
from conversations.paperwork.heading import people
from conversations.paperwork.paper import LEFT, Paper

FORM_CODE = "Mẫu 01-HD KĐ.ĐG 2025"
TITLE = "BÁO CÁO KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG TẬP THỂ"
TITLE_BREAK = "XẾP LOẠI "  # the title's line ends after these words, as Mẫu 01 prints it
# the table's last row: expected members not yet at each step
NOT_YET = "Chưa nộp / chưa đề xuất / chưa quyết định"
DRAFT_NOTE = ("(Dự thảo do hệ thống lập từ số liệu kiểm điểm; chi ủy bổ sung, hoàn chỉnh "
              "trước khi trình hội nghị chi bộ)")
TICK = "☐"

# The narrative sections of Mẫu 01, each with what it asks the collective to write.
SECTIONS = (
    ("I. ƯU ĐIỂM, KẾT QUẢ ĐẠT ĐƯỢC", (
        "1. Về thực hiện nhiệm vụ chính trị, chỉ tiêu, nhiệm vụ được giao trong năm.",
        "2. Về xây dựng Đảng về chính trị, tư tưởng, đạo đức, tổ chức và cán bộ; công tác "
        "kiểm tra, giám sát, kỷ luật đảng.",
        "3. Về thực hiện nguyên tắc tập trung dân chủ, đoàn kết nội bộ; việc thực hiện "
        "cam kết tu dưỡng, rèn luyện của tập thể.",
    )),
    ("II. HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN", (
        "1. Hạn chế, khuyết điểm.",
        "2. Nguyên nhân (khách quan, chủ quan).",
    )),
    ("III. KẾT QUẢ KHẮC PHỤC NHỮNG HẠN CHẾ, KHUYẾT ĐIỂM ĐÃ ĐƯỢC CẤP CÓ THẨM QUYỀN KẾT LUẬN "
     "HOẶC ĐƯỢC CHỈ RA Ở CÁC KỲ KIỂM ĐIỂM TRƯỚC", (
        "Nêu từng hạn chế, khuyết điểm: đã khắc phục / đang khắc phục (mức độ) / chưa khắc "
        "phục; khó khăn, vướng mắc; trách nhiệm của tập thể.",
    )),
    ("IV. GIẢI TRÌNH NHỮNG VẤN ĐỀ ĐƯỢC GỢI Ý KIỂM ĐIỂM (NẾU CÓ)", ()),
    ("V. PHƯƠNG HƯỚNG, BIỆN PHÁP KHẮC PHỤC HẠN CHẾ, KHUYẾT ĐIỂM", ()),
)


def mau01_docx(figures: CellFigures) -> bytes:
    heading = figures.heading
    paper = Paper()
    paper.letterhead(heading, FORM_CODE)
    paper.title(TITLE.replace(TITLE_BREAK, TITLE_BREAK.strip() + "\n"), f"NĂM {heading.year}",
                note=DRAFT_NOTE)
    paper.text(f"Thực hiện Quy định số 366-QĐ/TW ngày 30/8/2025 của Bộ Chính trị và Hướng dẫn "
               f"số 43-HD/BTCTW ngày 31/10/2025 của Ban Tổ chức Trung ương, {heading.cell} "
               f"báo cáo kết quả kiểm điểm, tự đánh giá, xếp loại chất lượng năm "
               f"{heading.year} như sau:", indent=True)
    _members(paper, figures)
    for title, prompts in SECTIONS:
        paper.heading(title)
        for prompt in prompts:
            paper.text(prompt, italic=True, indent=True)
            paper.room(2)
        if not prompts:
            paper.room(3)
    _self_rating(paper, figures)
    paper.signature(heading)
    decided = dict(figures.levels).get(figures.cell_rating or "")
    if decided:  # the committee's rating is no part of the cell's own; noted after it
        paper.text(f"Đảng ủy đã xếp loại chi bộ: {decided}.", italic=True, size=11,
                   align=LEFT)
    return paper.save()


def _members(paper: Paper, f: CellFigures) -> None:
    paper.heading("TÌNH HÌNH ĐẢNG VIÊN VÀ KẾT QUẢ KIỂM ĐIỂM, XẾP LOẠI ĐẢNG VIÊN")
    paper.text(f"Tổng số đảng viên của chi bộ: {people(f.members)} (trong đó đảng viên dự bị: "
               f"{people(f.probationary)}).", indent=True)
    not_reviewed = f.members - f.expected
    why = "; ".join(f"{reason[:1].lower()}{reason[1:]}: {people(n)}"
                    for reason, n in f.not_reviewed)
    paper.text(f"Số đảng viên không kiểm điểm lần này: {people(not_reviewed)}"
               + (f" ({why})." if why else "."), indent=True)
    paper.text(f"Số đảng viên phải kiểm điểm: {people(f.expected)}; đã nộp bản kiểm điểm: "
               f"{people(f.submitted)}; chưa nộp: {people(f.not_submitted)}.", indent=True)
    stages = (("Cá nhân tự đề xuất", f.own), ("Chi bộ đề xuất", f.cell),
              ("Đảng ủy quyết định", f.committee))
    rows: list[list[object]] = [[label, *(counts[key] for _s, counts in stages)]
                                for key, label in f.levels]
    rows.append([NOT_YET, f.not_submitted, f.expected - sum(f.cell.values()), f.undecided])
    # a little inside the text width (16.5 cm): LibreOffice pads cells outward
    paper.table(["Mức xếp loại", *(stage for stage, _c in stages)], rows, (7.2, 3, 3, 3))
    if f.cell and not f.cell_confirmed:
        paper.text("Danh sách đề xuất của chi bộ chưa được bí thư xác nhận.", italic=True,
                   indent=True)
    paper.text(quota_line("Chi bộ đề xuất", f.rule, f.cell), indent=True)
    if f.committee:
        paper.text(quota_line("Đảng ủy quyết định", f.rule, f.committee), indent=True)


def _self_rating(paper: Paper, f: CellFigures) -> None:
    """The cell ticks its own level at the meeting. Kept with the signature block below,
    so that the signature never stands alone on the last page."""
    paper.heading("VI. TỰ NHẬN MỨC XẾP LOẠI CHẤT LƯỢNG CỦA CHI BỘ")
    for _key, label in f.levels:
        paper.text(f"{TICK} {label}", align=LEFT, indent=True, keep=True)
