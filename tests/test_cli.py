"""The `community-voice` command as a newcomer uses it: validate, graph, chat and run."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO


def cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command as a newcomer would: no token unless the test gives one."""
    full_env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    full_env.update({"LOG_LEVEL": "WARNING", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or REPO,
        timeout=60,
        check=False,
    )


def test_validate_passes_on_the_shipped_flows() -> None:
    result = cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "flow(s) OK" in result.stdout and "onboarding" in result.stdout


def test_python_dash_m_bot_is_the_command_with_its_exit_status() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
            check=False,
        )

    assert run("validate").stdout == cli("validate").stdout
    broken = run("validate", str(REPO / "tests" / "flows" / "broken" / "many.yaml"))
    assert broken.returncode == 1 and "problem(s) found" in broken.stderr


def test_validate_lists_every_problem_with_file_and_line_and_fails() -> None:
    broken = REPO / "tests" / "flows" / "broken" / "many.yaml"
    result = cli("validate", str(broken))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) >= 4
    assert all(line.startswith(f"{broken}:") for line in lines)
    assert "problem(s) found" in result.stderr


def test_graph_prints_a_mermaid_flowchart() -> None:
    result = cli("graph", "onboarding")
    assert result.returncode == 0
    assert result.stdout.startswith("flowchart TD")
    assert "consent" in result.stdout


def test_graph_of_an_unknown_flow_names_the_flows_there_are() -> None:
    result = cli("graph", "nope")
    assert result.returncode == 1 and "menu" in result.stderr


def test_chat_with_an_unknown_flow_fails_and_names_the_flows_there_are(tmp_path: Path) -> None:
    result = cli("chat", "--flow", "nosuch", env={"DATABASE_PATH": str(tmp_path / "d.db")})
    assert result.returncode == 1
    assert result.stderr.startswith("No flow called 'nosuch'. Flows: ") and "menu" in result.stderr


def test_chat_started_by_a_link_to_an_unknown_flow_fails_before_anything_is_said(
    tmp_path: Path,
) -> None:
    db = tmp_path / "d.db"
    result = cli("chat", "--start", "flow-nosuch", stdin="1\n", env={"DATABASE_PATH": str(db)})
    assert result.returncode == 1
    assert result.stderr.startswith("No flow called 'nosuch'. Flows: ") and "menu" in result.stderr
    assert result.stdout == ""  # no onboarding in its place
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM participants").fetchone() == (0,)


def test_chat_started_by_a_link_to_a_flow_that_exists_opens_it(tmp_path: Path) -> None:
    result = cli(
        "chat", "--start", "flow-priorities", env={"DATABASE_PATH": str(tmp_path / "d.db")}
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "Which language would you like?" in result.stdout


def test_the_bot_refuses_to_start_with_an_invalid_flow(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\ntitle: Bad\nstart: nowhere\nnodes: []\n")
    result = cli("run", env={"FLOWS_DIR": str(tmp_path), "DATABASE_PATH": str(tmp_path / "d.db")})
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "bad.yaml" in result.stderr


def test_run_without_a_token_is_the_simulator_and_a_piped_onboarding_is_stored(
    tmp_path: Path,
) -> None:
    db = tmp_path / "data" / "cv.sqlite3"
    env = {"DATABASE_PATH": str(db), "WEB_PORT": str(_free_port())}
    result = cli("run", stdin="1\n1\nRiverside\n2\n", env=env)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert "terminal simulator" in first and "BOT_TOKEN" in first
    # The staff dashboard runs beside it, with a one-time sign-in link for whoever started it.
    address = f"http://127.0.0.1:{env['WEB_PORT']}"
    assert f"Staff dashboard: {address}" in result.stdout
    token = re.search(re.escape(address) + r"/login/([\w-]+)", result.stdout)
    assert token is not None
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT token_hash, role, used_at FROM dashboard_links").fetchall()
    assert stored == [(hashlib.sha256(token.group(1).encode()).hexdigest(), "admin", None)]
    assert "Thank you! You are all set." in result.stdout
    with sqlite3.connect(db) as conn:
        keys = [r[0] for r in conn.execute("SELECT key FROM answers ORDER BY id")]
        consent = conn.execute("SELECT consent_at, area FROM participants").fetchone()
    assert keys == ["locale", "consent", "area", "equality_opt_in"]
    assert consent[0] is not None and consent[1] == "Riverside"

    # A second run resumes: the same participant, at the menu they were left at.
    again = cli("chat", stdin="9\n", env=env)
    assert "Thank you. Send /menu any time to come back." in again.stdout


def test_dashboard_link_prints_a_one_time_link(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "cv.sqlite3"), "WEB_PUBLIC_URL": "https://v.example.org"}
    result = cli("dashboard-link", "--as", "amina", "--role", "viewer", env=env)
    assert result.returncode == 0, result.stderr
    assert "https://v.example.org/login/" in result.stdout
    with sqlite3.connect(tmp_path / "cv.sqlite3") as conn:
        assert conn.execute("SELECT name, role FROM dashboard_links").fetchall() == [
            ("web:amina", "viewer")
        ]
        assert conn.execute("SELECT actor, action FROM audit_log").fetchall() == [
            ("cli:amina", "dashboard.link")
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_default_database_is_created_under_data(tmp_path: Path) -> None:
    result = cli("chat", stdin="", env={"DATABASE_PATH": ""}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "community-voice.sqlite3").exists()


def test_ctrl_c_in_the_simulator_stops_it_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env.update({"LOG_LEVEL": "WARNING", "DATABASE_PATH": str(tmp_path / "bot.sqlite3")})
    env["WEB_PORT"] = "0"
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--user", "amina"],
        stdin=subprocess.PIPE,  # kept open: the simulator waits for the next line
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert chat.stdin is not None
        chat.stdin.write("1\n")  # the first answer: a language
        chat.stdin.flush()
        deadline = time.monotonic() + 30
        while _locale(tmp_path / "bot.sqlite3") is None:  # taken; now it waits for a line
            assert time.monotonic() < deadline, "the answer was not stored"
            time.sleep(0.2)
        chat.send_signal(signal.SIGINT)
        chat.wait(timeout=10)  # its input still open: before, it waited for another line
        out, err = chat.communicate()
    finally:
        chat.kill()
    assert chat.returncode == 0, err
    assert out.rstrip().endswith("Stopped. Run it again to carry on where you left off.")
    assert _locale(tmp_path / "bot.sqlite3") is not None


def _locale(db: Path) -> str | None:
    """The language the simulator's one resident chose, once there is one."""
    if not db.exists():
        return None
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT locale FROM participants").fetchone()
        except sqlite3.OperationalError:  # the tables are not made yet
            return None
    return None if row is None else row[0]
