"""``app.temporal`` exports what the original package exported."""

from __future__ import annotations

import app.temporal
from app.temporal import activities, client, workflows

ORIGINAL_EXPORTS = [
    "TemporalClientManager",
    "AILearningWorkflow",
    "DataAnalysisWorkflow",
    "ImageGenerationWorkflow",
    "MemoryExpansionWorkflow",
    "learning_activities",
    "memory_activities",
    "image_activities",
    "data_activities",
]


def test_the_original_names_are_exported() -> None:
    missing = [n for n in ORIGINAL_EXPORTS if n not in app.temporal.__all__]
    assert not missing
    assert app.temporal.TemporalClientManager is client.TemporalClientManager
    assert app.temporal.AILearningWorkflow is workflows.AILearningWorkflow
    assert app.temporal.learning_activities is activities.learning_activities
    assert app.temporal.memory_activities is activities.memory_activities
