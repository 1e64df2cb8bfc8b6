"""No configuration error quotes a secret: every secret setting, written malformed in every
source, gives a ConfigError that names the place and the problem, and no 6 characters of the
secret show in the error, its repr, its problems or the logs. Booleans written as strings
are read as what they spell; an API key without TLS goes only to loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.temporal import Client, ConfigError, TemporalConfig
from app.temporal.config import config_fields

API_KEY = "sk-Qm7vX2pL9wR4tN8bK3zY"
KEY_BODY = "MC4CAQAwBQYDK2VwBCIEIHv7Jq2Wm9Xr4Tn8Pk3Zb"
PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n-----END PRIVATE KEY-----\n"


@dataclass(frozen=True)
class Secret:
    name: str  # the setting
    variable: str  # its environment variable
    alias: str | None  # another variable with the same meaning
    table: str | None  # the temporal.toml table it is written in (None: not there)
    key: str | None  # its key there
    good: str  # a well-formed value
    material: str  # the part of the value that must never show


SECRETS = [
    Secret(
        "cloud_api_key",
        "TEMPORAL_CLOUD_API_KEY",
        "TEMPORAL_API_KEY",
        "profile.default",
        "api_key",
        API_KEY,
        API_KEY,
    ),
    Secret(
        "tls_client_key_data",
        "TEMPORAL_TLS_CLIENT_KEY_DATA",
        None,
        "profile.default.tls",
        "client_key_data",
        PRIVATE_KEY,
        KEY_BODY,
    ),
    # The image backends' keys: Project-AI's own variables, not in temporal.toml.
    Secret("openai_api_key", "OPENAI_API_KEY", None, None, None, API_KEY, API_KEY),
    Secret("huggingface_api_key", "HUGGINGFACE_API_KEY", None, None, None, API_KEY, API_KEY),
]


def test_the_secrets_here_are_the_tables_secrets() -> None:
    assert {f["name"] for f in config_fields() if f["secret"]} == {s.name for s in SECRETS}


def spoil(secret: Secret, insert: str) -> str:
    """The good value with `insert` in the middle of its secret part."""
    m = secret.material
    return secret.good.replace(m, m[:10] + insert + m[10:])


def toml_basic(text: str) -> str:
    """`text` as a one-line TOML basic string."""
    return '"' + text.replace("\n", "\\n") + '"'


# How each malformed form is written in each source: environment and arguments take a
# value, the files their whole text (bytes). None: the form cannot be written there.
Env = Callable[[Secret], dict[str, str] | None]
File = Callable[[Secret], bytes | None]
Arg = Callable[[Secret], object]

FORMS: dict[str, tuple[Env, File, File, Arg]] = {
    "unterminated double quote": (
        lambda s: {s.variable: '"' + s.good},
        lambda s: f'{s.variable}="{s.good}\nTEMPORAL_NAMESPACE=n\n'.encode(),
        lambda s: f"[{s.table}]\n{s.key} = {toml_basic(s.good)[:-1]}\n".encode(),
        lambda s: '"' + s.good,
    ),
    "unterminated single quote": (
        lambda s: {s.variable: "'" + s.good},
        lambda s: f"{s.variable}='{s.good}\nTEMPORAL_NAMESPACE=n\n".encode(),
        lambda s: f"[{s.table}]\n{s.key} = '''{s.good}\n".encode(),
        lambda s: "'" + s.good,
    ),
    "stray quote": (
        lambda s: {s.variable: spoil(s, '"')},
        lambda s: (
            f"{s.variable}={spoil(s, chr(34))}\n"
            if "\n" not in s.good
            else f'{s.variable}="{spoil(s, chr(34))}"\n'
        ).encode(),
        lambda s: f"[{s.table}]\n{s.key} = {toml_basic(spoil(s, chr(34)))}\n".encode(),
        lambda s: spoil(s, '"'),
    ),
    "bad escape": (
        lambda s: {s.variable: spoil(s, "\\q")},
        lambda s: f'{s.variable}="{spoil(s, chr(92) + "q")}"\n'.encode(),
        lambda s: f"[{s.table}]\n{s.key} = {toml_basic(spoil(s, chr(92) + 'q'))}\n".encode(),
        lambda s: spoil(s, "\\q"),
    ),
    "invalid UTF-8": (
        # os.environ writes a lone surrogate as the byte it stands for (surrogateescape).
        lambda s: {s.variable: spoil(s, "\udcff")},
        lambda s: f'{s.variable}="{spoil(s, chr(0xDCFF))}"\n'.encode("utf-8", "surrogateescape"),
        lambda s: f"[{s.table}]\n{s.key} = {toml_basic(spoil(s, chr(0xDCFF)))}\n".encode(
            "utf-8", "surrogateescape"
        ),
        lambda s: spoil(s, "\udcff"),
    ),
    "value with a newline": (
        # A PEM key is made of lines: a newline in it is not malformed where values may
        # hold one (the environment, arguments).
        lambda s: None if "\n" in s.good else {s.variable: spoil(s, "\n")},
        # Unquoted, the value runs into the next line.
        lambda s: f"{s.variable}={spoil(s, chr(10))}\n".encode(),
        # A raw line break inside a one-line string.
        lambda s: f'[{s.table}]\n{s.key} = "{spoil(s, chr(10))}"\n'.encode(),
        lambda s: None if "\n" in s.good else spoil(s, "\n"),
    ),
    "TOML type error": (
        lambda s: None,
        lambda s: None,
        lambda s: f"[{s.table}]\n{s.key} = [{toml_basic(s.good)}]\n".encode(),
        lambda s: [s.good],
    ),
    "duplicate key": (
        lambda s: None if s.alias is None else {s.alias: s.good, s.variable: spoil(s, "A")},
        lambda s: f'{s.variable}="{s.good}"\n{s.variable}="{spoil(s, "A")}"\n'.encode(),
        lambda s: (
            f"[{s.table}]\n{s.key} = {toml_basic(s.good)}\n{s.key} = {toml_basic(spoil(s, 'A'))}\n"
        ).encode(),
        lambda s: None,
    ),
}

SOURCES = ["environment", ".env.temporal", "temporal.toml", "argument"]


def windows(secret: str) -> list[str]:
    return [secret[i : i + 6] for i in range(len(secret) - 5)]


def written(secret: Secret, source: str, form: str) -> object:
    env, env_file, toml, arg = FORMS[form]
    if source == "temporal.toml" and secret.table is None:
        return None
    return {"environment": env, ".env.temporal": env_file, "temporal.toml": toml}.get(source, arg)(
        secret
    )


CASES = [
    pytest.param(secret, source, form, id=f"{secret.name}-{source}-{form}")
    for secret in SECRETS
    for source in SOURCES
    for form in FORMS
    if written(secret, source, form) is not None
]


@pytest.mark.parametrize(("secret", "source", "form"), CASES)
def test_a_malformed_secret_is_refused_and_never_shown(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    secret: Secret,
    source: str,
    form: str,
) -> None:
    value = written(secret, source, form)
    arguments: dict[str, object] = {}
    if source == "environment":
        assert isinstance(value, dict)
        for variable, text in value.items():
            monkeypatch.setenv(variable, text)
        where = secret.variable if form != "duplicate key" else "disagree"
    elif source == ".env.temporal":
        assert isinstance(value, bytes)
        (clean_env / ".env.temporal").write_bytes(value)
        where = ".env.temporal line"
    elif source == "temporal.toml":
        assert isinstance(value, bytes)
        (clean_env / "t.toml").write_bytes(value)
        monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
        where = "t.toml line"
    else:
        arguments[secret.name] = value
        where = secret.name
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ConfigError) as info:
        TemporalConfig(**arguments)  # type: ignore[arg-type]

    error = info.value
    shown = [str(error), repr(error), caplog.text]
    shown += [f"{p.field} {p.source} {p.message}" for p in error.problems]
    assert where in str(error), str(error)
    for text in shown:
        for window in windows(secret.material):
            assert window not in text, f"{window!r} of the secret shows in: {text}"


def test_the_matrix_leaves_out_only_what_cannot_be_written() -> None:
    image_keys = ("openai_api_key", "huggingface_api_key")
    assert len(CASES) == 4 * 4 * 8 - 9 - 2 * 12
    left_out = {
        (s.name, source, form)
        for s in SECRETS
        for source in SOURCES
        for form in FORMS
        if written(s, source, form) is None
    }
    assert left_out == {
        ("cloud_api_key", "environment", "TOML type error"),
        ("cloud_api_key", ".env.temporal", "TOML type error"),
        ("cloud_api_key", "argument", "duplicate key"),
        ("tls_client_key_data", "environment", "TOML type error"),
        ("tls_client_key_data", ".env.temporal", "TOML type error"),
        ("tls_client_key_data", "argument", "duplicate key"),
        ("tls_client_key_data", "environment", "duplicate key"),
        ("tls_client_key_data", "environment", "value with a newline"),
        ("tls_client_key_data", "argument", "value with a newline"),
        *((name, "temporal.toml", form) for name in image_keys for form in FORMS),
        *((name, "environment", "TOML type error") for name in image_keys),
        *((name, ".env.temporal", "TOML type error") for name in image_keys),
        *((name, "environment", "duplicate key") for name in image_keys),
        *((name, "argument", "duplicate key") for name in image_keys),
    }


@pytest.mark.parametrize("secret", SECRETS, ids=[s.name for s in SECRETS])
def test_well_formed_secrets_load_from_every_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, secret: Secret
) -> None:
    # A private key needs its certificate.
    cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    other = {"tls_client_cert_data": cert} if secret.name == "tls_client_key_data" else {}
    (clean_env / ".env.temporal").write_text(f'{secret.variable}="{secret.good}"\n')
    assert getattr(TemporalConfig(**other), secret.name) == secret.good
    (clean_env / ".env.temporal").unlink()
    if secret.table is None:
        return
    (clean_env / "t.toml").write_text(
        f"[{secret.table}]\n{secret.key} = {toml_basic(secret.good)}\n"
    )
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    config = TemporalConfig(**other)
    assert getattr(config, secret.name) == secret.good
    assert all(w not in repr(config) for w in windows(secret.material))


# -- booleans written as strings -------------------------------------------------------


def profile_tls(clean_env: Path, monkeypatch: pytest.MonkeyPatch, disabled: str) -> TemporalConfig:
    (clean_env / "t.toml").write_text(f"[profile.default.tls]\ndisabled = {disabled}\n")
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    return TemporalConfig()


@pytest.mark.parametrize(
    ("disabled", "tls"),
    [
        ("false", True),
        ('"false"', True),
        ('"0"', True),
        ('"no"', True),
        ('"off"', True),
        ("true", False),
        ('"true"', False),
        ('"1"', False),
        ('"YES"', False),
    ],
)
def test_tls_disabled_as_a_string_is_never_inverted(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, disabled: str, tls: bool
) -> None:
    config = profile_tls(clean_env, monkeypatch, disabled)
    assert (config.tls, config.tls_enabled) == (tls, tls)


@pytest.mark.parametrize("disabled", ['"maybe"', '""', "0", "[false]"])
def test_tls_disabled_that_spells_no_boolean_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, disabled: str
) -> None:
    with pytest.raises(ConfigError) as info:
        profile_tls(clean_env, monkeypatch, disabled)
    text = str(info.value)
    assert "tls.disabled must be true or false (also 1/0, yes/no, on/off)" in text, text
    assert "t.toml line 2" in text, text


@pytest.mark.parametrize(("written", "tls"), [("false", False), ("No", False), ("on", True)])
def test_tls_in_the_environment_reads_its_spellings(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, written: str, tls: bool
) -> None:
    monkeypatch.setenv("TEMPORAL_TLS", written)
    assert TemporalConfig().tls is tls


def test_a_quoted_boolean_in_the_environment_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_TLS", '"false"')
    with pytest.raises(ConfigError, match=r"tls must be true or false \(also 1/0"):
        TemporalConfig()


# -- an API key without TLS ----------------------------------------------------------------


@pytest.mark.parametrize("host", ["example.org:7233", "10.1.2.3:7233", "[2001:db8::1]:7233"])
def test_an_api_key_over_plaintext_is_refused(clean_env: Path, host: str) -> None:
    with pytest.raises(ConfigError) as info:
        TemporalConfig(host=host, cloud_api_key=API_KEY, tls=False)
    text = str(info.value)
    assert "tls setting is false" in text and "plaintext" in text and host in text, text
    assert [p.field for p in info.value.problems] == ["tls"]
    assert all(w not in text for w in windows(API_KEY))


def test_a_cloud_namespace_with_tls_off_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_CLOUD_NAMESPACE", "acme.a1b2c")
    monkeypatch.setenv("TEMPORAL_API_KEY", API_KEY)
    monkeypatch.setenv("TEMPORAL_TLS", "false")
    with pytest.raises(ConfigError, match=r"plaintext to acme\.a1b2c\.tmprl\.cloud:7233"):
        TemporalConfig()


@pytest.mark.parametrize("host", ["localhost:7233", "127.0.0.1:7233", "[::1]:7233"])
def test_an_api_key_over_plaintext_to_loopback_is_allowed(clean_env: Path, host: str) -> None:
    config = TemporalConfig(host=host, cloud_api_key=API_KEY, tls=False)
    assert not config.tls_enabled and config.cloud_api_key == API_KEY


def test_an_api_key_alone_turns_tls_on(clean_env: Path) -> None:
    assert TemporalConfig(host="example.org:7233", cloud_api_key=API_KEY).tls_enabled


async def test_an_api_key_given_to_connect_is_refused_over_plaintext(clean_env: Path) -> None:
    # The configuration has no key (so it loads); the key comes with the call, to an
    # address of the call: refused before any connection is tried.
    config = TemporalConfig(env_file=None, tls=False, connect_timeout=1)
    with pytest.raises(ConfigError) as info:
        await Client.connect("example.org:7233", api_key=API_KEY, config=config)
    text = str(info.value)
    assert "tls setting is false" in text and "example.org:7233" in text, text
    assert all(w not in text for w in windows(API_KEY))
