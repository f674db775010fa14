"""The web GUI end to end: real agents on the real broker, the page in real headless Chromium.

The browser tests drive Debian's ``chromium`` (``/usr/bin/chromium``, or ``A2A_KAFKA_CHROMIUM``)
through Playwright's Python package; no browser is ever downloaded. Without Chromium they are
skipped with the reason, and fail under ``CI=true``. ``A2A_KAFKA_SCREENSHOT=1`` saves the
conversation's screenshot to docs/images/gui.png (a path ending in ``.png`` saves it there);
otherwise it goes to the test's tmp folder.

Thinking is proven to arrive while the work runs: the agents' scans wait at a gate after their
first chunk until the page shows three thinking steps (and no report yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from agent_harness import GatedGameData
from aiokafka import AIOKafkaProducer

from a2a_kafka import KafkaConfig
from a2a_kafka.pytest_plugin import unavailable
from a2a_kafka.topics import AgentTopics, ensure_topics
from a2a_kafka.wire import ReplyAddress, encode_request
from game_balance.data import build_database
from game_balance.gui import ChatSettings, GuiServer, WireObserver, run_gui
from game_balance.serve_kafka import KafkaAgentServer, run_kafka_agents

IDLE_S = 5.0
"""The page's request deadline in these tests (seconds without an event)."""
BUSY_S = 60.0
"""Generous deadline for anything awaited (a page element, the observer): a busy machine."""
SLACK_S = 25.0
"""What a busy machine may add around the request deadline (registry, reply topic, page);
IDLE_S + SLACK_S stays below the turn timeout (60 s), so a hang still fails."""
UI_TIMEOUT_MS = int(BUSY_S * 1000)
CHROMIUM = os.environ.get("A2A_KAFKA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
LAST_THINKING = """() => {
  const turns = document.querySelectorAll('.turn');
  return turns.length ? turns[turns.length - 1].querySelectorAll('.thinking-item').length : 0;
}"""


@dataclass
class GuiSystem:
    """The three agents and the GUI on one fresh topic prefix."""

    config: KafkaConfig
    servers: dict[str, KafkaAgentServer]
    data: GatedGameData
    gui: GuiServer

    @property
    def url(self) -> str:
        return self.gui.url

    def topic(self, name: str) -> str:
        return self.config.topic(name)


@pytest.fixture(scope="module")
def game_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("gui") / "game.sqlite3")


@pytest.fixture
async def gui_system(game_db: Path, kafka_config: KafkaConfig) -> AsyncIterator[GuiSystem]:
    config = kafka_config.with_(topic_prefix=f"gui{uuid.uuid4().hex[:8]}.")
    data = GatedGameData(game_db, chunk_rows=2_000)
    settings = ChatSettings(idle_timeout=IDLE_S, turn_timeout=60)
    async with (
        run_kafka_agents(config, data) as servers,
        run_gui(config, settings=settings) as gui,
    ):
        assert gui.observer is not None
        await asyncio.wait_for(gui.observer.ready.wait(), BUSY_S)
        yield GuiSystem(config, servers, data, gui)
        data.gate.set()


