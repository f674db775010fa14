"""The demo's data set: ranked matches and forum feedback of a three-race RTS, in SQLite.

`GameData.open()` builds the data set on first use (see `game_balance.data.build`) and runs
chunked, progress-reporting queries over it (see `game_balance.data.queries`).
"""

from game_balance.data.build import DEFAULT_SEED, build_database, default_data_dir, ensure_database
from game_balance.data.catalog import IMBALANCE, PATCHES, RACES, PlantedImbalance
from game_balance.data.queries import (
    Dimension,
    FeedbackFilter,
    GameData,
    MatchFilter,
    ProgressCallback,
    ScanProgress,
)
from game_balance.data.stats import (
    Duration,
    FeedbackTally,
    MatchTally,
    Post,
    SentimentPoint,
    UnitComplaints,
    WinRate,
)

__all__ = [
    "DEFAULT_SEED",
    "IMBALANCE",
    "PATCHES",
    "RACES",
    "Dimension",
    "Duration",
    "FeedbackFilter",
    "FeedbackTally",
    "GameData",
    "MatchFilter",
    "MatchTally",
    "PlantedImbalance",
    "Post",
    "ProgressCallback",
    "ScanProgress",
    "SentimentPoint",
    "UnitComplaints",
    "WinRate",
    "build_database",
    "default_data_dir",
    "ensure_database",
]
