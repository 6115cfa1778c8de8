"""The member import: reading CSV/XLSX files and applying them to a real database."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.member_file import (
    ImportFileError,
    RowProblem,
    normalise_name,
    read_member_file,
)
from storage.db import Database, open_database
from storage.models import ImportResult, Member, MemberRecord
from storage.org import OrgRepo

NOT_A_DATE = "is not a valid date (use dd/mm/yyyy or yyyy-mm-dd)"
HEADER = "cell,full_name,birth_date,form,role,party_post,workplace,admitted_on,status"
GOOD_CSV = f"""{HEADER}
Chi bộ 1,Trần Văn Đức,12/05/1975,2A,secretary,Bí thư chi bộ,UBND phường,1999-03-02,
Chi bộ 1,Lê Thị Hoa,1988-11-30,2B,deputy; admin,,Trường THCS,3/2/2010,chính thức
Chi bộ 2,Phạm Minh Tuấn,01/01/1990,mẫu 2c,,,Công ty TNHH An Phát,,dự bị
"""


def write_csv(tmp_path: Path, text: str, name: str = "members.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def problems_of(path: Path) -> list[RowProblem]:
    with pytest.raises(ImportFileError) as caught:
        read_member_file(path)
    return caught.value.problems


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "t.sqlite3")
    yield database
    await database.close()


@pytest.fixture
async def org(db: Database) -> OrgRepo:
    return OrgRepo(db)


async def import_file(org: OrgRepo, path: Path) -> ImportResult:
    committee = await org.ensure_committee("Đảng ủy phường Long Biên")
    return await org.apply_import(committee.id, read_member_file(path))


async def stored(org: OrgRepo) -> dict[str, Member]:
    committee = await org.ensure_committee("Đảng ủy phường Long Biên")
    return {m.full_name: m for m in await org.members_of_committee(committee.id)}


async def test_good_csv_is_read_and_imported(tmp_path: Path, org: OrgRepo) -> None:
    path = write_csv(tmp_path, GOOD_CSV)

    records = read_member_file(path)

    assert records == [
        MemberRecord(
            cell="Chi bộ 1",
            full_name="Trần Văn Đức",
            birth_date=date(1975, 5, 12),
            form="2A",
            roles=frozenset({"secretary"}),
            party_post="Bí thư chi bộ",
            workplace="UBND phường",
            admitted_on=date(1999, 3, 2),
            status="active",
        ),
        MemberRecord(
            cell="Chi bộ 1",
            full_name="Lê Thị Hoa",
            birth_date=date(1988, 11, 30),
            form="2B",
            roles=frozenset({"deputy", "admin"}),
            workplace="Trường THCS",
            admitted_on=date(2010, 2, 3),
            status="active",
        ),
        MemberRecord(
            cell="Chi bộ 2",
            full_name="Phạm Minh Tuấn",
            birth_date=date(1990, 1, 1),
            form="2C",
            workplace="Công ty TNHH An Phát",
            status="probationary",
        ),
    ]
    assert await import_file(org, path) == ImportResult(
        added=3, updated=0, unchanged=0, cells_added=2
    )
    committee = await org.ensure_committee("Đảng ủy phường Long Biên")
    assert [c.name for c in await org.cells(committee.id)] == ["Chi bộ 1", "Chi bộ 2"]
    members = await stored(org)
    duc = members["Trần Văn Đức"]
    assert (duc.cell_name, duc.birth_date, duc.form, duc.roles, duc.language) == (
        "Chi bộ 1", date(1975, 5, 12), "2A", frozenset({"secretary"}), "vi",
    )
    assert duc.is_cell_secretary and not duc.is_admin
    hoa = members["Lê Thị Hoa"]
    assert hoa.roles == frozenset({"deputy", "admin"})
    assert hoa.is_cell_secretary and hoa.is_admin
    tuan = members["Phạm Minh Tuấn"]
    assert (tuan.cell_name, tuan.status, tuan.admitted_on, tuan.roles) == (
        "Chi bộ 2", "probationary", None, frozenset(),
    )


async def test_xlsx_with_date_cells_and_text_dates(tmp_path: Path, org: OrgRepo) -> None:
    path = tmp_path / "members.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Chi bộ", "Họ và tên", "Ngày sinh", "Mẫu", "Ngày vào Đảng", "Ngôn ngữ"])
    sheet.append(["Chi bộ 3", "Đỗ Thị Mai", datetime(1982, 7, 9), "2B", date(2005, 9, 2), "en"])
    sheet.append([None, None, None, None, None, None])  # blank row: skipped
    sheet.append(["Chi bộ 3", "Vũ Văn Nam", "09/07/1983", "2c", "2006-10-01", None])
    workbook.create_sheet("Ghi chú").append(["not read"])
    workbook.save(path)

    records = read_member_file(path)

    assert [(r.full_name, r.birth_date, r.admitted_on, r.form, r.language) for r in records] == [
        ("Đỗ Thị Mai", date(1982, 7, 9), date(2005, 9, 2), "2B", "en"),
        ("Vũ Văn Nam", date(1983, 7, 9), date(2006, 10, 1), "2C", None),
    ]
    assert await import_file(org, path) == ImportResult(1 + 1, 0, 0, 1)
    members = await stored(org)
    assert members["Đỗ Thị Mai"].language == "en"
    assert members["Vũ Văn Nam"].language == "vi"  # no choice in the file: the default


def test_xlsx_problems_use_sheet_rows(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["cell", "full_name", "birth_date", "form"])
    sheet.append(["Chi bộ 3", "Đỗ Thị Mai", datetime(1982, 7, 9), "2B"])
    sheet.append([])
    sheet.append(["Chi bộ 3", "Vũ Văn Nam", 29353, "2B"])  # a number, not a date
    workbook.save(path)

    assert problems_of(path) == [
        RowProblem(4, f'birth date "29353" {NOT_A_DATE}')
    ]


def test_vietnamese_header_aliases(tmp_path: Path) -> None:
    text = (
        "CHI BỘ,Họ và tên,Ngày sinh,Mẫu kiểm điểm,Vai trò,Chức vụ Đảng,Đơn vị công tác,"
        "Ngày vào Đảng,Trạng thái,Chức vụ chính quyền,Ngôn ngữ,STT\n"
        "Chi bộ 1,Trần Văn Đức,12/05/1975,Mẫu 2A,Bí thư + Quản trị,Bí thư,UBND phường,"
        "02/03/1999,Miễn công tác và sinh hoạt đảng,Chủ tịch UBND,vi,1\n"
    )
    path = write_csv(tmp_path, text)

    assert read_member_file(path) == [
        MemberRecord(
            cell="Chi bộ 1",
            full_name="Trần Văn Đức",
            birth_date=date(1975, 5, 12),
            form="2A",
            roles=frozenset({"secretary", "admin"}),
            party_post="Bí thư",
            other_posts="Chủ tịch UBND",
            workplace="UBND phường",
            admitted_on=date(1999, 3, 2),
            status="exempted",
            language="vi",
        )
    ]


def test_header_and_value_normalisation() -> None:
    assert normalise_name("  Họ và  Tên ") == "ho_va_ten"
    assert normalise_name("ĐƠN VỊ CÔNG TÁC") == "don_vi_cong_tac"
    assert normalise_name(unicodedata.normalize("NFD", "Ngày vào Đảng")) == "ngay_vao_dang"


async def test_bom_and_semicolon_csv(tmp_path: Path, org: OrgRepo) -> None:
    text = (
        "cell;full_name;birth_date;form;role;workplace\n"
        'Chi bộ 1;Trần Văn Đức;12/05/1975;2a;"bí thư, quản trị";"Phòng Tổ chức, Hành chính"\n'
    )
    path = write_csv(tmp_path, text, bom=True)

    [record] = read_member_file(path)

    assert (record.cell, record.full_name, record.roles, record.workplace) == (
        "Chi bộ 1", "Trần Văn Đức", frozenset({"secretary", "admin"}),
        "Phòng Tổ chức, Hành chính",
    )
    assert await import_file(org, path) == ImportResult(1, 0, 0, 1)


async def test_decomposed_diacritics_are_stored_composed(tmp_path: Path, org: OrgRepo) -> None:
    name = "Nguyễn Thị Hồng Nhung"
    cell = "Chi bộ Khu phố 4"
    decomposed = unicodedata.normalize("NFD", f"{cell},  {name}\u200b ,01/02/1991,2B\n")
    assert name not in decomposed
    path = write_csv(tmp_path, "cell,full_name,birth_date,form\n" + decomposed)

    assert await import_file(org, path) == ImportResult(1, 0, 0, 1)

    [member] = (await stored(org)).values()
    assert member.full_name == name
    assert member.cell_name == cell
    assert unicodedata.is_normalized("NFC", member.full_name)
    # the same person typed composed is matched, not added again
    composed = write_csv(tmp_path, f"cell,full_name,birth_date,form\n{cell},{name},1991-02-01,2B\n")
    assert await import_file(org, composed) == ImportResult(0, 0, 1, 0)


async def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, org: OrgRepo) -> None:
    path = write_csv(tmp_path, GOOD_CSV)
    await import_file(org, path)
    before = await stored(org)

    assert await import_file(org, path) == ImportResult(
        added=0, updated=0, unchanged=3, cells_added=0
    )
    assert await stored(org) == before


async def test_a_changed_row_is_updated(tmp_path: Path, org: OrgRepo) -> None:
    await import_file(org, write_csv(tmp_path, GOOD_CSV))
    changed = GOOD_CSV.replace(
        "Chi bộ 1,Lê Thị Hoa,1988-11-30,2B,deputy; admin,,Trường THCS,3/2/2010,chính thức",
        "Chi bộ 2,Lê Thị Hoa,1988-11-30,2A,secretary,Bí thư,Trường THCS,3/2/2010,chính thức",
    )
    assert changed != GOOD_CSV

    result = await import_file(org, write_csv(tmp_path, changed, name="changed.csv"))

    assert result == ImportResult(added=0, updated=1, unchanged=2, cells_added=0)
    hoa = (await stored(org))["Lê Thị Hoa"]
    assert (hoa.cell_name, hoa.form, hoa.party_post, hoa.roles) == (
        "Chi bộ 2", "2A", "Bí thư", frozenset({"secretary"}),
    )
    assert len(await stored(org)) == 3


async def test_bad_rows_are_all_reported_and_nothing_is_written(
    tmp_path: Path, org: OrgRepo
) -> None:
    await import_file(org, write_csv(tmp_path, GOOD_CSV))
    text = (
        f"{HEADER},ghi_chu\n"  # line 1: unknown column
        "Chi bộ 1,Ngô Văn Bình,31/02/1980,2B,,,,,,\n"  # 2: impossible date
        "Chi bộ 1,Hà Thị Lan,1980-04-04,2D,,,,,,\n"  # 3: unknown form
        "\n"  # 4: blank, skipped
        "Chi bộ 1,Đinh Công Sơn,05/06/1970,02A,,,,,,\n"  # 5: the 2023 numbering
        "Chi bộ 2,Mai Văn Hùng,07/08/1965,2C,,,,,nghỉ hưu,\n"  # 6: unknown status
        "Chi bộ 2,,07/08/1966,2C,,,,,,\n"  # 7: no name
        "Chi bộ 2,Mai Văn Hùng,07/08/1965,2C,,,,,,\n"  # 8: same person as line 6
        'Chi bộ 2,"Hồ Văn\nThanh",01/01/1960,2C,chủ tịch,,,,,\n'  # 9-10: unknown role
        "Chi bộ 2,Tạ Thu Hà,01/01/1990,2C,,,,01/01/2005,,\n"  # 11: admitted at 15
        "Chi bộ 2,Lý Văn Kiên,01/01/2990,2C,,,,,,\n"  # 12: born in the future
    )
    path = write_csv(tmp_path, text, name="members.csv")

    with pytest.raises(ImportFileError) as caught:
        read_member_file(path)

    problems = caught.value.problems
    assert [p.line for p in problems] == [1, 2, 3, 5, 6, 7, 8, 9, 11, 12]
    reasons = {p.line: p.reason for p in problems}
    assert reasons[1].startswith('unknown column "ghi_chu" (check the spelling); accepted')
    assert "full_name (ho_ten, ho_va_ten)" in reasons[1]
    assert reasons[2] == (
        'birth date "31/02/1980" is not a valid date (use dd/mm/yyyy or yyyy-mm-dd)'
    )
    assert reasons[3].startswith('form "2D" is not known; use 2A (members holding a leadership')
    assert reasons[5].startswith('form "02A" is the 2023 numbering (Hướng dẫn 25)')
    assert "Hướng dẫn 43" in reasons[5] and "use 2A (members holding a leadership" in reasons[5]
    assert reasons[6].startswith('status "nghỉ hưu" is not known; use active (chính thức)')
    assert reasons[7] == "full name is missing"
    assert reasons[8] == (
        "Mai Văn Hùng (born 07/08/1965) is listed twice, on lines 6 and 8; keep one row"
    )
    assert reasons[9].startswith('role "chủ tịch" is not known; use secretary (bí thư)')
    assert reasons[11] == (
        "admission date 01/01/2005 is before the member turned 18 (born 01/01/1990);"
        " check both dates"
    )
    assert reasons[12] == "birth date 01/01/2990 is in the future; check the year"
    assert str(caught.value).splitlines()[1] == (
        'members.csv, line 2: birth date "31/02/1980" is not a valid date'
        " (use dd/mm/yyyy or yyyy-mm-dd)"
    )
    assert len(str(caught.value).splitlines()) == 10
    # the CLI writes nothing: the database still holds only the first import
    assert sorted(await stored(org)) == ["Lê Thị Hoa", "Phạm Minh Tuấn", "Trần Văn Đức"]


@pytest.mark.parametrize(
    ("birth_date", "reason"),
    [
        ("31/12/1899", "birth date 31/12/1899 is before 1900; check the year"),
        ("1990-13-01", f'birth date "1990-13-01" {NOT_A_DATE}'),
        ("12.05.1975", f'birth date "12.05.1975" {NOT_A_DATE}'),
        ("", "birth date is missing (use dd/mm/yyyy or yyyy-mm-dd)"),
    ],
)
def test_birth_date_checks(tmp_path: Path, birth_date: str, reason: str) -> None:
    path = write_csv(tmp_path, f"cell,full_name,birth_date,form\nCB,Trần An,{birth_date},2B\n")
    assert problems_of(path) == [RowProblem(2, reason)]


def test_members_must_be_adults(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "cell,full_name,birth_date,form\nCB,Trần An,01/06/2008,2B\n")
    with pytest.raises(ImportFileError) as caught:
        read_member_file(path, today=date(2026, 5, 31))
    assert caught.value.problems == [
        RowProblem(2, "birth date 01/06/2008 makes the member younger than 18; check the year")
    ]
    assert read_member_file(path, today=date(2026, 6, 1))[0].birth_date == date(2008, 6, 1)


def test_value_spellings(tmp_path: Path) -> None:
    text = (
        "cell,full_name,birth_date,form,role,status,language\n"
        "CB,A Một,01/01/1970,MAU 2A,Phó Bí Thư;đảng viên,Đình chỉ sinh hoạt,EN\n"
        "CB,B Hai,01/01/1971,Mẫu số 2B,member,probationary,\n"
        "CB,C Ba,01/01/1972,2c,pho_bi_thu + quan_tri,dinh_chi,vi\n"
    )
    records = read_member_file(write_csv(tmp_path, text))
    assert [(r.form, r.roles, r.status, r.language) for r in records] == [
        ("2A", frozenset({"deputy"}), "suspended", "en"),
        ("2B", frozenset(), "probationary", None),
        ("2C", frozenset({"deputy", "admin"}), "suspended", "vi"),
    ]


def test_missing_required_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "chi_bo,ho_ten,role\nChi bộ 1,Trần Văn Đức,secretary\n")
    assert problems_of(path) == [
        RowProblem(1, "missing required columns: birth_date or ngay_sinh, form or mau or"
                      " mau_kiem_diem"),
    ]


def test_header_problems(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "cell,Họ tên,full name,birth_date,form,chức vụ,birth_dte\n"
        "CB,Trần An,Trần An,01/01/1970,2B,,\n",
    )
    problems = problems_of(path)
    assert [p.line for p in problems] == [1, 1, 1]
    assert problems[0].reason == (
        'columns "Họ tên" (B) and "full name" (C) both mean full_name; keep one of them'
    )
    assert problems[1].reason == (
        'column "chức vụ" is ambiguous: rename it "chuc_vu_dang" (the Party post)'
        ' or "chuc_vu_khac" (other posts)'
    )
    assert problems[2].reason.startswith('unknown column "birth_dte" (check the spelling)')


def test_row_numbers_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    text = (
        "STT,cell,full_name,birth_date,form\n"
        "1,CB,Trần An,01/01/1970,2B\n"
        ",,,,\n"
        "2,,,,\n"  # a numbered but empty row at the end of a list
        "3, , ,,\n"
    )
    records = read_member_file(write_csv(tmp_path, text))
    assert [r.full_name for r in records] == ["Trần An"]


def test_values_without_a_heading_are_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "cell,full_name,birth_date,form\nCB,Trần An,01/01/1970,2B,x\n")
    assert problems_of(path) == [
        RowProblem(2, 'value "x" is in column E, which has no heading'),
    ]


def test_text_limits(tmp_path: Path) -> None:
    long_name = "A" * 121
    path = write_csv(tmp_path, f"cell,full_name,birth_date,form\nCB,{long_name},01/01/1970,2B\n")
    assert problems_of(path) == [
        RowProblem(2, "full name is 121 characters long; the limit is 120"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("members.txt", b"cell\n", 'cannot read ".txt" files; save the list as .xlsx'),
        ("members.xls", b"", 'cannot read ".xls" files (old Excel format)'),
        ("members.csv", b"", "the file is empty; the first line must name the columns"),
        ("members.csv", b"\n \n", "the file is empty; the first line must name the columns"),
        ("members.csv", b"cell,full_name,birth_date,form\n", "the file has no member rows"),
        ("members.csv", b"cell\nNguy\xe1n\n", "the file is not UTF-8 text"),
        ("members.xlsx", b"not a zip", "cannot open the workbook"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [problem] = problems_of(path)
    assert problem.reason.startswith(reason)


def test_wrong_extension_message(tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_CSV, name="members.txt")
    with pytest.raises(ImportFileError) as caught:
        read_member_file(path)
    assert str(caught.value) == (
        'members.txt: cannot read ".txt" files; save the list as .xlsx ("Excel Workbook")'
        ' or .csv ("CSV UTF-8")'
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    assert problems_of(path) == [RowProblem(0, f"file not found: {path}")]
