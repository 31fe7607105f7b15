"""The exceptions the matcher raises."""

from __future__ import annotations

__all__ = ["InputError", "ConfigError", "SolverError"]


class InputError(Exception):
    """Bad member input: every problem found, each with its line number.

    Parameters
    ----------
    problems : list of (int, str)
        ``(line_number, message)`` pairs, line numbers counted from 1.

    Examples
    --------
    >>> err = InputError([(3, "missing field 'id'"), (5, "unknown role 'boss'")])
    >>> print(err)
    line 3: missing field 'id'
    line 5: unknown role 'boss'
    """

    def __init__(self, problems):
        self.problems = sorted(((int(n), str(m)) for n, m in problems), key=lambda p: p[0])
        super().__init__(self.problems)

    def __str__(self):
        return "\n".join(f"line {n}: {m}" for n, m in self.problems)


class ConfigError(ValueError):
    """A matching configuration that cannot be used (unknown key, bad value).

    Examples
    --------
    >>> print(ConfigError("unknown key 'w_goal'"))
    unknown key 'w_goal'
    """


class SolverError(RuntimeError):
    """The assignment solver failed or returned an inconsistent answer.

    This is a bug or a resource limit, never bad input; the message says which
    step failed.

    Examples
    --------
    >>> print(SolverError("min-cost flow did not solve (status 3)"))
    min-cost flow did not solve (status 3)
    """
