"""The `kiemdiem` command: import and invites, in process, on a real database file."""

import pytest

from bot.cli import main
from conversations.core import i18n
from storage.db import open_database
from tests.csv_helpers import invite_rows

MEMBERS = """cell,full_name,birth_date,form,role,party_post,workplace,admitted_on,status
Chi bộ 1,Trần Văn Đức,12/03/1968,2A,secretary,Bí thư Chi bộ,UBND phường,19/05/1995,active
Chi bộ 1,Nguyễn Thị Hồng Nhung,02/07/1985,2B,,,Trạm Y tế,02/09/2010,active
Chi bộ 2,Lê Minh Tuấn,20/11/1950,2C,,,Hưu trí,30/04/1975,active
"""


def _import(tmp_path, capsys, *extra):
    path = tmp_path / "members.csv"
    path.write_text(MEMBERS, encoding="utf-8")
    code = main(["--db", str(tmp_path / "k.sqlite3"), "import", str(path), *extra])
    return code, capsys.readouterr()


def test_first_import_needs_a_committee_name(tmp_path, capsys):
    code, out = _import(tmp_path, capsys)
    assert code == 2
    assert "--committee" in out.err


def test_import_then_reimport_changes_nothing(tmp_path, capsys):
    code, out = _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    assert code == 0
    assert "thêm mới 3, cập nhật 0, không đổi 0 (2 chi bộ mới)" in out.out
    code, out = _import(tmp_path, capsys)  # the only committee is the default now
    assert code == 0
    assert "thêm mới 0, cập nhật 0, không đổi 3" in out.out


def test_bad_file_is_reported_with_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_LANG", "en")  # Vietnamese: the test below
    path = tmp_path / "bad.csv"
    path.write_text(MEMBERS + "Chi bộ 2,Ngô Văn Hải,31/02/1963,2C,,,,,active\n", encoding="utf-8")
    code = main(["--db", str(tmp_path / "k.sqlite3"), "import", str(path),
                 "--committee", "Đảng ủy phường A"])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.csv, line 5" in err


async def _count(path, sql):
    db = await open_database(path)
    try:
        return (await db.fetchone(sql))[0]
    finally:
        await db.close()


def test_invites_text_and_csv(tmp_path, capsys):
    _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    db = str(tmp_path / "k.sqlite3")
    assert main(["--db", db, "invites", "--cell", "Chi bộ 1"]) == 0
    text = capsys.readouterr()
    assert "== Chi bộ 1" in text.out and "Lê Minh Tuấn" not in text.out
    assert "chưa gắn tài khoản" in text.out
    assert "kiemdiem run" in text.err  # no bot username known yet: no links
    out_file = tmp_path / "codes.csv"
    assert main(["--db", db, "invites", "--format", "csv", "--out", str(out_file)]) == 0
    rows = invite_rows(out_file.read_text(encoding="utf-8-sig"))
    assert [r["full_name"] for r in rows] == [
        "Trần Văn Đức", "Nguyễn Thị Hồng Nhung", "Lê Minh Tuấn"  # by given name
    ]
    # showing codes again reuses the same ones rather than issuing new ones
    by_name = {r["full_name"]: r["code"] for r in rows}
    assert by_name["Trần Văn Đức"] in text.out
    assert main(["--db", db, "invites", "--format", "csv"]) == 0
    again = capsys.readouterr().out
    assert all(code in again for code in by_name.values())
    # a misspelt cell is named as such, with the cells there are
    assert main(["--db", db, "invites", "--cell", "Chi bộ 9"]) == 2
    err = capsys.readouterr().err
    assert "Không có chi bộ nào tên «Chi bộ 9»" in err and "Chi bộ 1, Chi bộ 2" in err


