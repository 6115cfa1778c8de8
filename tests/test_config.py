"""Settings from a TOML file and the environment, through the real `kiemdiem` command."""

import pytest

from bot.cli import main
from bot.config import KNOWN_KEYS, SETTINGS, Settings

TOKEN = "123456789:AAH-telegram-secret-token-xyz9"
ZALO_TOKEN = "zalo-secret-token-abcdefgh-5678"
WEBHOOK_SECRET = "webhook-secret-value-4321"
DB_PASSWORD = "Pg-Pass-In-Url-77"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No setting leaks in from the machine running the tests."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


@pytest.fixture
def english(monkeypatch):
    """Problems in English (Vietnamese, the default: test_problems_are_in_vietnamese_…)."""
    monkeypatch.setenv("KIEMDIEM_LANG", "en")


def write(tmp_path, text):
    path = tmp_path / "kiemdiem.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check(capsys, *argv):
    code = main([*argv, "config", "check"])
    out = capsys.readouterr()
    return code, out.out, out.err


def line_of(out, key):
    return next(line for line in out.splitlines() if line.split()[0] == key)


def test_the_environment_wins_over_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("bot.cli.cli_language", lambda: "en")  # lang itself stays a default
    path = write(tmp_path, 'db = "from-file.sqlite3"\ninvite_days = 10\nsend_rate = 5\n'
                           '[outbox_lifetime_days]\nbroadcast = 30\n')
    monkeypatch.setenv("KIEMDIEM_INVITE_DAYS", "45")
    code, out, err = check(capsys, "--config", str(path))
    assert code == 0, err
    assert "from-file.sqlite3" in line_of(out, "db") and str(path) in line_of(out, "db")
    assert "45" in line_of(out, "invite_days") and "environment" in line_of(out, "invite_days")
    assert "default" in line_of(out, "lang")
    code, out, _ = check(capsys, "--config", str(path), "--db", "flag.sqlite3")
    assert "flag.sqlite3" in line_of(out, "--db")
    settings = Settings.load(path)
    assert settings.db_path == "from-file.sqlite3"
    assert settings.invite_ttl.days == 45 and settings.send_rate == 5
    assert settings.outbox_lifetimes["broadcast"] == 30 and settings.outbox_lifetimes["*"] == 7


def test_a_bad_value_in_the_file_names_the_file_and_the_key(tmp_path, capsys, english):
    path = write(tmp_path, 'invite_days = "soon"\n')
    code, _, err = check(capsys, "--config", str(path))
    assert code == 2
    assert f"{path}, key invite_days" in err and "'soon' is not a whole number" in err
    assert "Traceback" not in err
    # the same stop before any other command
    assert main(["--config", str(path), "invites"]) == 2
    assert "key invite_days" in capsys.readouterr().err


def test_a_bad_environment_value_names_the_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_SEND_RATE", "-3")
    monkeypatch.setenv("KIEMDIEM_LANG", "fr")
    code, _, err = check(capsys)
    assert code == 2
    assert "KIEMDIEM_SEND_RATE (environment): must be 0 (no limit) or more" in err
    assert "KIEMDIEM_LANG (environment): 'fr' is not a language" in err  # every problem
    code = main(["--db", str(tmp_path / "k.sqlite3"), "invites"])
    assert code == 2 and "KIEMDIEM_SEND_RATE" in capsys.readouterr().err


def test_an_unknown_key_is_refused_with_the_known_ones(tmp_path, capsys, english):
    path = write(tmp_path, 'telegram_bot_tokn = "x"\n')
    code, _, err = check(capsys, "--config", str(path))
    assert code == 2
    assert "unknown key telegram_bot_tokn" in err
    assert "telegram_bot_token" in err and all(key in err for key in KNOWN_KEYS)


def test_a_broken_or_missing_file_is_refused(tmp_path, capsys, english):
    code, _, err = check(capsys, "--config", str(write(tmp_path, "db = \n")))
    assert code == 2 and "is not valid TOML" in err
    code, _, err = check(capsys, "--config", str(tmp_path / "none.toml"))
    assert code == 2 and "cannot be read" in err


