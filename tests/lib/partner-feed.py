#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# partner-feed.py FROM OUT: writes a partner's calendar with python3-icalendar (another producer
# than ours), anchored at FROM (seconds since the epoch): rules with EXDATE and RECURRENCE-ID in
# Europe/Berlin and America/New_York, a block across midnight, floating times, an all-day, a
# transparent, a cancelled and an unmatched event. TZIDs without VTIMEZONE, as Google's feeds.
import datetime as dt
import sys
from zoneinfo import ZoneInfo

import icalendar

start = dt.datetime.fromtimestamp(int(sys.argv[1]), dt.timezone.utc)
out = sys.argv[2]
berlin, ny = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
cal = icalendar.Calendar()
cal.add("prodid", "-//recharged tests//partner-feed//EN")
cal.add("version", "2.0")
stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def wall(zone, days, hour, minute=0):
    """A wall-clock time in zone, days after FROM's date there."""
    d = start.astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime(d.year, d.month, d.day, hour, minute)


def event(uid, summary, dtstart, dtend, tzid=None, **extra):
    e = icalendar.Event()
    e.add("uid", uid)
    e.add("dtstamp", stamp)
    e.add("summary", summary)
    for key, value in (("dtstart", dtstart), ("dtend", dtend)):
        e.add(key, value)
        if tzid:
            e[key].params["TZID"] = tzid
    for key, value in extra.items():
        key = key.replace("_", "-")
        if isinstance(value, list):
            for v in value:
                e.add(key, v)
        else:
            e.add(key, value)
    cal.add_component(e)
    return e


def tzprop(e, key, tzid):
    for p in (e[key] if isinstance(e[key], list) else [e[key]]):
        if not hasattr(p, "params"):
            p.params = icalendar.Parameters()
        p.params["TZID"] = tzid


# Two days a week 21:00-22:00 in Berlin, for ten weeks; one excluded, one moved an hour,
# one cancelled by its override.
a0 = wall(berlin, -7, 21)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
byday = [DAYS[a0.weekday()], DAYS[(a0.weekday() + 3) % 7]]
a = event("alone-berlin", "Sam: alone time", a0, a0 + dt.timedelta(hours=1), "Europe/Berlin",
          rrule={"freq": "weekly", "byday": byday, "count": 20},
          exdate=[wall(berlin, 7, 21)])
tzprop(a, "exdate", "Europe/Berlin")
# Instances are found by dateutil, so the overrides name real ones.
from dateutil.rrule import rrule, WEEKLY
inst = list(rrule(WEEKLY, byweekday=(a0.weekday(), (a0.weekday() + 3) % 7), count=20, dtstart=a0))
moved, cancelled = inst[5], inst[8]
o = event("alone-berlin", "Sam: alone time (later)", moved + dt.timedelta(hours=1), moved + dt.timedelta(hours=2),
          "Europe/Berlin", recurrence_id=moved)
tzprop(o, "recurrence-id", "Europe/Berlin")
c = event("alone-berlin", "Sam: alone time", cancelled, cancelled + dt.timedelta(hours=1), "Europe/Berlin",
          recurrence_id=cancelled, status="CANCELLED")
tzprop(c, "recurrence-id", "Europe/Berlin")
# Every morning in New York, 07:00-07:45, forty times.
b0 = wall(ny, -3, 7)
event("coffee-ny", "Sam: coffee alone", b0, b0 + dt.timedelta(minutes=45), "America/New_York",
      rrule={"freq": "daily", "count": 40})
# Saturdays across midnight in Berlin, 23:30-00:30.
m0 = wall(berlin, 1, 23, 30)
event("late-berlin", "Sam: late walk", m0, m0 + dt.timedelta(hours=1), "Europe/Berlin",
      rrule={"freq": "weekly", "count": 9})
# Floating: 10:00-11:00 on the reader's clock, every other day, six times.
f0 = wall(berlin, 2, 10)
event("floating", "Sam: reading", f0, f0 + dt.timedelta(hours=1), rrule={"freq": "daily", "interval": 2, "count": 6})
# One in UTC.
u0 = (start + dt.timedelta(days=4)).replace(hour=12, minute=0, second=0, microsecond=0)
event("utc", "Sam: call", u0, u0 + dt.timedelta(minutes=30))
# None of these blocks: all-day, transparent, cancelled.
d0 = start.date() + dt.timedelta(days=3)
event("holiday", "Sam: holiday", d0, d0 + dt.timedelta(days=1))
t0 = wall(berlin, 5, 15)
event("free", "Sam: free time", t0, t0 + dt.timedelta(hours=1), "Europe/Berlin", transp="TRANSPARENT")
event("gone", "Sam: cancelled", t0, t0 + dt.timedelta(hours=2), "Europe/Berlin", status="CANCELLED")

with open(out, "wb") as f:
    f.write(cal.to_ical())
