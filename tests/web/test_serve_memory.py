"""The server tunes glibc's malloc before its threads start: two arenas and a fixed mmap
threshold (bench/soak.py measured the resident set climbing in ~20 MB steps without them)."""

from __future__ import annotations

import ctypes.util
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from newsstand.cli.serve import MMAP_THRESHOLD, SERVER_ARENAS, tune_malloc

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="a glibc setting")
def test_glibc_accepts_both_settings_and_started_processes_inherit_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.setenv(name, "")  # so that monkeypatch puts back what was there, or nothing
        monkeypatch.delenv(name)
    assert ctypes.util.find_library("c")
    assert tune_malloc() == {"MALLOC_ARENA_MAX": True, "MALLOC_MMAP_THRESHOLD_": True}
    assert os.environ["MALLOC_ARENA_MAX"] == str(SERVER_ARENAS)  # for `serve --workers N`
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(MMAP_THRESHOLD)


def test_an_operators_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert tune_malloc() == {}
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


SIGN_INS = textwrap.dedent(
    """
    import ctypes, random, sys, threading
    from newsstand.accounts.credentials import default_hasher
    from newsstand.cli.serve import M_ARENA_MAX, SERVER_ARENAS, tune_malloc

    libc = ctypes.CDLL("libc.so.6")
    if sys.argv[1] == "tuned":
        tune_malloc()
    else:  # the server before: two arenas, glibc's own sliding mmap threshold
        libc.mallopt(M_ARENA_MAX, SERVER_ARENAS)

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                    "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc.mallinfo2.restype = Info
    hasher = default_hasher()
    stored = hasher.hash("a password")
    kept = []

    def sign_ins(n):
        rng = random.Random(n)
        for _ in range(6):
            hasher.verify(stored, "a password")
            kept.append(bytes(rng.randrange(600, 40_000)))  # pages made between sign-ins
            if len(kept) > 200:
                kept.pop(rng.randrange(len(kept)))

    threads = [threading.Thread(target=sign_ins, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(libc.mallinfo2().fordblks)
    """
)


def kept_free_mb(mode: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", SIGN_INS, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(done.stdout.strip()) / 2**20


@pytest.mark.slow
@pytest.mark.skipif(not GLIBC or platform.machine() != "x86_64", reason="glibc's heap on 64-bit x86")
def test_argon2_sign_ins_leave_no_memory_behind_in_mallocs_heap() -> None:
    """24 sign-ins in 4 threads: each Argon2 hash takes 19 MiB. With glibc's sliding threshold
    they came from the heap and left 75 MB free there (kept by the process); with the fixed
    threshold they are mapped and given back."""
    tuned = kept_free_mb("tuned")
    assert tuned < 8
    # The behaviour the setting exists for; how much stays depends on how the threads overlap
    # (20 to 75 MB seen), but always several hashes' worth.
    assert kept_free_mb("before") > max(15, 2 * tuned)