def test_run_without_token_explains(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["--db", str(tmp_path / "k.sqlite3"), "run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "Chưa đặt" in err  # in the CLI's language (vi)


def test_invites_csv_is_headed_in_the_commands_language(tmp_path, capsys, monkeypatch):
    _import(tmp_path, capsys, "--committee", "Đảng ủy phường A")
    db = str(tmp_path / "k.sqlite3")
    assert main(["--db", db, "invites", "--format", "csv"]) == 0
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header == "Chi bộ,Họ và tên,Mã mời,Đường dẫn Telegram,Có hiệu lực đến,Đã gắn tài khoản"
    assert first.endswith(",Không")
    monkeypatch.setenv("KIEMDIEM_LANG", "en")
    assert main(["--db", db, "invites", "--format", "csv"]) == 0
    header, first = capsys.readouterr().out.splitlines()[:2]
    assert header == "Cell,Full name,Invitation code,Telegram link,Valid until,Account linked"
    assert first.endswith(",No")


def _help(*argv: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--help"])
    assert stopped.value.code == 0


def test_help_and_argparse_words_are_in_vietnamese_unless_english_is_asked(capsys,
                                                                          monkeypatch):
    monkeypatch.delenv("KIEMDIEM_LANG", raising=False)
    for argv in ([], ["campaign", "create"], ["broadcast"], ["member", "forget"], ["backup"],
                 ["migrate-db"], ["config", "check"], ["invites"], ["export"], ["import"]):
        _help(*argv)
        out = capsys.readouterr().out
        assert out.startswith("cách dùng: kiemdiem"), out
        assert "tùy chọn:" in out and "hiển thị hướng dẫn này rồi thoát" in out
        assert "usage:" not in out and "options:" not in out
    _help()
    assert "sao lưu cơ sở dữ liệu" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["campaign", "create"])
    assert "lỗi: thiếu các tham số bắt buộc: --name" in capsys.readouterr().err
    monkeypatch.setenv("KIEMDIEM_LANG", "en")
    _help("member", "forget")
    out = capsys.readouterr().out
    assert out.startswith("usage: kiemdiem member forget") and "options:" in out
    assert "do not ask for confirmation (for scripts)" in out


def test_importer_problems_are_in_vietnamese_by_default(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(MEMBERS.replace("2C,", "2D,").replace("form,", "form,ghi_chu,", 1)
                    + "Chi bộ 2,Ngô Văn Hải,31/02/1963,2C,,,,,,active\n", encoding="utf-8")
    assert main(["--db", str(tmp_path / "k.sqlite3"), "import", str(path),
                 "--committee", "Đảng ủy phường A"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, dòng 1: không nhận ra cột \"ghi_chu\" (đề nghị kiểm tra chính tả)" in err
    assert "bad.csv, dòng 5: ngày sinh \"31/02/1963\" không phải là ngày hợp lệ" in err
    assert "đề nghị ghi 2A (đảng viên giữ chức vụ lãnh đạo, quản lý)" in err
    path.write_text(MEMBERS.replace(",secretary,", ",chủ tịch,", 1), encoding="utf-8")
    assert main(["--db", str(tmp_path / "k.sqlite3"), "import", str(path),
                 "--committee", "Đảng ủy phường A"]) == 2
    assert ('không có vai trò "chủ tịch"; đề nghị ghi bí thư (secretary), phó bí thư (deputy),'
            ' quản trị (admin) hoặc đảng viên (member)' in capsys.readouterr().err)
    assert main(["--db", str(tmp_path / "k.sqlite3"), "import", str(tmp_path / "none.xls")]) == 2
    assert "không đọc được tệp \".xls\" (định dạng Excel cũ)" in capsys.readouterr().err


def test_without_compiled_catalogues_the_command_says_to_run_make_setup(tmp_path, capsys,
                                                                        monkeypatch):
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path / "no-locales")
    i18n.translator.cache_clear()
    try:
        assert main(["--db", str(tmp_path / "k.sqlite3"), "invites"]) == 2
    finally:
        i18n.translator.cache_clear()
    err = capsys.readouterr().err
    assert "make setup" in err and "Traceback" not in err
