import subprocess
import sys

from juesuan import __version__
from juesuan.cli import main


def test_version_is_printed(capsys) -> None:
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_console_script_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "juesuan.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "usage: juesuan" in out