def test_config_check_masks_every_secret(tmp_path, capsys, monkeypatch, english):
    path = write(tmp_path, f'telegram_bot_token = "{TOKEN}"\n'
                           f'webhook_secret = "{WEBHOOK_SECRET}"\n'
                           'webhook_url = "https://bot.example.org/hook"\nhttp_port = 8080\n')
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("KIEMDIEM_DATABASE_URL",
                       f"postgresql://kiemdiem:{DB_PASSWORD}@db.example:5432/kiemdiem")
    code, out, err = check(capsys, "--config", str(path))
    assert code == 0, err
    for secret in (TOKEN, ZALO_TOKEN, WEBHOOK_SECRET, DB_PASSWORD):
        assert secret not in out + err
    assert TOKEN[:-4] not in out and "set (…xyz9)" in line_of(out, "telegram_bot_token")
    assert "set (…5678)" in line_of(out, "zalo_bot_token")
    assert "kiemdiem:***@db.example" in line_of(out, "database_url")
    assert "8080" in line_of(out, "http_port")


def test_a_file_setting_reaches_the_command(tmp_path, capsys):
    """The Zalo link, once read from the environment by the slips, comes from the file."""
    path = write(tmp_path, 'zalo_bot_link = "https://zalo.me/42"\n'
                           f'db = "{tmp_path / "k.sqlite3"}"\n')
    members = tmp_path / "members.csv"
    members.write_text("cell,full_name,birth_date,form,role,party_post,workplace,admitted_on,"
                       "status\nChi bộ 1,Trần Văn Đức,12/03/1968,2A,secretary,,,,active\n",
                       encoding="utf-8")
    assert main(["--config", str(path), "import", str(members), "--committee", "Đảng ủy"]) == 0
    assert main(["--config", str(path), "invites"]) == 0
    assert "https://zalo.me/42" in capsys.readouterr().out


def test_the_runtime_sends_at_the_configured_rate_and_lifetimes(tmp_path, monkeypatch):
    from bot.runtime import Runtime
    from handlers.redact import redact

    path = write(tmp_path, f'send_rate = 0\noutbox_lifetime_days = {{ digest = 2 }}\n'
                           f'telegram_bot_token = "{TOKEN}"\n')
    monkeypatch.setenv("KIEMDIEM_OUTBOX_LIFETIME_DAYS", "chase=4")
    runtime = Runtime.from_settings(Settings.load(path, str(tmp_path / "k.sqlite3")), [])
    assert runtime.sender_config.rate is None  # 0: no limit
    assert runtime.sender_config.lifetimes["chase"] == 4  # the variable replaces the table
    assert runtime.sender_config.lifetimes["digest"] == 1
    assert TOKEN not in redact(f"GET /bot{TOKEN}/getMe failed for {TOKEN}")


def test_problems_are_in_vietnamese_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KIEMDIEM_SEND_RATE", "-3")
    path = write(tmp_path, 'invite_days = "soon"\nhttp_port = 70000\n')
    code, _, err = check(capsys, "--config", str(path))
    assert code == 2
    assert "KIEMDIEM_SEND_RATE (biến môi trường): phải từ 0 (không giới hạn) trở lên" in err
    assert f"{path}, khóa invite_days: 'soon' không phải là số nguyên" in err
    assert "70000 không phải là cổng TCP" in err
    code, _, err = check(capsys, "--config", str(write(tmp_path, "typo = 1\n")))
    assert "không có khóa typo; các khóa hợp lệ: db, " in err


def test_config_check_speaks_vietnamese_and_takes_its_options_after_the_command(
        tmp_path, capsys, monkeypatch):
    path = write(tmp_path, f'telegram_bot_token = "{TOKEN}"\ninvite_days = 10\n')
    monkeypatch.setenv("KIEMDIEM_SEND_RATE", "5")
    code = main(["config", "check", "--config", str(path), "--db", "flag.sqlite3"])
    out = capsys.readouterr().out
    assert code == 0
    assert line_of(out, "lang").endswith("vi  [mặc định; KIEMDIEM_LANG]")
    assert "(chưa đặt)  [mặc định; KIEMDIEM_DATABASE_URL]" in line_of(out, "database_url")
    assert "đã đặt (…xyz9)" in line_of(out, "telegram_bot_token")
    assert line_of(out, "invite_days").endswith(f"10  [tệp {path}; KIEMDIEM_INVITE_DAYS]")
    assert "[biến môi trường; KIEMDIEM_SEND_RATE]" in line_of(out, "send_rate")
    assert "flag.sqlite3  [dòng lệnh; được ưu tiên hơn db và database_url]" in out
    for english_word in ("not set", "default", "environment", "file ", "command line"):
        assert english_word not in out
