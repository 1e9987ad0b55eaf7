#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# partner-expect.py FILE FROM: the busy blocks of an iCalendar FILE from a day before FROM to 60
# days after (seconds since the epoch), as 'START END' lines, computed independently of
# recharged-share: python3-icalendar reads, dateutil expands the rules, zoneinfo converts (TZ is
# the zone of floating times). The rules are recharged-share(8)'s: all-day, transparent and
# cancelled events block nothing, an override replaces its instance, every instance lasts as
# long as the first in real time.
import datetime as dt
import os
import sys
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rruleset, rrulestr

UTC = dt.timezone.utc
local = ZoneInfo(os.environ.get("TZ", "UTC").lstrip(":"))
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
frm = int(sys.argv[2])
lo, hi = frm - 86400, frm + 60 * 86400
match = sys.argv[3].lower() if len(sys.argv) > 3 else ""


def aware(prop):
    """A DTSTART-like property as an aware datetime on its own clock; None for a DATE."""
    v = prop.dt
    if not isinstance(v, dt.datetime):
        return None
    tzid = prop.params.get("TZID")
    if tzid:
        return v.replace(tzinfo=None).replace(tzinfo=ZoneInfo(tzid))
    if v.tzinfo is None:
        return v.replace(tzinfo=local)
    return v.astimezone(UTC)


def props(ev, name):
    p = ev.get(name)
    if p is None:
        return []
    return p if isinstance(p, list) else [p]


def counts(ev):
    return (str(ev.get("status", "")).upper() != "CANCELLED" and str(ev.get("transp", "")).upper() != "TRANSPARENT"
            and (not match or match in str(ev.get("summary", "")).lower()))


overrides = set()
for ev in cal.walk("VEVENT"):
    if ev.get("recurrence-id") is not None:
        t = aware(ev["recurrence-id"])
        if t is not None:
            overrides.add((str(ev["uid"]), int(t.timestamp())))

blocks = set()
for ev in cal.walk("VEVENT"):
    start = aware(ev["dtstart"])
    if start is None or not counts(ev):
        continue
    if ev.get("dtend") is not None:
        end = aware(ev["dtend"])
        length = int(end.timestamp()) - int(start.timestamp())
    elif ev.get("duration") is not None:
        length = int(ev["duration"].dt.total_seconds())
    else:
        continue
    if length <= 0:
        continue
    uid = str(ev.get("uid", ""))
    if ev.get("recurrence-id") is not None or ev.get("rrule") is None:
        starts = [int(start.timestamp())]
    else:
        rs = rruleset()
        rs.rrule(rrulestr(ev["rrule"].to_ical().decode(), dtstart=start))
        starts = []
        excluded = set()
        for p in props(ev, "exdate"):
            for d in p.dts:
                x = d.dt
                tzid = p.params.get("TZID")
                x = x.replace(tzinfo=None).replace(tzinfo=ZoneInfo(tzid)) if tzid else (x.replace(tzinfo=local) if x.tzinfo is None else x)
                excluded.add(int(x.timestamp()))
        for t in rs:
            ts = int(t.timestamp())
            if ts >= hi:
                break
            if ts in excluded or (uid, ts) in overrides:
                continue
            starts.append(ts)
    for s in starts:
        if s + length > lo and s < hi:
            blocks.add((s, s + length))

for s, e in sorted(blocks):
    print(s, e)
