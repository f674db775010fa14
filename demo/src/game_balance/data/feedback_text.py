"""Title and body templates of forum posts, in Korean and English.

Placeholders: ``{unit}``, ``{race}`` (the race the post is about), ``{opp}`` (its opponent in
the complaint), ``{patch}``, ``{map}``, ``{bracket}``; the generator fills them with Korean
names for Korean posts. Keys are ``(category, language)``.
"""

from __future__ import annotations

Templates = tuple[tuple[str, ...], tuple[str, ...]]
"""(titles, bodies)"""

TEMPLATES: dict[tuple[str, str], Templates] = {
    ("imbalance", "ko"): (
        (
            "{patch} 패치 {unit} 너무 사기 아닌가요?",
            "{unit} 너프 좀 해주세요 제발",
            "{race} 대 {opp} 이건 게임이 안 됩니다",
            "{patch} {unit} 버프는 명백한 실수입니다",
            "{opp} 유저 입장에서 {unit} 도저히 못 막겠어요",
        ),
        (
            "{unit} 속도 버프 이후로 {opp} 입장에서 막을 방법이 없습니다. "
            "{race}전 승률이 바닥이에요.",
            "마린 산개를 아무리 해도 {unit} 한 방에 끝납니다. {patch} 패치 되돌려 주세요.",
            "래더에서 {race} 만나면 그냥 나가고 싶습니다. {unit} 타이밍이 너무 강해요.",
            "{opp} 유저들 다 떠나는 중입니다. {unit} 밸런스 확인 부탁드립니다.",
        ),
    ),
    ("imbalance", "en"): (
        (
            "{unit} is completely broken in {patch}",
            "Please nerf the {unit}",
            "{race} vs {opp} is unplayable right now",
            "The {patch} {unit} buff was a mistake",
            "Can't hold {unit} timings as {opp}",
        ),
        (
            "Since the {unit} speed buff there is no way to defend as {opp}. "
            "My {race} matchup is a coin flip I always lose.",
            "Splitting marines does nothing, one {unit} connection ends the game. "
            "Revert the {patch} change.",
            "Every {race} on the ladder does the same {unit} timing and it just works.",
            "{opp} players are quitting. Please look at {unit} numbers.",
        ),
    ),
    ("defense", "ko"): (
        ("{unit} 정도면 괜찮은 것 같은데요", "{race} 드디어 할 만해졌네요"),
        (
            "{unit} 유닛은 컨트롤로 충분히 막을 수 있습니다. 조금만 더 연습해 보세요.",
            "그동안 {race} 종족이 너무 약했어요. 지금이 정상입니다.",
        ),
    ),
    ("defense", "en"): (
        ("{unit} is fine, learn to split", "{race} finally feels playable"),
        (
            "{unit} can be held with good control, give it a few weeks.",
            "{race} was weak for ages, this is what balanced feels like.",
        ),
    ),
    ("balance_neg", "ko"): (
        ("{unit} 조금 센 것 같아요", "{race} 요즘 너무 약해요", "{patch} {unit} 밸런스 의견"),
        (
            "{unit} 상대하기가 좀 버겁네요. 수치 조정이 필요해 보입니다.",
            "{race} 유저로 래더 돌리기 힘듭니다. 상향 부탁드려요.",
        ),
    ),
    ("balance_neg", "en"): (
        ("{unit} feels a bit too strong", "{race} is struggling in {patch}", "{unit} balance"),
        (
            "{unit} is hard to deal with, numbers could use a look.",
            "Laddering as {race} is rough lately, small buffs please.",
        ),
    ),
    ("balance_pos", "ko"): (
        ("{patch} 밸런스 괜찮네요", "{unit} 변경 좋습니다"),
        (
            "이번 패치는 전반적으로 만족합니다. {race} 플레이도 재밌어요.",
            "{unit} 변경 덕분에 게임이 다양해졌어요.",
        ),
    ),
    ("balance_pos", "en"): (
        ("Balance feels good in {patch}", "Love the {unit} change"),
        (
            "Overall very happy with this patch, {race} is fun again.",
            "The {unit} change made games more varied.",
        ),
    ),
    ("bug", "ko"): (
        ("{unit} 길찾기 버그", "{map} 맵 {unit} 끼임 현상", "{unit} 공격 모션 버그"),
        (
            "{map} 맵 경사로에 {unit} 유닛이 끼어서 움직이지 않습니다.",
            "{unit} 유닛을 여러 부대 지정하면 명령이 씹힙니다.",
        ),
    ),
    ("bug", "en"): (
        ("{unit} pathing bug", "{unit} stuck on {map}", "{unit} attack animation bug"),
        (
            "On {map} the {unit} gets stuck on the ramp and never moves.",
            "Control-grouping many {unit} drops commands.",
        ),
    ),
    ("matchmaking", "ko"): (
        ("매칭 시간이 너무 길어요", "{bracket} 구간 매칭 이상합니다"),
        (
            "{bracket} 구간인데 매칭에 5분 넘게 걸립니다.",
            "MMR 차이가 너무 큰 상대와 자꾸 매칭됩니다.",
        ),
    ),
    ("matchmaking", "en"): (
        ("Queue times are too long", "Matchmaking in {bracket} is off"),
        (
            "Queueing in {bracket} takes over five minutes.",
            "I keep getting matched against much higher MMR players.",
        ),
    ),
    ("maps", "ko"): (
        ("{map} 맵 너무 넓어요", "{map} 맵은 {race} 종족에게 불리합니다"),
        (
            "{map} 맵은 러시 거리가 너무 멉니다.",
            "{map} 맵 구조상 {race} 유저는 수비하기 어렵습니다.",
        ),
    ),
    ("maps", "en"): (
        ("{map} is too big", "{map} is unfun for {race}"),
        (
            "Rush distance on {map} is way too long.",
            "The layout of {map} makes defending as {race} miserable.",
        ),
    ),
    ("performance", "ko"): (
        ("후반 렉이 심합니다", "프레임 드랍 문제"),
        ("후반 대규모 교전에서 프레임이 많이 떨어집니다.", "리플레이 볼 때 끊김이 있습니다."),
    ),
    ("performance", "en"): (
        ("Late game lag", "FPS drops"),
        ("Big late-game fights drop my FPS a lot.", "Replays stutter on playback."),
    ),
}
