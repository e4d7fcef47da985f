"""The mix-minus mixer: who hears whom, saturation, and the supervisor's modes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.rtp.mixer import Mixer, Mode

from ._audio import AGENT, CALLER, SUPERVISOR, constant_frame, pcm, samples_of

SILENT = bytes(320)


def level(frame: bytes) -> int:
    """The constant value of a frame made of one repeated sample."""
    values = set(samples_of(frame))
    assert len(values) == 1, values
    return values.pop()


def monitored_call(supervisor_mode: Mode = Mode.SPEAK) -> Mixer[str]:
    mixer: Mixer[str] = Mixer()
    mixer.join(CALLER)
    mixer.join(AGENT)
    if supervisor_mode is Mode.WHISPER:
        mixer.join(SUPERVISOR, Mode.WHISPER, target=AGENT)
    else:
        mixer.join(SUPERVISOR, supervisor_mode)
    return mixer


# Each voice is a distinct level, so a sum says exactly who is in it.
VOICES = {CALLER: constant_frame(1000), AGENT: constant_frame(200), SUPERVISOR: constant_frame(30)}


def heard(mixer: Mixer[str], frames: dict[str, bytes] = VOICES) -> dict[str, int]:
    return {party: level(frame) for party, frame in mixer.mix(frames).items()}


def test_three_parties_each_hear_the_other_two_and_not_themselves() -> None:
    mixer = monitored_call()
    assert heard(mixer) == {CALLER: 230, AGENT: 1030, SUPERVISOR: 1200}
    assert mixer.sources(CALLER) == (AGENT, SUPERVISOR)


def test_listen_only_supervisor_hears_both_and_is_heard_by_nobody() -> None:
    mixer = monitored_call(Mode.LISTEN)
    assert heard(mixer) == {CALLER: 200, AGENT: 1000, SUPERVISOR: 1200}
    assert mixer.mode(SUPERVISOR) is Mode.LISTEN


def test_whisper_is_heard_by_the_agent_alone() -> None:
    mixer = monitored_call(Mode.WHISPER)
    assert heard(mixer) == {CALLER: 200, AGENT: 1030, SUPERVISOR: 1200}
    assert mixer.sources(AGENT) == (CALLER, SUPERVISOR)
    assert mixer.sources(CALLER) == (AGENT,)


def test_listen_then_whisper_then_barge() -> None:
    mixer = monitored_call(Mode.LISTEN)
    mixer.whisper(SUPERVISOR, AGENT)
    assert heard(mixer)[CALLER] == 200
    assert heard(mixer)[AGENT] == 1030
    mixer.speak(SUPERVISOR)
    assert heard(mixer) == {CALLER: 230, AGENT: 1030, SUPERVISOR: 1200}
    mixer.listen(SUPERVISOR)
    assert heard(mixer) == {CALLER: 200, AGENT: 1000, SUPERVISOR: 1200}


def test_two_party_call_is_a_straight_swap() -> None:
    mixer: Mixer[str] = Mixer()
    mixer.join(CALLER)
    mixer.join(AGENT)
    out = mixer.mix(VOICES)
    assert out[CALLER] is VOICES[AGENT]  # no copy, no arithmetic
    assert out[AGENT] is VOICES[CALLER]


def test_missing_frames_are_silence() -> None:
    mixer = monitored_call()
    assert heard(mixer, {CALLER: VOICES[CALLER]}) == {CALLER: 0, AGENT: 1000, SUPERVISOR: 1000}
    assert mixer.mix({}) == {CALLER: SILENT, AGENT: SILENT, SUPERVISOR: SILENT}


def test_sums_saturate_instead_of_wrapping() -> None:
    mixer = monitored_call(Mode.LISTEN)
    loud = {CALLER: constant_frame(30000), AGENT: constant_frame(20000)}
    assert heard(mixer, loud)[SUPERVISOR] == 32767
    quiet = {CALLER: constant_frame(-30000), AGENT: constant_frame(-20000)}
    assert heard(mixer, quiet)[SUPERVISOR] == -32768


def test_three_sources_are_clipped_once_at_the_end() -> None:
    mixer: Mixer[str] = Mixer()
    for party in ("a", "b", "c", "listener"):
        mixer.join(party)
    frames = {"a": constant_frame(30000), "b": constant_frame(30000), "c": constant_frame(-30000)}
    # Pairwise saturating adds would give 32767 - 30000 = 2767.
    assert heard(mixer, frames)["listener"] == 30000
    assert heard(mixer, frames)["c"] == 32767


def test_leaving() -> None:
    mixer = monitored_call(Mode.WHISPER)
    mixer.leave(AGENT)  # the whisper's target hangs up: the supervisor only listens now
    assert mixer.mode(SUPERVISOR) is Mode.LISTEN
    assert mixer.parties == (CALLER, SUPERVISOR)
    assert heard(mixer) == {CALLER: 0, SUPERVISOR: 1000}
    assert AGENT not in mixer
    assert len(mixer) == 2


def test_misuse_is_refused() -> None:
    mixer = monitored_call()
    with pytest.raises(ValueError, match="already in the mix"):
        mixer.join(AGENT)
    with pytest.raises(ValueError, match="needs another party"):
        mixer.whisper(SUPERVISOR, SUPERVISOR)
    with pytest.raises(ValueError, match="needs another party"):
        mixer.join("x", Mode.WHISPER, target="nobody")
    assert "x" not in mixer
    with pytest.raises(ValueError, match="a target only goes with"):
        mixer.set_mode(SUPERVISOR, Mode.LISTEN, target=AGENT)
    with pytest.raises(KeyError):
        mixer.listen("nobody")
    with pytest.raises(KeyError):
        mixer.sources("nobody")
    with pytest.raises(ValueError, match="expected 320"):
        mixer.mix({CALLER: bytes(160)})
    with pytest.raises(ValueError, match="whole 16-bit samples"):
        Mixer(frame_bytes=3)


def clip(value: int) -> int:
    return max(-32768, min(32767, value))


@given(
    modes=st.lists(st.sampled_from(list(Mode)), min_size=1, max_size=7),
    data=st.data(),
)
def test_matches_a_reference_mix(modes: list[Mode], data: st.DataObject) -> None:
    """Against plain arithmetic: each listener gets clip(sum of what rules 1-2 say)."""
    parties = list(range(len(modes)))
    targets = {}
    mixer: Mixer[int] = Mixer(frame_bytes=8)
    for party in parties:
        mixer.join(party)
    for party, mode in zip(parties, modes, strict=True):
        if mode is Mode.WHISPER:
            others = [p for p in parties if p != party]
            if not others:
                continue
            targets[party] = data.draw(st.sampled_from(others))
            mixer.whisper(party, targets[party])
        else:
            mixer.set_mode(party, mode)
    samples = st.lists(st.integers(-32768, 32767), min_size=4, max_size=4)
    present = data.draw(st.lists(st.sampled_from(parties), unique=True)) if parties else []
    frames = {p: data.draw(samples) for p in present}
    out = mixer.mix({p: pcm(*values) for p, values in frames.items()})
    for listener in parties:
        sources = [
            p
            for p in present
            if p != listener
            and (
                mixer.mode(p) is Mode.SPEAK
                or (mixer.mode(p) is Mode.WHISPER and targets.get(p) == listener)
            )
        ]
        expected = [clip(sum(frames[p][i] for p in sources)) for i in range(4)]
        assert samples_of(out[listener]) == expected
