"""The deployment files in deploy/ agree with the code: the example environment file
lists exactly the settings the bot reads, and the compose file, the systemd units, the
Dockerfile, its entry point and the nginx example hold what a deployment relies on."""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import _PARSERS, PREFIX, Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
ROOT = DEPLOY.parent
ENV_EXAMPLE = DEPLOY / "nhacviec.env.example"
INSTALLED = "/opt/nhacviec/bin/nhacviec"

_LINE = re.compile(r"^(?P<comment>#\s*)?(?P<name>NHACVIEC_[A-Z0-9_]+)=(?P<value>.*)$")


def read_settings() -> set[str]:
    """What the code reads: each field of Settings, as ``Settings._parse`` maps it
    (``NHACVIEC_`` + the upper-cased name), if it has a parser (else it cannot be set
    from the environment)."""
    names = {f"{PREFIX}{f.name.upper()}" for f in fields(Settings) if f.name in _PARSERS}
    assert names == set(Settings.names()), "Settings.names() and its fields disagree"
    return names


def example_lines() -> list[tuple[str, str, bool]]:
    """(name, value, commented out) for each setting line of the example."""
    lines = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line.strip())
        if match:
            lines.append((match["name"], match["value"], match["comment"] is not None))
    return lines


# --- (a) the example environment file --------------------------------------------------


def test_the_example_environment_file_lists_exactly_the_settings_the_code_reads() -> None:
    listed = [name for name, _, _ in example_lines()]
    code = read_settings()
    duplicated = sorted({name for name in listed if listed.count(name) > 1})
    missing = sorted(code - set(listed))
    stale = sorted(set(listed) - code)
    problems = [f"{name}: listed more than once" for name in duplicated]
    problems += [f"{name}: read by bot/config.py but has no line in {ENV_EXAMPLE.name}"
                 for name in missing]
    problems += [f"{name}: in {ENV_EXAMPLE.name} but bot/config.py does not read it"
                 for name in stale]
    assert not problems, "\n".join(problems)


def test_the_example_as_it_stands_is_a_configuration_the_bot_accepts() -> None:
    active = {name: value for name, value, commented in example_lines() if not commented}
    Settings.from_environ(active)  # raises SettingsError naming the setting


def test_the_commented_values_are_the_defaults() -> None:
    code = read_settings()
    default = Settings()
    for name, value, commented in example_lines():
        if not commented or not value or name not in code:
            continue
        field = name.removeprefix(PREFIX).lower()
        parsed = getattr(Settings.from_environ({name: value}), field)
        assert parsed == getattr(default, field), \
            f"{name}: the example says {value!r}, the default is {getattr(default, field)!r}"


def test_secrets_are_left_empty() -> None:
    secrets = {"NHACVIEC_TELEGRAM_TOKEN", "NHACVIEC_ZALO_TOKEN", "NHACVIEC_WEBHOOK_SECRET",
               "NHACVIEC_ZALO_WEBHOOK_SECRET"}
    for name, value, _ in example_lines():
        if name in secrets:
            assert value == "", f"{name}: the example must not carry a secret"


# --- (b) compose.yaml ------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_runs_the_bot_with_postgresql() -> None:
    data = compose()
    assert set(data["services"]) == {"db", "bot"}
    assert set(data["volumes"]) == {"db-data", "bot-data"}
    db, bot = data["services"]["db"], data["services"]["bot"]

    assert db["image"].startswith("postgres:16")
    assert "db-data:/var/lib/postgresql/data" in db["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["restart"] in ("always", "unless-stopped")

    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] in ("always", "unless-stopped", "on-failure")
    assert "bot-data:/var/lib/nhacviec" in bot["volumes"]
    assert bot["env_file"] == ["nhacviec.env"]
    environment = bot["environment"]
    assert environment["NHACVIEC_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db:5432/" in environment["NHACVIEC_DATABASE_URL"]
    assert environment["NHACVIEC_HTTP_HOST"] == "0.0.0.0"
    # Published on the loopback only: nginx on the host is the way in.
    assert all(str(port).startswith("127.0.0.1:") for port in bot["ports"])
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()


def test_compose_sets_only_settings_the_bot_knows() -> None:
    # An unknown NHACVIEC_* name stops the bot at start.
    for name in compose()["services"]["bot"]["environment"]:
        assert name in read_settings(), f"{name}: not a setting"


# --- (c) the systemd units -------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are cased
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"), source=name)
    return parser


def test_the_service_unit() -> None:
    service = unit("nhacviec.service")
    assert {"Unit", "Service", "Install"} <= set(service.sections())
    assert "network-online.target" in service["Unit"]["After"]
    main = service["Service"]
    assert main["ExecStartPre"] == f"{INSTALLED} db upgrade"
    assert main["ExecStart"] == f"{INSTALLED} run"
    assert main["User"] == "nhacviec"
    assert main["Restart"] == "on-failure"
    assert int(main["RestartSec"]) > 0
    assert main["EnvironmentFile"] == "/etc/nhacviec/nhacviec.env"
    assert main["StateDirectory"] == "nhacviec"
    assert main["WorkingDirectory"] == "/var/lib/nhacviec"
    assert main.get("KillSignal", "SIGTERM") == "SIGTERM"
    assert int(main["TimeoutStopSec"]) >= 30  # the graceful drain
    assert main["RestartPreventExitStatus"] == "2"  # a configuration error
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                       "ReadWritePaths": "/var/lib/nhacviec", "PrivateTmp": "yes",
                       "ProtectHome": "yes"}.items():
        assert main[key] == value, key
    assert service["Install"]["WantedBy"] == "multi-user.target"


