"""The README's study file and error message are what geomwork really accepts and prints."""

import re
from pathlib import Path

from typer.testing import CliRunner

from geomwork.cli import app
from geomwork.studies import load_study

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def block(language):
    match = re.search(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, f"README has no {language} block"
    return match.group(1)


def test_example_study_file_is_valid(tmp_path):
    path = tmp_path / "my-study.toml"
    path.write_text(block("toml"), encoding="utf-8")
    config = load_study(path)
    assert config.parts == ("instanton", "attention")
    assert config["instanton"]["group"] == "su3"
    assert config["attention"]["islands"] == 2


def test_example_error_is_what_the_command_prints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("my-study.toml").write_text(block("toml").replace("[12, 12, 12, 24]", "[12, 12, 12, 25]"),
                                     encoding="utf-8")
    result = runner.invoke(app, ["run", "my-study.toml"])
    assert result.exit_code == 2
    assert result.output == block("text")
    assert not Path("geomwork-run").exists()


def test_first_command_runs_the_main_job():
    text = README.read_text(encoding="utf-8")
    assert "```bash\npip install torch==2.13.0 && pip install -e . && geomwork run\n```" in text
