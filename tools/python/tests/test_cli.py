"""The one command: every entry of the dispatch table reaches its module's main(argv) with the
right program name, and misuse exits 2 with a usage line."""

import pytest

from mambanano import cli


def commands():
    for name, (target, _) in cli.COMMANDS.items():
        for task in sorted(target) if isinstance(target, dict) else [None]:
            yield [name] + (["--task", task] if task else [])


@pytest.mark.parametrize("command", list(commands()), ids=" ".join)
def test_every_command_answers_help_under_its_own_name(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(command + ["--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: mambanano {' '.join(command)} ")


def test_the_overview_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    text = capsys.readouterr().out
    assert all(f"  {name}" in text for name in cli.COMMANDS)
    assert "train --task har|kws" in text and "stream-eval --task har|kws" in text


@pytest.mark.parametrize(
    "argv,message",
    [
        ([], "usage: mambanano COMMAND"),
        (["nope"], "unknown command 'nope'"),
    ],
)
def test_no_or_an_unknown_command_exits_2(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["train"], ["stream-eval", "--data", "x"], ["train", "--task", "svm"]]
)
def test_a_task_command_needs_a_known_task(argv, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == 2
    assert "--task" in capsys.readouterr().err


def test_task_help_without_a_task_names_the_tasks(capsys):
    assert cli.main(["train", "--help"]) == 0
    assert "--task {har,kws}" in capsys.readouterr().out
