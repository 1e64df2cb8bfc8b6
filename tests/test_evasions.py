"""Issue 18 through the real worker: variants of Black Vault content that read the same are
denied and nothing is stored; variants of a blocked image prompt that read the same are
refused and no image is written."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from pathlib import Path

import pytest

from app.temporal import (
    AILearningWorkflow,
    BlackVault,
    Client,
    ImageGenerationRequest,
    ImageGenerationResult,
    ImageGenerationWorkflow,
    ImageStore,
    KnowledgeStore,
    LearningRequest,
    LearningResult,
    TemporalConfig,
)
from app.temporal import activities as acts

BLOCKED = LearningResult(success=False, error="Content blocked by Black Vault")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else c for c in text)


VARIANTS = {
    "trailing space": lambda t: t + " ",
    "CRLF": lambda t: t.replace("\n", "\r\n"),
    "leading newline": lambda t: "\n" + t,
    "NFD": lambda t: unicodedata.normalize("NFD", t),
    "full-width": full_width,
}


def denied_text() -> tuple[str, str]:
    """A text and a word only it has. NFC, with a line break and an accent, so that every
    variant changes the bytes."""
    marker = uuid.uuid4().hex
    return f"Café plans the user denied {marker}\nSecond line of them.", marker


def deny_as_project_ai(data_dir: Path, text: str) -> None:
    """Project-AI's own vault entry: the SHA-256 of the raw text under "hashes"."""
    path = data_dir / "learning_requests" / "black_vault.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    vault = json.loads(path.read_text()) if path.exists() else {"hashes": []}
    vault["hashes"].append(hashlib.sha256(text.encode()).hexdigest())
    path.write_text(json.dumps(vault))


async def learn(client: Client, content: str) -> LearningResult:
    request = LearningRequest(content=content, source="docs", category="facts")
    handle = await client.start_workflow(
        AILearningWorkflow.run, request, id=f"evasion-{uuid.uuid4().hex[:12]}"
    )
    return await handle.result(timeout=60)


def assert_nothing_stored(data_dir: Path, before: int, marker: str) -> None:
    assert KnowledgeStore(data_dir).count() == before
    assert KnowledgeStore(data_dir).search(marker) == []
    knowledge = data_dir / "memory" / "knowledge.json"
    assert not knowledge.exists() or marker not in knowledge.read_text()


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
async def test_variants_of_denied_content_are_denied_and_not_stored(
    worker_client: Client, worker_data_dir: Path, variant: str
) -> None:
    text, marker = denied_text()
    changed = VARIANTS[variant](text)
    assert changed != text
    deny_as_project_ai(worker_data_dir, text)
    before = KnowledgeStore(worker_data_dir).count()
    assert await learn(worker_client, changed) == BLOCKED
    assert_nothing_stored(worker_data_dir, before, marker)


async def test_added_content_denies_its_variants(
    worker_client: Client, worker_data_dir: Path
) -> None:
    text, marker = denied_text()
    assert BlackVault(worker_data_dir).add(full_width(text) + "\r\n")
    before = KnowledgeStore(worker_data_dir).count()
    for make in VARIANTS.values():
        assert await learn(worker_client, make(text)) == BLOCKED
    assert await learn(worker_client, text) == BLOCKED
    assert_nothing_stored(worker_data_dir, before, marker)


def test_python_and_rust_agree_on_the_hashes_and_the_form() -> None:
    text, _ = denied_text()
    for make in VARIANTS.values():
        variant = make(text)
        assert BlackVault.hash(variant) == hashlib.sha256(variant.encode()).hexdigest()
        assert BlackVault.canonical(variant) == text
    # For text without whitespace or invisible characters, the form is Python's NFKC.
    for word in ["ﬁnal", full_width("Caf") + "é", "e\u0301", "①", "x²", "Å"]:
        assert BlackVault.canonical(word) == unicodedata.normalize("NFKC", word)
    assert BlackVault.canonical("so\u00adft\u200b hy\ufeffphen ") == "soft hyphen"


async def test_the_stored_content_is_the_canonical_form(
    worker_client: Client, worker_data_dir: Path
) -> None:
    text = f"{full_width('Full')}-width notes {uuid.uuid4().hex}\r\nwith  a second line. "
    result = await learn(worker_client, text)
    assert result.success and result.knowledge_id
    entry = KnowledgeStore(worker_data_dir).get(result.knowledge_id)
    assert entry is not None and entry.content == BlackVault.canonical(text)
    assert (await learn(worker_client, BlackVault.canonical(text))).knowledge_id == (
        result.knowledge_id
    )


async def test_content_denied_after_the_check_is_not_stored(tmp_path: Path) -> None:
    config = TemporalConfig(env_file=None, data_dir=tmp_path / "data")
    request = {"content": "Late denial of these notes.\r\n", "source": "docs", "category": "facts"}
    assert await acts.check_black_vault(request["content"], config=config)
    knowledge_id = await acts.process_learning_request(request, config=config)
    BlackVault(config.data_dir).add("Late denial of these notes.")
    data = {"knowledge_id": knowledge_id, "request": request}
    assert await acts.store_knowledge(data, config=config) is False
    assert KnowledgeStore(config.data_dir).get(knowledge_id) is None
    assert not (config.data_dir / "memory" / "knowledge.json").exists()


PROMPT = "a photo of a {} figure at night"
PROMPT_EVASIONS = {
    "soft hyphen": ("nu\u00adde", "nude"),
    "zero-width space": ("nu\u200bde", "nude"),
    "zero-width joiner": ("n\u200dude", "nude"),
    "confusable letters": ("nud\u0435", "nude"),  # CYRILLIC SMALL LETTER IE
    "full-width": (full_width("nude"), "nude"),
    "leetspeak": ("NUD3", "nude"),
    "leetspeak digits": ("w34p0n", "weapon"),
    "@ and $": ("@bu$e", "abuse"),
}


@pytest.mark.parametrize(
    ("word", "term"), list(PROMPT_EVASIONS.values()), ids=list(PROMPT_EVASIONS)
)
async def test_evasions_of_a_blocked_prompt_are_refused_without_an_image(
    worker_client: Client, worker_data_dir: Path, word: str, term: str
) -> None:
    images = worker_data_dir / "generated_images"
    before = sorted(images.iterdir()) if images.exists() else []
    workflow_id = f"evasion-image-{uuid.uuid4().hex[:12]}"
    handle = await worker_client.start_workflow(
        ImageGenerationWorkflow.run,
        ImageGenerationRequest(prompt=PROMPT.format(word), size="320x192", backend="local"),
        id=workflow_id,
    )
    result = await handle.result(timeout=120)
    assert result == ImageGenerationResult(
        success=False, error=f"Prompt failed content safety check: {term}"
    )
    assert (sorted(images.iterdir()) if images.exists() else []) == before
    assert all(r.workflow_id != workflow_id for r in ImageStore(worker_data_dir).history(1000))


async def test_an_ordinary_prompt_with_digits_and_accents_still_draws(
    worker_client: Client,
) -> None:
    handle = await worker_client.start_workflow(
        ImageGenerationWorkflow.run,
        ImageGenerationRequest(
            prompt="a naïve café with 4 cats, a hatful of berries",
            size="320x192",
            backend="local",
        ),
        id=f"evasion-ok-{uuid.uuid4().hex[:12]}",
    )
    result = await handle.result(timeout=120)
    assert result.success and result.image_path and Path(result.image_path).exists()
