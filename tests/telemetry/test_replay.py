"""``a2a-kafka replay --context``/``trace``: the conversation as the client received it."""

from __future__ import annotations

import json

from traced import CLI, TracedDemo, run


def seen(steps: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(kind, text, the state of a status step): what the user was shown."""
    return [
        (s["kind"], s["text"], s.get("state", "") if s["kind"] == "status" else "") for s in steps
    ]


async def test_replay_reproduces_every_turn_and_thinking_step(traced_demo: TracedDemo) -> None:
    code, out, err = await run(
        *CLI, "replay", "--context", traced_demo.context_id, "--json", env=traced_demo.env
    )

    assert code == 0, err
    turns = json.loads(out)["turns"]
    assert [seen(t["steps"]) for t in turns] == [seen(r) for r in traced_demo.received]
    thinking = [s for s in turns[1]["steps"] if s["kind"] == "thinking"]
    assert len(thinking) >= 10  # the analysis streams its thinking, relayed from Data and CS
    assert sorted(c["agent"] for c in turns[1]["calls"]) == ["cs", "cs", "data"]
    assert all(c["steps"] for c in turns[1]["calls"])


async def test_replay_as_text_shows_each_turn(traced_demo: TracedDemo) -> None:
    code, out, err = await run(
        *CLI, "replay", "--context", traced_demo.context_id, env=traced_demo.env
    )

    assert code == 0, err
    assert out.count("── turn ") == 2
    assert "밸런스 분석해줘" in out
    assert "7.3 패치 밸런스 리포트" in out
    assert "→ data SendStreamingMessage" in out


async def test_trace_of_a_correlation_id_lists_its_records_with_timings(
    traced_demo: TracedDemo,
) -> None:
    code, out, _ = await run(
        *CLI, "replay", "--context", traced_demo.context_id, "--json", env=traced_demo.env
    )
    call = json.loads(out)["turns"][1]

    code, out, err = await run(*CLI, "trace", call["correlation_id"], "--json", env=traced_demo.env)

    assert code == 0, err
    (traced,) = json.loads(out)["turns"]
    times = [r["timestamp_ms"] for r in traced["records"]]
    assert times == sorted(times)
    assert [r["sequence"] for r in traced["records"]] == list(range(len(times)))
    assert traced["records"][-1]["kind"] == "end"
    assert len(traced["calls"]) == 3


async def test_an_unknown_context_is_one_clear_error(traced_demo: TracedDemo) -> None:
    code, _, err = await run(*CLI, "replay", "--context", "no-such-context", env=traced_demo.env)

    assert code == 1
    assert err.strip() == "error: no conversation with context id 'no-such-context' on the cluster"