def test_the_user_and_the_backup_timer() -> None:
    sysusers = (DEPLOY / "nhacviec.sysusers").read_text(encoding="utf-8")
    assert re.search(r"^u nhacviec - .* /var/lib/nhacviec ", sysusers, re.MULTILINE)
    backup = unit("nhacviec-backup.service")
    assert backup["Service"]["Type"] == "oneshot"
    assert backup["Service"]["User"] == "nhacviec"
    assert f"{INSTALLED} backup " in backup["Service"]["ExecStart"]
    timer = unit("nhacviec-backup.timer")
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    program = Path(sys.executable).with_name("nhacviec")
    if analyze is None or not program.is_file():
        pytest.skip("needs systemd-analyze and an installed nhacviec")
    # verify insists the programs exist: point the units at this checkout's.
    names = ("nhacviec.service", "nhacviec-backup.service", "nhacviec-backup.timer")
    for name in names:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED, str(program)), encoding="utf-8")
    result = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in names)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nhacviec" not in result.stderr, result.stderr


# --- (d) the Dockerfile and its entry point --------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (continuation lines joined), stage by stage."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def test_the_dockerfile_builds_in_two_stages_and_runs_as_a_user() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2
    assert all(stage[0][1].startswith("python:3.11-slim") for stage in stages)
    final = stages[-1]
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    healthchecks = [arguments for instruction, arguments in final if instruction == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "urllib" in healthchecks[0] and "/healthz" in healthchecks[0]
    assert ("EXPOSE", "8080") in final
    assert any(instruction == "VOLUME" and "/var/lib/nhacviec" in arguments
               for instruction, arguments in final)
    assert any(instruction == "ENTRYPOINT" and "docker-entrypoint.sh" in arguments
               for instruction, arguments in final)
    env = " ".join(arguments for instruction, arguments in final if instruction == "ENV")
    assert "NHACVIEC_HTTP_HOST=0.0.0.0" in env
    for name in re.findall(r"(NHACVIEC_[A-Z0-9_]+)=", env):
        assert name in read_settings(), f"{name}: not a setting"
    # No compiler in the image: the final stage installs wheels, nothing else.
    assert not any("apt-get" in arguments for _, arguments in final)


def test_what_the_dockerfile_copies_exists_and_is_not_docker_ignored() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for stage in dockerfile_stages():
        for instruction, arguments in stage:
            if instruction != "COPY" or "--from" in arguments:
                continue
            *sources, _ = [a for a in arguments.split() if not a.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
                assert source.split("/")[0] not in ignored and source not in ignored, \
                    f"COPY {source}: excluded by .dockerignore"


def test_the_entrypoint_execs_the_bot() -> None:
    script = DEPLOY / "docker-entrypoint.sh"
    assert os.access(script, os.X_OK), "docker-entrypoint.sh must be executable"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n")
    assert "set -eu" in text
    assert "nhacviec db upgrade" in text
    assert re.search(r'^exec nhacviec "\$@"$', text, re.MULTILINE)
    subprocess.run(["sh", "-n", str(script)], check=True)


# --- (e) the nginx example -------------------------------------------------------------


def test_the_nginx_example_proxies_the_webhooks_over_tls() -> None:
    from bot.channels.telegram.channel import WEBHOOK_PATH as TELEGRAM
    from bot.channels.zalo.channel import WEBHOOK_PATH as ZALO
    from bot.file_shelf import ROUTE as FILES

    text = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    for path in (TELEGRAM, ZALO, "/healthz", "/metrics"):
        assert f"location = {path} {{" in text, path
    assert f"location {FILES.split('{')[0]} {{" in text
    assert "ssl_certificate /etc/letsencrypt/live/" in re.sub(r" +", " ", text)
    assert "ssl_certificate_key /etc/letsencrypt/live/" in re.sub(r" +", " ", text)
    assert "return 301 https://" in text
    assert "client_max_body_size" in text
    metrics = text.split("location = /metrics {", 1)[1].split("}", 1)[0]
    assert "deny all;" in metrics and "allow 127.0.0.1;" in metrics


# --- the deploy README ----------------------------------------------------------------


def test_the_commands_in_the_deploy_readme_exist() -> None:
    from bot.__main__ import _parser

    subcommands = next(action for action in _parser()._actions
                       if isinstance(action, argparse._SubParsersAction))
    commands = set(subcommands.choices)
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    # The shell in it: fenced blocks and `inline code`.
    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.DOTALL)
                     + re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL)))
    used: set[str] = set()
    for line in code.splitlines():
        words = line.split("#", 1)[0].replace("'", " ").split()
        for i, word in enumerate(words[:-1]):
            # The program, not an option's value (sudo -u nhacviec, install -g nhacviec).
            if (word == "nhacviec" or word.endswith("/bin/nhacviec")) \
                    and not (i and words[i - 1].startswith("-")) \
                    and re.fullmatch(r"[a-z][a-z-]*", words[i + 1]):
                used.add(words[i + 1])
    assert {"run", "webhook", "invite", "plan"} <= used
    unknown = sorted(used - commands)
    assert not unknown, f"deploy/README.md uses commands the CLI does not have: {unknown}"
