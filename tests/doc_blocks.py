"""The fenced code blocks of docs/, and a runner that does what they say
(issue 20 item 10: every shell command and configuration example is run).

The info string of each block says what it is (docs/README.md "Examples"):

- ```` ```sh ````: commands, run by ``bash -e`` in the page's folder;
- ```` ```toml file=NAME ```` (or ``json``): a file the commands use, written
  to ``NAME`` before they run (blocks naming one file are joined in order);
- ```` ```<lang> illustrative ````: shown, never run (a wire message, a
  formula, a command that needs a node or a registry another test provides).

A block without a marker fails :func:`check_marked`, so a new block is run
by default. The commands are rewritten only for ports and absolute paths
(:meth:`Session.rewrite`): the ports of :data:`PORTS` become free ports of
127.0.0.1 (the same one on every page of a session), and the absolute
folders of :data:`ROOTS` move under the session's folder; relative paths
land in the session's folder (the commands run there). A block that starts a
server (:data:`SERVER`) runs in the background until the session ends, and
counts as started when ``/healthz`` answers 200 on its port.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port

__all__ = ["Block", "Session", "blocks", "check_marked", "PAGES"]

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md"))
PORTS = ("5001", "5002", "5003", "8001", "8003", "8545", "9103")
"""The ports the docs use; each becomes a free port of 127.0.0.1."""
ROOTS = ("/etc/kyc-wallet", "/opt/kyc-wallet", "/run/kyc-wallet", "/var/lib/kyc-wallet")
"""The absolute folders the docs use; each moves under the session's folder."""
LANGUAGES = {"sh", "toml", "json"}
SERVER = re.compile(
    r"^\s*(kyc-wallet (issuer|wallet|verifier)(?! (migrate|worker))(?!.*--maintenance)"
    r"|kyc-wallet verifier worker|gunicorn)\b",
    re.M,
)
_FENCE = re.compile(r"^( *)```(.*)$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    file: str | None
    illustrative: bool
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language == "sh" and not self.illustrative


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, in order."""
    out: list[Block] = []
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, info = len(opening.group(1)), opening.group(2).split()
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        words = dict(w.partition("=")[::2] for w in info[1:])
        out.append(
            Block(
                page,
                i - len(body),
                info[0] if info else "",
                words.get("file"),
                "illustrative" in words,
                "\n".join(body) + "\n",
            )
        )
        i += 1
    return out


def check_marked(block: Block) -> str | None:
    """Why ``block`` is not marked as runnable or illustrative (``None``: it is)."""
    if block.illustrative:
        return None
    if block.language not in LANGUAGES:
        return f"{block.where}: a ```{block.language} block: mark it `illustrative`"
    if block.language != "sh" and block.file is None:
        return f"{block.where}: a {block.language} example: give it file=NAME, or `illustrative`"
    if block.language == "sh" and block.file is not None:
        return f"{block.where}: a sh block is run, not written to a file"
    return None


@dataclass
class Session:
    """One folder where pages' examples run, with its free ports and servers."""

    folder: Path
    ports: dict[str, str] = field(default_factory=lambda: {p: str(free_port()) for p in PORTS})
    servers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    """What each command block printed (stdout), in order."""
    logs: list[Path] = field(default_factory=list)
    """Where each server block's output goes, in order."""

    def rewrite(self, text: str) -> str:
        """The documented rewriting: ports and absolute folders, nothing else."""
        for root in ROOTS:
            text = text.replace(root, str(self.folder) + root)
        return re.sub(r"\b(" + "|".join(PORTS) + r")\b", lambda m: self.ports[m.group(1)], text)

    def url(self, port: str) -> str:
        """The rewritten ``http://127.0.0.1:<port>`` of a documented port."""
        return f"http://127.0.0.1:{self.ports[port]}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KYCW_", "PROMETHEUS"))}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def write_files(self, page: Path) -> None:
        written: set[Path] = set()
        for block in blocks(page):
            if block.file is None or block.illustrative:
                continue
            path = Path(self.rewrite(block.file))
            path = path if path.is_absolute() else self.folder / path
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a" if path in written else "w") as handle:
                handle.write(self.rewrite(block.text))
            path.chmod(0o600)
            written.add(path)

    def run_page(self, page: Path, *, edit: dict[str, str] | None = None) -> None:
        """Write the page's files, then run its sh blocks in order (``edit``:
        replacements a test makes on purpose, e.g. to drop a flag)."""
        self.write_files(page)
        for block in blocks(page):
            if block.runs:
                text = self.rewrite(block.text)
                for old, new in (edit or {}).items():
                    text = text.replace(old, new)
                self.run(block, text)

    def run(self, block: Block, script: str) -> None:
        server = SERVER.search(script)
        if server is None:
            done = subprocess.run(
                ["bash", "-e", "-c", script],
                cwd=self.folder,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n{done.stderr}"
            self.outputs.append(done.stdout)
            return
        port = re.search(r"--(?:port|bind [\d.]+:|health-port)[ =]?(\d+)", script[server.start() :])
        assert port is not None, f"{block.where}: a server command must name its port"
        self.stop(port.group(1))
        path = self.folder / f"server-{block.page.stem}-{block.line}.log"
        self.logs.append(path)
        log = open(path, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=self.folder,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the server with bash
        )
        log.close()
        self.servers[port.group(1)] = process
        self._wait(block, process, port.group(1), path)

    def _wait(self, block: Block, process: subprocess.Popen[bytes], port: str, path: Path) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = path.read_text()
                raise AssertionError(f"{block.where}: stopped (exit {process.returncode})\n{log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{block.where}: no answer on port {port} within 120 s")

    def stop(self, port: str) -> None:
        process = self.servers.pop(port, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)  # the group of the bash we started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def close(self) -> None:
        for port in list(self.servers):
            self.stop(port)
