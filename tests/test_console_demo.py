"""`kiemdiem demo` driven through standard input, as a script would, in a new process."""

import os
import re
import subprocess
import sys

from storage.db import open_database


def _demo(tmp_path, lines_after_banner) -> tuple[str, str]:
    """Start the demo, read its banner, then type the lines (some may use the code)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--db", str(tmp_path / "demo.sqlite3")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", cwd=tmp_path,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    banner = ""
    while not banner.endswith("\n\n"):
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        banner += line
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", banner).group(0)
    out, err = proc.communicate("\n".join(lines_after_banner(code)) + "\n", timeout=60)
    assert proc.returncode == 0, err
    return banner, out


def test_scripted_demo_member_secretary_and_invitation(tmp_path):
    banner, out = _demo(tmp_path, lambda code: [
        "/start", "/help",
        "/as Trần Văn Đức", "/start", "2",
        "/as Khách", "xin chào", f"/start {code}", "/help",
    ])
    assert "Nguyễn Thị Hồng Nhung" in banner
    chunks = out.split("> ")
    assert "Chào đồng chí Nguyễn Thị Hồng Nhung." in chunks[1]
    assert "Các lệnh:" in chunks[2]
    assert "Đang trò chuyện với tư cách đồng chí Trần Văn Đức" in chunks[3]
    assert "2. Cấp mã mời cho đảng viên trong chi bộ" in chunks[4]  # the secretary's menu
    assert "Chi bộ Khu phố 1: chọn đảng viên" in chunks[5]
    assert "chưa được gắn với đảng viên nào" in chunks[7]
    assert "Chào đồng chí Lý Văn Khoa." in chunks[8]
    assert "Tài khoản đã được gắn với đồng chí (Chi bộ Trường THCS Hòa Bình" in chunks[8]


async def test_demo_database_holds_the_sample_committee(tmp_path):
    _demo(tmp_path, lambda code: [])
    db = await open_database(tmp_path / "demo.sqlite3")
    try:
        cells = await db.fetchall("SELECT name FROM cells ORDER BY name")
        assert len(cells) == 3
        forms = {r["form"] for r in await db.fetchall("SELECT form FROM members")}
        assert forms == {"2A", "2B", "2C"}
        roles = {r["role"] for r in await db.fetchall("SELECT role FROM member_roles")}
        assert roles == {"secretary", "deputy", "admin"}
        assert (await db.fetchone("SELECT count(*) FROM members"))[0] == 12
    finally:
        await db.close()


def test_scripted_demo_secretary_sees_progress_reads_and_exports(tmp_path):
    _banner, out = _demo(tmp_path, lambda code: [
        "/as Trần Văn Đức", "/progress", "1", "/export", "/as Bùi Thị Mai", "/progress",
    ])
    chunks = out.split("> ")
    progress = chunks[2]
    assert "Chi bộ Khu phố 1 — kiểm điểm năm" in progress
    assert "Đã nộp 2/4." in progress
    assert "✓ Phạm Thu Hà" in progress and "✓ Lê Minh Tuấn" in progress
    assert "○ Nguyễn Thị Hồng Nhung" in progress
    assert "– Võ Thị Lan (miễn sinh hoạt)" in progress
    assert "1. Xem: Phạm Thu Hà" in progress
    assert "Đồng chí Phạm Thu Hà\nBản kiểm điểm năm" in chunks[3]  # choice 1 opens it
    assert "Tổng điểm: 85/100." in chunks[3]
    assert "chi-bo-khu-pho-1.xlsx" in chunks[4] and "chi-bo-khu-pho-1.zip" in chunks[4]
    assert (tmp_path / "exports" / "console").is_dir()
    assert "Chi bộ Khu phố 2: 0/3" in chunks[6]  # the admin: every cell, least complete first
