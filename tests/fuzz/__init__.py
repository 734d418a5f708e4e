"""Property-based and corpus tests: damaged and hostile input through the real commands.

``make test`` runs each property with a short, fixed budget (the same examples every run);
``make fuzz`` runs them under the ``fuzz`` profile for as long as asked (see tests/fuzz/run.py).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

FUZZ_PROFILE = "fuzz"


DEFAULT_PROFILE = "repeatable"


def register_profiles() -> None:
    """The default profile: every property test of ``make test`` sees the same examples on
    every run and machine (a CI run passes or fails on the code, never on the draw), without
    the example database a fresh clone does not have anyway. And the long profile, for
    ``pytest --hypothesis-profile=fuzz`` (``make fuzz``): many examples per property and round
    (KPI_FUZZ_EXAMPLES), each round with new random seeds."""
    settings.register_profile(
        FUZZ_PROFILE,
        max_examples=int(os.environ.get("KPI_FUZZ_EXAMPLES", "2000")),
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    # registered after the fuzz profile, which would otherwise inherit its fixed draws
    settings.register_profile(DEFAULT_PROFILE, derandomize=True, database=None)
    settings.load_profile(DEFAULT_PROFILE)


def budget(short: int, long: int | None = None) -> settings:
    """``short`` examples, derandomized and not shrunk, in ``make test``; the fuzz profile's
    (random, shrunk, with the example database) under ``make fuzz``, at most ``long``.
    No deadline: the machine is shared, and speed is measured by bench/, never by a test."""
    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
    if settings.get_current_profile_name() == FUZZ_PROFILE:
        examples = min(settings.default.max_examples, long or settings.default.max_examples)
        return settings(max_examples=examples, deadline=None, suppress_health_check=quiet)
    return settings(
        max_examples=short,
        derandomize=True,
        deadline=None,
        suppress_health_check=quiet,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found
    )
