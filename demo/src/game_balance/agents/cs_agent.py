"""The CS Agent ("cs"): what players say on the forum, from Korean and English posts.

Two questions: the top complaints (posts with sentiment <= -0.3, by upvotes) for a patch, race,
unit or topic, and the sentiment trend per patch. Asks back when neither is clear. The answer
artifact's data part::

    {"agent": "cs", "op": "complaints", "query": ..., "posts_scanned": n,
     "top_complaints": [Post.to_data(), ...], "units": [UnitComplaints.to_data(), ...]}
    {"agent": "cs", "op": "sentiment", "query": ..., "posts_scanned": n,
     "trend": [SentimentPoint.to_data(), ...]}
"""

from __future__ import annotations

from collections.abc import Sequence

from a2a.types import AgentCard, AgentInterface

from game_balance.agents.base import GameAgentExecutor
from game_balance.agents.cards import agent_card, skill
from game_balance.agents.language import Lang, pick
from game_balance.agents.phrasing import Phraser
from game_balance.agents.query import Query, describe
from game_balance.agents.turn import Request, Turn
from game_balance.data.catalog import ko
from game_balance.data.queries import FeedbackFilter, GameData
from game_balance.data.stats import FeedbackTally

NAME = "cs"
CS_OPS = ("complaints", "sentiment")


class CsAgentExecutor(GameAgentExecutor):
    """Answers player-feedback questions by scanning forum posts in chunks, thinking aloud."""

    name = NAME

    def __init__(self, data: GameData, phraser: Phraser | None = None) -> None:
        self.data = data
        self.phraser = phraser

    async def handle(self, request: Request, turn: Turn) -> None:
        """Ask which view is wanted if unclear, else scan the posts and answer."""
        query = request.query()
        if query.op not in CS_OPS:
            await turn.ask(
                "불만 상위 목록과 패치별 여론 추이 중 무엇을 보여드릴까요?",
                "Would you like the top complaints or the sentiment trend across patches?",
                missing="metric",
            )
            return
        await turn.think(
            "understood",
            f"질문을 이해했습니다: {describe(query)}",
            f"Understood the question: {describe(query)}",
        )
        patch = query.patch if query.op == "complaints" else None
        selection = FeedbackFilter(
            patch=patch,
            race=query.races[0] if len(query.races) == 1 else None,
            unit=query.unit,
            topic=query.topic,
        )
        await turn.think("query", "포럼 게시글 조회를 시작합니다", "Starting the forum-post query")
        tally = await self.data.tally_feedback(
            selection, query.top, turn.progress("게시글", "posts")
        )
        if query.op == "complaints":
            await self._complaints(query, tally, turn)
        else:
            await self._sentiment(query, tally, turn)

    async def _complaints(self, query: Query, tally: FeedbackTally, turn: Turn) -> None:
        top, units = tally.top_complaints(), tally.units()
        if top:
            await turn.think(
                "result",
                f"가장 추천을 많이 받은 불만: “{top[0].title}” (추천 {top[0].upvotes:,})",
                f"Most upvoted complaint: “{top[0].title}” ({top[0].upvotes:,} upvotes)",
            )
        if units:
            name = _name(query.lang, units[0].unit)
            await turn.think(
                "tally",
                f"유닛별 불만 집계 완료: {name} {units[0].posts:,}건이 최다",
                f"Complaints per unit tallied: {name} leads with {units[0].posts:,}",
            )
        lines = [
            f"{index}. “{post.title}” — {_post_tags(query.lang, post.race, post.unit)}"
            f" · {pick(query.lang, '추천', 'upvotes')} {post.upvotes:,}"
            for index, post in enumerate(top, start=1)
        ]
        unit_lines = [
            pick(
                query.lang,
                f"- {_name('ko', u.unit)} ({ko(u.race)}): 불만 {u.posts:,}건, 추천 {u.upvotes:,}",
                f"- {u.unit} ({u.race}): {u.posts:,} complaints, {u.upvotes:,} upvotes",
            )
            for u in units[:3]
        ]
        title = pick(
            query.lang,
            f"불만 상위 {len(top)}건 ({describe(query)}, 추천순)",
            f"Top {len(top)} complaints ({describe(query)}, by upvotes)",
        )
        unit_title = pick(query.lang, "유닛별 불만", "Complaints per unit")
        text = "\n".join([title, "", *lines, "", unit_title, "", *unit_lines])
        data = {
            "top_complaints": [post.to_data() for post in top],
            "units": [u.to_data() for u in units],
        }
        await turn.answer("answer", text, self._data(query, tally) | data)

    async def _sentiment(self, query: Query, tally: FeedbackTally, turn: Turn) -> None:
        trend = tally.sentiment_trend()
        if trend:
            worst = min(trend, key=lambda point: point.mean_sentiment)
            await turn.think(
                "result",
                f"가장 부정적인 패치: {worst.patch} (평균 감정 {worst.mean_sentiment:+.2f})",
                f"Most negative patch: {worst.patch} (mean sentiment {worst.mean_sentiment:+.2f})",
            )
        lines = [
            pick(
                query.lang,
                f"- {p.patch} 패치: 평균 감정 {p.mean_sentiment:+.2f}, "
                f"불만 비율 {p.complaint_share:.0%} ({p.posts:,}건)",
                f"- patch {p.patch}: mean sentiment {p.mean_sentiment:+.2f}, "
                f"complaints {p.complaint_share:.0%} ({p.posts:,} posts)",
            )
            for p in trend
        ]
        title = pick(query.lang, "패치별 여론 추이", "Sentiment trend per patch")
        data = {"trend": [point.to_data() for point in trend]}
        await turn.answer("answer", "\n".join([title, "", *lines]), self._data(query, tally) | data)

    @staticmethod
    def _data(query: Query, tally: FeedbackTally) -> dict[str, object]:
        return {
            "agent": NAME,
            "op": query.op,
            "query": query.to_data(),
            "posts_scanned": tally.posts_scanned,
        }


def _post_tags(lang: Lang, race: str, unit: str | None) -> str:
    return " · ".join(_name(lang, name) for name in (unit, race) if name)


def _name(lang: Lang, name: str) -> str:
    return ko(name) if lang == "ko" else name


def cs_agent_card(interfaces: Sequence[AgentInterface]) -> AgentCard:
    """The CS Agent's public card, reachable at `interfaces`."""
    return agent_card(
        NAME,
        "CS Agent: player feedback from 2,550 Korean and English forum posts: top complaints "
        "per patch, race, unit or topic by upvotes, and the sentiment trend per patch. "
        "Answers in the question's language.",
        [
            skill(
                "top-complaints",
                "Top complaints",
                "The most upvoted complaints, and complaint totals per unit.",
                ["feedback", "complaints", "forum"],
                ["7.3 패치 저그 불만 상위", "Top complaints about the Baneling", "버그 불만?"],
            ),
            skill(
                "sentiment-trend",
                "Sentiment trend",
                "Mean sentiment and complaint share of forum posts per patch.",
                ["feedback", "sentiment", "trend"],
                ["패치별 여론 추이", "Sentiment trend per patch for Zerg"],
            ),
        ],
        interfaces,
    )
