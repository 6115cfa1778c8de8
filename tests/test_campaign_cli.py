"""`kiemdiem campaign create|list|show|close` on a real database file."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cli import main

MEMBERS = """cell,full_name,birth_date,form,role,party_post,workplace,admitted_on,status
Chi bộ 1,Trần Văn Đức,12/03/1968,2A,secretary,Bí thư Chi bộ,UBND phường,19/05/1995,active
Chi bộ 1,Võ Thị Lan,28/02/1958,2C,,,,,exempted
Chi bộ 2,Lê Minh Tuấn,20/11/1950,2C,admin,,Hưu trí,30/04/1975,active
"""
TODAY = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the command uses the real clock


def _day(days: int, style: str = "%d/%m/%Y") -> str:
    return (TODAY + timedelta(days=days)).strftime(style)


def _run(tmp_path, capsys, *args):
    code = main(["--db", str(tmp_path / "k.sqlite3"), "campaign", *args])
    return code, capsys.readouterr()


def _setup(tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_text(MEMBERS, encoding="utf-8")
    assert main(["--db", str(tmp_path / "k.sqlite3"), "import", str(path),
                 "--committee", "Đảng ủy phường A"]) == 0
    capsys.readouterr()


def test_create_list_show_close(tmp_path, capsys):
    _setup(tmp_path, capsys)
    code, out = _run(tmp_path, capsys, "create", "--name", "Kiểm điểm năm 2026",
                     "--cells-deadline", _day(10), "--committee-deadline", _day(15, "%Y-%m-%d"),
                     "--cell-deadline", f"Chi bộ 2={_day(8)}", "--late", "refuse")
    assert code == 0, out.err
    assert "Đã tạo đợt kiểm điểm" in out.out
    assert f"Chi bộ 1: {_day(10)}, 0/1" in out.out      # the exempted member is not expected
    assert f"Chi bộ 2: {_day(8)}, 0/1" in out.out
    assert "Nộp muộn: không nhận" in out.out
    code, out = _run(tmp_path, capsys, "list")
    assert code == 0 and out.out.startswith("#1 Kiểm điểm năm 2026") and "đang mở" in out.out
    code, out = _run(tmp_path, capsys, "show")
    assert code == 0
    assert f"08:00 {_day(3)}  đảng viên, trước hạn nộp 7 ngày (Chi bộ 1): sắp tới" in out.out
    assert f"08:00 {_day(11)}  tổng hợp gửi đảng ủy: sắp tới" in out.out
    assert not re.search(r" (d\d|digest|summary) ", out.out)  # no internal step names
    assert _run(tmp_path, capsys, "close", "1")[0] == 0
    code, out = _run(tmp_path, capsys, "close", "1")
    assert code == 2 and "đã được đóng" in out.err
    code, out = _run(tmp_path, capsys, "show", "1")
    assert code == 0 and "đã đóng" in out.out


def test_impossible_dates_exit_2_with_a_clear_message(tmp_path, capsys):
    _setup(tmp_path, capsys)
    cases = [
        ((_day(-1), _day(5)), "đã qua"),
        ((_day(10), _day(5)), "lại trước hạn nộp của chi bộ"),
        (("31/02/2027", _day(5)), "«31/02/2027» không phải là ngày"),
    ]
    for (cells, committee), message in cases:
        code, out = _run(tmp_path, capsys, "create", "--name", "X", "--cells-deadline", cells,
                         "--committee-deadline", committee)
        assert code == 2 and message in out.err, out.err
        assert "Traceback" not in out.err
    code, out = _run(tmp_path, capsys, "create", "--name", "X", "--cells-deadline", _day(5),
                     "--committee-deadline", _day(6), "--cell-deadline", "Chi bộ 1")
    assert code == 2 and "Chi bộ 1=28/11/2026" in out.err
    code, out = _run(tmp_path, capsys, "list")
    assert code == 0 and "Chưa có đợt kiểm điểm nào" in out.out
    code, out = _run(tmp_path, capsys, "show", "7")
    assert code == 2 and "Không có đợt này" in out.err


def test_reminder_plan_and_quiet_hours_are_per_campaign(tmp_path, capsys):
    _setup(tmp_path, capsys)
    base = ["create", "--name", "X", "--cells-deadline", _day(10), "--committee-deadline",
            _day(12)]
    code, out = _run(tmp_path, capsys, *base, "--reminder-days", "7,x")
    assert code == 2 and "7,3,1,0" in out.err
    code, out = _run(tmp_path, capsys, *base, "--reminder-time", "25:00")
    assert code == 2 and "08:00" in out.err
    code, out = _run(tmp_path, capsys, *base, "--reminder-days", "2", "--reminder-time",
                     "22:30", "--quiet", "22:00-06:00")
    assert code == 0, out.err
    assert "không gửi từ 22:00 đến 06:00" in out.out
    # 22:30 two days before falls in the quiet hours: it moves to 06:00 the next morning
    assert f"06:00 {_day(9)}  đảng viên, trước hạn nộp 2 ngày" in out.out
    assert "7 ngày" not in out.out


def test_closing_an_unknown_campaign_names_its_number(tmp_path, capsys):
    _setup(tmp_path, capsys)
    code, out = _run(tmp_path, capsys, "close", "7")
    assert code == 2
    assert "Không có đợt kiểm điểm số 7; đề nghị xem kiemdiem campaign list" in out.err
    # the options before the command may also come after it
    code = main(["campaign", "list", "--db", str(tmp_path / "k.sqlite3")])
    assert code == 0 and "Chưa có đợt kiểm điểm nào" in capsys.readouterr().out
