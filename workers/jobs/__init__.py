"""Job functions: thin, each calls domain services. `ctx` carries what the runner set up
(settings, enqueue, notifier, relay) and, per run, `job_try`."""

from workers.jobs.close import close_of_business, close_range, resume_close
from workers.jobs.learning import learn_outcomes
from workers.jobs.limits import refresh_limits
from workers.jobs.pools import close_pool_periods
from workers.jobs.relay import relay
from workers.jobs.reminders import deliver_reminder, send_reminders

JOBS = {
    f.__name__: f
    for f in (close_of_business, close_range, resume_close, send_reminders, deliver_reminder, refresh_limits,
              learn_outcomes, relay, close_pool_periods)
}

__all__ = ["JOBS", "close_of_business", "close_pool_periods", "close_range", "deliver_reminder", "learn_outcomes",
           "refresh_limits", "relay", "resume_close", "send_reminders"]