def require_chromium() -> None:
    """Skip (fail under CI) when Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        unavailable(
            f"no Chromium at {CHROMIUM} for the browser tests: "
            "apt-get install -y chromium fonts-noto-cjk"
        )


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("the playwright package is missing: pip install -e '.[dev]'")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1600, "height": 1200}, locale="ko-KR")
    opened = await context.new_page()
    opened.set_default_timeout(UI_TIMEOUT_MS)
    yield opened
    await context.close()


async def open_gui(page: Any, system: GuiSystem) -> None:
    await page.goto(system.url)
    await page.wait_for_selector('#broker-status[data-broker="up"]')
    await page.wait_for_selector('#agent-select button[data-agent="balance"] .dot.on')


async def say(page: Any, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")


def screenshot_path(tmp_path: Path) -> Path:
    wanted = os.environ.get("A2A_KAFKA_SCREENSHOT", "")
    if wanted.endswith(".png"):
        return Path(wanted)
    if wanted:
        return ROOT / "docs" / "images" / "gui.png"
    return tmp_path / "gui.png"


async def test_conversation_in_the_browser(
    gui_system: GuiSystem, page: Any, tmp_path: Path
) -> None:
    await open_gui(page, gui_system)

    await say(page, "패치 밸런스 분석해줘")
    question = page.locator(".question").last
    await question.wait_for()
    assert "어떤 패치" in await question.inner_text()

    gui_system.data.gate.clear()  # hold the scans after their first chunk
    await page.fill(".question-input", "7.3")
    await page.press(".question-input", "Enter")
    await page.wait_for_function(f"({LAST_THINKING})() >= 3")
    assert await page.locator(".answer").count() == 0, "the answer came before the thinking"
    gui_system.data.gate.set()

    report = page.locator(".answer.report")
    await report.locator("svg.chart rect.bar").first.wait_for()
    text = await report.inner_text()
    assert "7.3 패치 밸런스 리포트" in text
    assert "불균형 발견: 저그 대 테란" in text
    assert await report.locator("svg.chart rect.bar").count() == 6  # 3 matchups × 2 series
    assert await report.locator("svg.chart rect.bar.s0.highlight").count() == 1
    assert await page.evaluate(LAST_THINKING) >= 3

    requests = gui_system.topic("agent.balance.requests")
    gui_replies = gui_system.topic("a2a.replies.a2a-kafka-gui.")
    await page.wait_for_selector(f'tr.wire-row[data-direction="request"][data-topic="{requests}"]')
    reply_rows = page.locator(f'tr.wire-row[data-direction="reply"][data-topic^="{gui_replies}"]')
    await reply_rows.first.wait_for()
    for agent in ("data", "cs"):  # Balance's own calls are on the wire too
        topic = gui_system.topic(f"agent.{agent}.requests")
        await page.wait_for_selector(f'tr.wire-row[data-direction="request"][data-topic="{topic}"]')
    streamed = reply_rows.filter(has_text="SendStreamingMessage").last
    assert (await streamed.locator("td.lat").inner_text()).endswith(" ms")

    waterfall = await see_the_waterfall(page)
    path = screenshot_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    await waterfall.scroll_into_view_if_needed()
    await waterfall.screenshot(path=str(path.with_name(f"{path.stem}-waterfall.png")))

    await show_the_whole_turn(page)
    await page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000


async def see_the_waterfall(page: Any) -> Any:
    """Under the report: Balance's call, its Data and CS calls under it, Kafka time apart."""
    waterfall = page.locator(".turn").last.locator("details.waterfall")
    await waterfall.wait_for(state="attached")
    await waterfall.locator("summary").click()
    rows = waterfall.locator(".wf-row")
    agents = [
        (await r.get_attribute("data-agent"), await r.get_attribute("data-depth"))
        for r in await rows.all()
    ]
    assert agents[0] == ("balance", "0")
    assert sorted(agents[1:]) == [("cs", "1"), ("cs", "1"), ("data", "1")]
    for row in await rows.all():
        assert await row.locator(".wf-agent").count() == 1  # its time in the agent
        assert float(await row.get_attribute("data-kafka-ms") or "-1") >= 0
        assert "Kafka" in await row.locator(".wf-ms").inner_text()
    balance_ms = float(await rows.first.get_attribute("data-agent-ms") or "0")
    assert balance_ms > max(
        [float(await r.get_attribute("data-agent-ms") or "0") for r in (await rows.all())[1:]]
    )
    assert await waterfall.locator(".wf-agent").first.is_visible()
    return waterfall


async def show_the_whole_turn(page: Any) -> None:
    """For the picture: the thinking steps open, the chat and the wire from the start."""
    await page.locator(".turn .thinking summary").last.click()
    await page.evaluate(
        """() => {
          const turns = document.querySelectorAll('.turn');
          turns[turns.length - 1].previousElementSibling.scrollIntoView();
          document.getElementById('wire-scroll').scrollTop = 0;
        }"""
    )
    await page.wait_for_timeout(1_600)  # the new rows' highlight fades


async def test_stopping_the_data_agent_shows_an_error_within_the_deadline(
    gui_system: GuiSystem, page: Any
) -> None:
    await open_gui(page, gui_system)
    await say(page, "analyze balance")
    await page.locator(".question").last.wait_for()

    await gui_system.servers["data"].aclose()
    sent = time.monotonic()
    await page.fill(".question-input", "7.3")
    await page.press(".question-input", "Enter")

    error = page.locator(".turn .error").last
    await error.wait_for(timeout=(IDLE_S + SLACK_S + 5) * 1000)
    waited = time.monotonic() - sent
    assert waited < IDLE_S + SLACK_S, f"the error took {waited:.1f} s"
    assert await error.get_attribute("data-kind") == "timeout"
    message = await error.inner_text()
    assert "Timed out" in message
    assert "data" in message
    assert await page.locator("#send").is_enabled()  # no frozen spinner


async def chat(system: GuiSystem, agent: str, text: str) -> list[dict[str, Any]]:
    """One turn through the page's endpoint; its events."""
    events = []
    async with (
        httpx.AsyncClient(timeout=IDLE_S + SLACK_S + 5) as client,
        client.stream("POST", system.url + "api/chat", json={"agent": agent, "text": text}) as sse,
    ):
        async for line in sse.aiter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


