"""The default service levels of SPEC §3, used for new SLA policies and when a work order has no contract.

SPEC gives: A on site 2 h (city) / 24 h (other counties), detailed solution within 48 h; B on site 48 h, solution
within 72 h; C reply within 72 h, agreed plan within 108 h; D no clock. Intake response: phone or walk-in 15 min,
fax or email 12 h. The SPEC names no separate resolution target, so resolution defaults to the solution target
(an editable starting point); remote sites get twice the county arrival target.
"""

from datetime import timedelta

from weibao.contracts.choices import Severity

HOUR = 60

# severity -> field -> minutes (None = no clock)
DEFAULT_TARGETS: dict[str, dict[str, int | None]] = {
    Severity.A: {
        "response_minutes": None,
        "arrival_city_minutes": 2 * HOUR,
        "arrival_county_minutes": 24 * HOUR,
        "arrival_remote_minutes": 48 * HOUR,
        "plan_minutes": 48 * HOUR,
        "resolution_minutes": 48 * HOUR,
        "observation_hours": 72,
    },
    Severity.B: {
        "response_minutes": None,
        "arrival_city_minutes": 48 * HOUR,
        "arrival_county_minutes": 48 * HOUR,
        "arrival_remote_minutes": 96 * HOUR,
        "plan_minutes": 72 * HOUR,
        "resolution_minutes": 72 * HOUR,
        "observation_hours": 72,
    },
    Severity.C: {
        "response_minutes": 72 * HOUR,
        "arrival_city_minutes": None,
        "arrival_county_minutes": None,
        "arrival_remote_minutes": None,
        "plan_minutes": 108 * HOUR,
        "resolution_minutes": 108 * HOUR,
        "observation_hours": 168,
    },
    Severity.D: {
        "response_minutes": None,
        "arrival_city_minutes": None,
        "arrival_county_minutes": None,
        "arrival_remote_minutes": None,
        "plan_minutes": None,
        "resolution_minutes": None,
        "observation_hours": 168,
    },
}
DEFAULT_RESPONSE_SPOKEN = timedelta(minutes=15)
DEFAULT_RESPONSE_WRITTEN = timedelta(hours=12)
DEFAULT_WARN_PERCENT = 75
DEFAULT_PAUSE_STATES = frozenset({"waiting_customer"})
