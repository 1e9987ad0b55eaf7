#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# ical-check.py: reads `rechargectl export` with python3-icalendar, expands every RRULE in the
# calendar's own VTIMEZONE, takes out the EXDATEs, puts in the RECURRENCE-ID overrides and the
# one-off events, and compares the result with the daemon's Upcoming over a range.
#
#   ical-check.py CALENDAR.ics UPCOMING.json FROM_USEC TO_USEC [ZONE [DND_BLOCKS]]
#
# UPCOMING.json is busctl's --json=short data of Upcoming(FROM, TO). With ZONE, the VTIMEZONE's
# offsets are also checked against the system's zone of that name, day by day over the range.
# DND_BLOCKS (comma-separated) are the blocks with dnd: a reminder the calendar has during one of
# them, or during the manual recharge, is held to its end as the daemon does (the calendar keeps
# such reminders at their planned time; recharged.conf(5) says why).
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
    zone = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != "-" else None
    dnd = set(sys.argv[6].split(",")) if len(sys.argv) > 6 else set()

    with open(upcoming) as f:
        up = json.load(f)
    if isinstance(up, dict):
        up = up["data"]
    if up and isinstance(up[0], list) and up[0] and isinstance(up[0][0], list):
        up = up[0]
    # the dnd recharges in Upcoming, merged (touching ones too); one begun before FROM from -inf
    holds, open_ = [], {}
    for e in up:
        if not (e[1] == "manual" or e[0] in dnd) or e[2] not in ("start", "end"):
            continue
        if e[2] == "start":
            open_.setdefault(e[0], []).append(e[3] // 1000000)
        else:
            starts = open_.get(e[0]) or [-2**62]
            holds.append((starts.pop(0), e[3] // 1000000))
    for k, starts in open_.items():
        holds += [(t, 2**62) for t in starts]
    holds.sort()
    merged = []
    for a, b in holds:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])

    def held(t):
        for a, b in merged:
            if a <= t < b:
                return b
        return None

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

    def add(entry, block, s, e):
        if not block:
            h = held(int(s.timestamp()))
            if h is not None and h >= 2**62:
                # held by a recharge that ends after the window (or is never seen to end):
                # released after it, so not in it
                return
            if h is not None:
                s = datetime.datetime.fromtimestamp(h, datetime.timezone.utc)
        times = [("start" if block else "reminder", s)]
        if block and e is not None:
            times.append(("end", e))
        for kind, t in times:
            if lo <= t < hi:
                mine.add((entry, kind, int(t.timestamp())))

    def prop_list(ev, key):
        v = ev.get(key)
        return [] if v is None else v if isinstance(v, list) else [v]

    uids = set()
    mine = set()
    masters, overrides = [], []
    for ev in cal.walk("VEVENT"):
        for key in ("UID", "DTSTAMP", "DTSTART"):
            if key not in ev:
                fail("a VEVENT without %s" % key, [ev.to_ical()])
        uid = str(ev["UID"])
        if "RECURRENCE-ID" in ev:
            overrides.append(ev)
            continue
        if uid in uids:
            fail("UID used twice: " + uid)
        uids.add(uid)
        if "RRULE" in ev and "X-RECHARGED-ENTRY" not in ev:
            fail("a recurring VEVENT without X-RECHARGED-ENTRY", [ev.to_ical()])
        masters.append(ev)

    def times_of(ev):
        """Start and end (None for a reminder, or an open-ended recharge) as aware datetimes;
        the wall-clock DTSTART and its zone for a recurring one."""
        block = "recharge" in str(ev.get("CATEGORIES").to_ical().decode())
        if ev["DTSTART"].params.get("TZID"):
            start, tzid = raw_local(ev["DTSTART"])
            tz = zones[tzid]
            s = localize(tz, start)
        else:
            start, tz, s = None, None, ev["DTSTART"].dt
        e = None
        if "DTEND" in ev:
            e = ev["DTEND"].dt if not ev["DTEND"].params.get("TZID") else localize(tz, raw_local(ev["DTEND"])[0])
        elif "DURATION" in ev and block:
            e = s + ev["DURATION"].dt
        return block, start, tz, s, e

    # RECURRENCE-ID overrides: the instance they replace, per UID
    replaced = {}
    for ev in overrides:
        uid = str(ev["UID"])
        if uid not in uids:
            fail("a RECURRENCE-ID for an unknown UID " + uid)
        rid, tzid = raw_local(ev["RECURRENCE-ID"])
        replaced.setdefault(uid, set()).add(rid)
        block, _, _, s, e = times_of(ev)
        add(str(ev["X-RECHARGED-ENTRY"]), block, s, e)

    for ev in masters:
        uid = str(ev["UID"])
        entry = str(ev.get("X-RECHARGED-ENTRY", ""))
        block, start, tz, s0, e0 = times_of(ev)
        if "RRULE" not in ev:
            add(entry, block, s0, e0)
            continue
        exdates = set()
        for prop in prop_list(ev, "EXDATE"):
            for v in prop.to_ical().decode().split(","):
                exdates.add(datetime.datetime.strptime(v[:15], "%Y%m%dT%H%M%S"))
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
        for rid in replaced.get(uid, set()) | exdates:
            if rr.between(rid, rid, inc=True) != [rid]:
                fail("%s: EXDATE or RECURRENCE-ID %s is not an instance of the rule" % (uid, rid))
        first = (lo.astimezone(tz) - datetime.timedelta(days=2)).replace(tzinfo=None)
        last = (hi.astimezone(tz) + datetime.timedelta(days=2)).replace(tzinfo=None)
        for occ in rr.between(first, last, inc=True):
            if occ in exdates or occ in replaced.get(uid, set()):
                continue
            s = localize(tz, occ)
            if until is not None and s > until:
                continue
            e = None
            if block:
                e = localize(tz, end + (occ - start)) if end is not None else s + duration
            add(entry, block, s, e)

    # Upcoming may begin before FROM (so that a dnd recharge begun before the window, and the
    # reminders it holds into it, are known): only the window is compared.
    theirs = {(e[0], e[2], e[3] // 1000000) for e in up
              if e[2] in ("start", "end", "reminder") and t_from <= e[3] < t_to}

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