async def test_an_agent_that_is_not_running_is_named_in_the_error(
    gui_system: GuiSystem,
) -> None:
    await gui_system.servers["cs"].aclose()
    started = time.monotonic()

    events = await chat(gui_system, "cs", "7.3 패치 불만 top")

    assert time.monotonic() - started < IDLE_S + SLACK_S
    error = next(e for e in events if e["type"] == "error")
    assert error["kind"] == "timeout"
    assert error["waiting"] == ["cs"]
    assert gui_system.topic("agent.cs.requests") in error["message"]
    assert events[-1]["type"] == "done"


async def test_a_direct_question_to_data_is_multi_turn(gui_system: GuiSystem) -> None:
    first = await chat(gui_system, "data", "승률?")
    question = next(e for e in first if e["type"] == "question")
    assert "종족" in question["text"]

    async with httpx.AsyncClient(timeout=BUSY_S) as client:
        body = {
            "agent": "data",
            "text": "저그",
            "task_id": question["task_id"],
            "context_id": question["context_id"],
        }
        reply = await client.post(gui_system.url + "api/chat", json=body)
    answer = next(e for e in _events(reply.text) if e["type"] == "answer")
    assert "저그 승률" in answer["markdown"]
    assert "<strong>" in answer["html"]
    assert answer["chart"].count('<rect class="bar ') == 1


def _events(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


async def test_broker_down_is_reported() -> None:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    config = KafkaConfig(bootstrap_servers=f"127.0.0.1:{port}")
    async with (
        run_gui(config, settings=ChatSettings(idle_timeout=IDLE_S)) as gui,
        httpx.AsyncClient(timeout=IDLE_S + 10) as client,
    ):
        reply = await client.post(gui.url + "api/chat", json={"agent": "balance", "text": "hi"})
        events = _events(reply.text)
        assert events[0]["type"] == "error"
        assert events[0]["kind"] == "broker-down"
        assert events[-1] == {**events[-1], "type": "done", "state": "failed"}
        async with client.stream("GET", gui.url + "api/wire") as wire:
            async for line in wire.aiter_lines():
                if '"broker": "down"' in line:
                    break


async def test_the_observer_catches_replies_sent_before_it_knew_their_topic(
    kafka_config: KafkaConfig,
) -> None:
    config = kafka_config.with_(topic_prefix=f"obs{uuid.uuid4().hex[:8]}.")
    requests = AgentTopics.of(config, "data").requests
    replies = config.topic("a2a.replies.test.0123456789ab")
    await ensure_topics(config, [requests, replies], partitions=1)
    observer = WireObserver(config, ["data"])
    await observer.start()
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        await asyncio.wait_for(observer.ready.wait(), 20)
        rows = observer.subscribe()
        assert (await anext(rows))["broker"] == "up"
        value, headers = encode_request(
            "SendMessage",
            {},
            correlation_id="c1",
            reply_to=ReplyAddress(replies, 0),
            deadline=None,
            service_parameters={},
        )
        await producer.send_and_wait(requests, value, headers=headers)
        for seq, kind in enumerate(("event", "end")):  # at once: before the topic is assigned
            reply_headers = [
                ("a2a-kafka-correlation-id", b"c1"),
                ("a2a-kafka-kind", kind.encode()),
                ("a2a-kafka-seq", str(seq).encode()),
            ]
            await producer.send_and_wait(replies, b'{"result": {}}', headers=reply_headers)

        seen = [await asyncio.wait_for(anext(rows), 10) for _ in range(3)]
    finally:
        await producer.stop()
        await observer.aclose()

    assert [(r["direction"], r["kind"]) for r in seen] == [
        ("request", ""),
        ("reply", "event"),
        ("reply", "end"),
    ]
    assert {r["method"] for r in seen} == {"SendMessage"}
    assert seen[2]["latency_ms"] >= 0


async def test_cli_gui_prints_the_url_and_stops_on_ctrl_c(
    kafka_config: KafkaConfig, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"guicli{uuid.uuid4().hex[:8]}.",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "a2a_kafka.cli.main",
        "gui",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        url = ""
        async with asyncio.timeout(60):
            while not url:
                line = (await process.stdout.readline()).decode()
                assert line, "a2a-kafka gui exited before printing its URL"
                if line.startswith("GUI: "):
                    url = line.split()[1]
        async with httpx.AsyncClient(timeout=10) as client:
            agents = (await client.get(url + "api/agents")).json()
            page = await client.get(url)
        assert [a["registered"] for a in agents["agents"]] == [True, True, True]
        assert page.headers["content-type"].startswith("text/html; charset=utf-8")
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
