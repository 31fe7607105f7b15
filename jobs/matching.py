"""Temporary: the run services moved to ``web/runs/`` (pool, running, publishing). These
names stay until the scheduler and the coordinator pages, edited by other hands at the
same time, import them from there; then this module goes."""

from web.matches.rules import match_config
from web.runs.pool import collect_members
from web.runs.publishing import discard_run, publish_run
from web.runs.running import job_locale, lock_key, run_matching

__all__ = ["collect_members", "discard_run", "job_locale", "lock_key", "match_config", "publish_run", "run_matching"]
