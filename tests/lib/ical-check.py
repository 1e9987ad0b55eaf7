#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# ical-check.py: reads `rechargectl export` with python3-icalendar, expands every RRULE in the
# calendar's own VTIMEZONE, and compares the events with the daemon's Upcoming over a range.
#
#   ical-check.py CALENDAR.ics UPCOMING.json FROM_USEC TO_USEC [ZONE]
#
# UPCOMING.json is busctl's --json=short data of Upcoming(FROM, TO). With ZONE, the VTIMEZONE's
# offsets are also checked against the system's zone of that name, day by day over the range.
# Prints one summary line; exits 1 with the differences on a mismatch.
import datetime
import json
import sys

import dateutil.rrule
import icalendar
import pytz


def fail(msg, lines=()):
    print(msg)
    for line in list(lines)[:20]:
        print("  " + str(line))
    sys.exit(1)


def localize(tz, naive):
    """RFC 5545 §3.3.5: a time in a gap moves forward by the gap; a repeated one is the first."""
    try:
        return tz.localize(naive, is_dst=None)
    except pytz.exceptions.AmbiguousTimeError:
        return tz.localize(naive, is_dst=True)
    except pytz.exceptions.NonExistentTimeError:
        return tz.localize(naive, is_dst=False)


def raw_local(prop):
    """The property's wall-clock value as written, and its TZID, ignoring icalendar's own zone lookup."""
    text = prop.to_ical().decode()
    return datetime.datetime.strptime(text[:15], "%Y%m%dT%H%M%S"), prop.params.get("TZID")


def main():
    ics, upcoming, t_from, t_to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    zone = sys.argv[5] if len(sys.argv) > 5 else None

    with open(ics, "rb") as f:
        data = f.read()
    cal = icalendar.Calendar.from_ical(data)
    problems = [(c.name, e) for c in cal.walk() for e in getattr(c, "errors", [])]
    if problems:
        fail("the parser reported errors", problems)

    zones = {str(tz["TZID"]): tz.to_tz() for tz in cal.walk("VTIMEZONE")}
    if not zones:
        fail("no VTIMEZONE")

    lo = datetime.datetime.fromtimestamp(t_from / 1e6, datetime.timezone.utc)
    hi = datetime.datetime.fromtimestamp(t_to / 1e6, datetime.timezone.utc)

    if zone:
        ours, system = zones[zone], pytz.timezone(zone)
        bad = []
        t = lo
        while t < hi:
            if t.astimezone(ours).utcoffset() != t.astimezone(system).utcoffset():
                bad.append(t.isoformat())
            t += datetime.timedelta(hours=6)
        if bad:
            fail("the VTIMEZONE disagrees with %s at %d instants" % (zone, len(bad)), bad)

    uids = set()
    mine = set()
    for ev in cal.walk("VEVENT"):
        for key in ("UID", "DTSTAMP", "DTSTART", "RRULE", "X-RECHARGED-ENTRY"):
            if key not in ev:
                fail("a VEVENT without %s" % key, [ev.to_ical()])
        uid = str(ev["UID"])
        if uid in uids:
            fail("UID used twice: " + uid)
        uids.add(uid)
        entry = str(ev["X-RECHARGED-ENTRY"])
        block = "recharge" in str(ev.get("CATEGORIES").to_ical().decode())
        start, tzid = raw_local(ev["DTSTART"])
        tz = zones[tzid]
        end = duration = None
        if "DTEND" in ev:
            end, _ = raw_local(ev["DTEND"])
        elif "DURATION" in ev:
            duration = ev["DURATION"].dt

        rule = ev["RRULE"]
        until = rule.get("UNTIL")
        rule = icalendar.vRecur({k: v for k, v in rule.items() if k != "UNTIL"})
        until = until[0] if until else None
        # Expand on the wall clock (as RFC 5545 does for a DTSTART with TZID), then place each.
        rr = dateutil.rrule.rrulestr(rule.to_ical().decode(), dtstart=start)
        first = (lo.astimezone(tz) - datetime.timedelta(days=2)).replace(tzinfo=None)
        last = (hi.astimezone(tz) + datetime.timedelta(days=2)).replace(tzinfo=None)
        for occ in rr.between(first, last, inc=True):
            s = localize(tz, occ)
            if until is not None and s > until:
                continue
            times = [("start" if block else "reminder", s)]
            if block:
                if end is not None:
                    times.append(("end", localize(tz, end + (occ - start))))
                else:
                    times.append(("end", s + duration))
            for kind, t in times:
                if lo <= t < hi:
                    mine.add((entry, kind, int(t.timestamp())))

    with open(upcoming) as f:
        up = json.load(f)
    if isinstance(up, dict):
        up = up["data"]
    if up and isinstance(up[0], list) and up[0] and isinstance(up[0][0], list):
        up = up[0]
    theirs = {(e[0], e[2], e[3] // 1000000) for e in up if e[2] in ("start", "end", "reminder")}

    if mine != theirs:
        only_mine = sorted(mine - theirs, key=lambda x: x[2])
        only_theirs = sorted(theirs - mine, key=lambda x: x[2])
        fail("the calendar and Upcoming differ: %d only in the calendar, %d only in Upcoming"
             % (len(only_mine), len(only_theirs)),
             ["calendar: %s %s %s" % (e, k, datetime.datetime.fromtimestamp(t, datetime.timezone.utc))
              for e, k, t in only_mine] +
             ["Upcoming: %s %s %s" % (e, k, datetime.datetime.fromtimestamp(t, datetime.timezone.utc))
              for e, k, t in only_theirs])
    print("%d events agree (%d VEVENTs)" % (len(mine), len(uids)))


if __name__ == "__main__":
    main()
