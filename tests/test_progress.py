"""Progress without the engine: the engine's events as the Automation API hands them over, into plain lines, nothing
(-q), or the live view (pulumi_docker_machine/automation/progressview.py) drawn on a terminal-like console; base
images' downloads reported by the provider process (components/drivers/downloads.py) and drawn as bars."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from pulumi.automation import events
from rich.console import Console

from pulumi_docker_machine.automation import progress
from pulumi_docker_machine.automation.progressview import LiveView
from pulumi_docker_machine.components.drivers import downloads
from pulumi_docker_machine.components.drivers.imagecache import fetch_image

SCRIPT = Path(sys.executable).parent / "docker-machine"
SSH_KEY = "pulumi-python:dynamic/docker-machine:SSHKey"
CERT = "pulumi-python:dynamic/docker-machine:ServerCertificate"
COMMAND = "command:remote:Command"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def urn(typ: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::docker-machine::docker-machine:index:DockerMachine${typ}::{stack}-{typ[-6:]}"


def meta(typ: str, op: str, stack: str = "dev") -> events.StepEventMetadata:
    return events.StepEventMetadata(op=events.OpType(op), urn=urn(typ, stack), type=typ, provider="")


def pre(typ: str, op: str = "create", stack: str = "dev") -> events.EngineEvent:
    return events.EngineEvent(0, 0, resource_pre_event=events.ResourcePreEvent(meta(typ, op, stack)))


def outputs(typ: str, op: str = "create", stack: str = "dev") -> events.EngineEvent:
    return events.EngineEvent(0, 0, res_outputs_event=events.ResOutputsEvent(meta(typ, op, stack)))


def failed(typ: str, stack: str = "dev") -> events.EngineEvent:
    return events.EngineEvent(0, 0, res_op_failed_event=events.ResOpFailedEvent(meta(typ, "create", stack), 1, 0))


def summary() -> events.EngineEvent:
    return events.EngineEvent(0, 0, summary_event=events.SummaryEvent(0, 1, {}, {}))


def error(text: str) -> events.EngineEvent:
    return events.EngineEvent(0, 0, diagnostic_event=events.DiagnosticEvent(text, "never", "error"))


@pytest.fixture
def mode():
    """Sets the process's progress mode as the command's -q does; back to plain (the API's) afterwards."""
    yield progress.show_progress
    progress.show_progress(None)


def terminal_view(width: int = 60) -> tuple[LiveView, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, highlight=False, color_system=None)
    return LiveView(console=console), out


def plain(text: str) -> list[str]:
    return [line.rstrip() for line in ANSI.sub("", text).replace("\r", "\n").splitlines() if line.strip()]


def test_not_a_terminal_keeps_the_plain_lines(mode):
    said: list[str] = []
    mode(False)  # standard output is pytest's capture, not a terminal
    steps = progress.Progress(said.append)
    assert steps.view is None
    for event in (pre(SSH_KEY), outputs(SSH_KEY), pre(COMMAND), outputs(COMMAND), pre(CERT, "delete")):
        steps(event)
    assert said == [
        "Creating SSH key...",
        progress.STEPS[COMMAND][0],  # said as it was, in one piece (the command's say splits it)
        "Checking connection to Docker...",
        "Removing server certificate...",
    ]


def test_the_generic_agent_commands_have_their_own_lines_not_provisionings(mode):
    """Several remote Commands share one type: the agent's key authorization is said by its name."""
    said: list[str] = []
    mode(False)
    steps = progress.Progress(said.append)

    def named(kind: str, op: str, name: str) -> events.EngineEvent:
        data = events.StepEventMetadata(
            op=events.OpType(op), urn=f"urn:pulumi:dev::docker-machine::{COMMAND}::{name}", type=COMMAND, provider=""
        )
        if kind == "pre":
            return events.EngineEvent(0, 0, resource_pre_event=events.ResourcePreEvent(data))
        if kind == "failed":
            return events.EngineEvent(0, 0, res_op_failed_event=events.ResOpFailedEvent(data, 1, 0))
        return events.EngineEvent(0, 0, res_outputs_event=events.ResOutputsEvent(data))

    steps(named("pre", "create", "dev-authorize-key"))
    steps(named("outputs", "create", "dev-authorize-key"))
    steps(named("pre", "delete", "dev-deauthorize-key"))
    assert said == ["Authorizing the machine's SSH key on the host (with your ssh-agent)..."]
    steps(named("failed", "create", "dev-authorize-key"))
    assert "while authorizing the machine's ssh key on the host" in steps.failure("x")


def test_quiet_says_no_step_but_still_knows_what_failed(mode):
    said: list[str] = []
    mode(True)
    steps = progress.Progress(said.append)
    for event in (pre(SSH_KEY), outputs(SSH_KEY), pre(COMMAND), failed(COMMAND), error("exit status 3")):
        steps(event)
    assert said == []
    assert steps.failure("x").startswith("Error creating machine: the update failed while waiting for ssh")
    assert steps.failure("x").endswith("exit status 3")


def test_live_steps_end_done_failed_or_stopped_with_their_time():
    view, out = terminal_view()
    said: list[str] = []
    steps = progress.Progress(said.append)
    steps.mode, steps.view = progress.LIVE, view
    steps(pre(SSH_KEY))
    assert view.live is not None and view.live.is_started, "a step under way: the live area is drawn"
    steps(outputs(SSH_KEY))
    assert view.live is None, "no step under way: no live area, the command's own lines keep their order"
    steps(pre(COMMAND))
    steps(pre(CERT))
    steps(failed(COMMAND))
    steps(summary())  # the update ended: the certificate's step never reported
    lines = plain(out.getvalue())
    assert said == ["Waiting for SSH to be available..."], "a step's lines before its last are said at its start"
    done = [line for line in lines if line[0] in "✔✘-"]
    assert [line.rsplit(" (", 1)[0] for line in done] == [
        "✔ Creating SSH key...",
        "✘ Provisioning: installing Docker where needed, copying certs to the remote machine, setting Docker "
        "configuration on the remote daemon...",
        "- Copying certs to the local machine directory...",
    ], "each ended step stays whole, however narrow the terminal"
    assert re.search(r"\(\d+\.\ds\) failed$", done[1]) and re.search(r"\(\d+\.\ds\)$", done[0])
    assert view.live is None and not view.steps


def test_live_rows_are_one_line_each_with_spinner_and_seconds():
    view, out = terminal_view(width=40)
    view.start("a", "dev", "Provisioning: installing Docker where needed, copying certs")
    try:
        view.console.print(view.render())
    finally:
        view.finish("a", progress.DONE)
    row = next(line for line in plain(out.getvalue()) if "Provisioning" in line)
    assert re.fullmatch(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] +\d+s Provisioning: installing Docker …", row) and len(row) == 40, row


def test_what_the_command_prints_meanwhile_goes_above_the_live_area():
    view, out = terminal_view()
    stdout = sys.stdout
    view.start("a", "dev", "Creating SSH key...")
    assert sys.stdout is not stdout, "standard output goes through the live view"
    click.echo("a line of the command's")  # click writes around a stream without an encoding: this one has one
    view.finish("a", progress.DONE)
    assert sys.stdout is stdout, "given back when no step is under way"
    assert plain(out.getvalue())[0] == "a line of the command's"


def test_live_steps_name_their_machine_when_several_are_under_way():
    view, out = terminal_view(width=100)
    first, second = progress.Progress(lambda _: None), progress.Progress(lambda _: None)
    for steps in (first, second):
        steps.mode, steps.view = progress.LIVE, view
    first(pre(SSH_KEY, stack="a"))
    second(pre(SSH_KEY, stack="b"))
    second(outputs(SSH_KEY, stack="b"))
    first(outputs(SSH_KEY, stack="a"))
    done = [line.rsplit(" (", 1)[0] for line in plain(out.getvalue()) if line.startswith("✔")]
    assert done == ["✔ (b) Creating SSH key...", "✔ (a) Creating SSH key..."]


def test_the_cli_turns_live_progress_on_only_for_a_terminal(mode, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    mode(False)
    assert progress._mode == progress.LIVE
    monkeypatch.setenv("TERM", "dumb")
    mode(False)
    assert progress._mode == progress.PLAIN
    mode(True)
    assert progress._mode == progress.QUIET
    mode(None)
    assert progress._mode == progress.PLAIN, "the Automation API's Progress stays plain"


def test_a_download_is_reported_while_it_runs_and_its_report_removed(tmp_path, monkeypatch):
    image = tmp_path / "disk.img"
    image.write_bytes(os.urandom(3 << 20))
    reports = tmp_path / "reports"
    reports.mkdir()
    monkeypatch.setenv(downloads.VARIABLE, str(reports))
    monkeypatch.setattr(downloads, "INTERVAL", 0)
    seen: list[list[downloads.Download]] = []
    write = downloads.Reporter.update

    def update(self, done, force=False):
        write(self, done, force)
        seen.append(downloads.downloads(reports))

    monkeypatch.setattr(downloads.Reporter, "update", update)
    fetch_image(image.as_uri(), tmp_path / "cache", verify=False)
    assert [[(d.name, d.done, d.total) for d in found] for found in seen] == [
        [("disk.img", done, 3 << 20)] for done in (0, 1 << 20, 2 << 20, 3 << 20)
    ]
    assert list(reports.iterdir()) == [], "the report goes when the download ends"


def test_without_the_variable_nothing_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv(downloads.VARIABLE, raising=False)
    assert downloads.reporter("x.img", 10) is None
    monkeypatch.setenv(downloads.VARIABLE, str(tmp_path / "gone"))
    assert downloads.reporter("x.img", 10) is None, "the command's folder is gone: the download goes on unreported"


def test_reports_are_data_a_bad_one_is_passed_over(tmp_path):
    (tmp_path / "download-1-1").write_text("5 10 ok.img\n")
    (tmp_path / "download-1-2").write_text("5 10 [bold]x[/bold]\n")
    (tmp_path / "download-1-3").write_text("5 10 $(reboot)\n")
    (tmp_path / "download-1-4").write_text("-5 10 neg.img\n")
    (tmp_path / "download-1-5").write_text("9" * 40 + " 10 big.img\n")
    (tmp_path / "other").write_text("5 10 other.img\n")
    assert downloads.downloads(tmp_path) == [downloads.Download("download-1-1", "ok.img", 5, 10)]
    reporter = downloads.Reporter(tmp_path, "a b;[red]c.img", None)
    assert downloads.downloads(tmp_path)[-1].name == "a_b__red_c.img" and reporter.path.exists()
    assert downloads.downloads(tmp_path)[-1].total is None, "no Content-Length: no total"


def test_the_view_draws_a_download_bar_with_bytes_and_speed(tmp_path):
    view, out = terminal_view(width=100)
    view.downloads_dir = tmp_path
    reporter = downloads.Reporter(tmp_path, "ubuntu-24.04.img", 100 << 20)
    view.start("disk", "dev", "Creating VM disk...")
    try:
        view.render()  # the bar at 0 bytes
        reporter.update(10 << 20, force=True)
        view.render()
        time.sleep(0.05)
        reporter.update(25 << 20, force=True)
        view.console.print(view.render())  # bytes so far, of the total, and how fast (from the last two)
        bar = next(line for line in plain(out.getvalue()) if "Downloading" in line)
        assert re.search(r"Downloading ubuntu-24\.04\.img .* 26\.2/104\.9 MB \d+(\.\d)? [kMG]?B/s$", bar), bar
        reporter.close()
        view.render()
        assert not view.tasks, "an ended download's bar goes"
    finally:
        view.finish("disk", progress.DONE)


@pytest.mark.parametrize("command", ["rm", "start", "stop", "kill", "restart", "provision"])
def test_the_commands_that_run_the_engine_take_quiet(command):
    done = subprocess.run([str(SCRIPT), command, "--help"], capture_output=True, text=True, check=True)
    assert re.search(r"-q, --quiet\s+Show no progress", done.stdout)
