#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# caldav-read.py: an independent reader of a CalDAV collection for the tests: a plain
# calendar-query REPORT (urllib) and python3-icalendar, nothing of recharged-share's own code.
# Prints one line per VEVENT, sorted: "UID START END SUMMARY|CLASS|TRANSP|HREF" with times as
# epoch seconds (END = START when there is none). Exit 2 when the server cannot be read.
# Usage: caldav-read.py URL USER PASSWORD [CA-FILE]
import base64
import ssl
import signal
import sys
import urllib.request
import xml.etree.ElementTree as ET

import icalendar

# A reader piped into grep -q stops quietly when grep has seen enough.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

url, user, password = sys.argv[1:4]
context = ssl.create_default_context(cafile=sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None
body = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
 <D:prop><D:getetag/><C:calendar-data/></D:prop>
 <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>"""
req = urllib.request.Request(url, data=body, method="REPORT")
req.add_header("Depth", "1")
req.add_header("Content-Type", "application/xml; charset=utf-8")
req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
try:
    with urllib.request.urlopen(req, timeout=20, context=context) as r:
        doc = ET.fromstring(r.read())
except Exception as e:  # noqa: BLE001 - any failure is "cannot read"
    print(f"cannot read {url}: {e}", file=sys.stderr)
    sys.exit(2)

NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
lines = []
for resp in doc.findall("D:response", NS):
    href = resp.findtext("D:href", default="", namespaces=NS)
    data = resp.findtext(".//C:calendar-data", default="", namespaces=NS)
    if not data:
        continue
    for ev in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        start = int(ev.decoded("DTSTART").timestamp())
        end = int(ev.decoded("DTEND").timestamp()) if "DTEND" in ev else start
        lines.append(f"{ev.get('UID')} {start} {end} {ev.get('SUMMARY')}|{ev.get('CLASS')}|{ev.get('TRANSP')}|{href.rsplit('/', 1)[-1]}")
for line in sorted(lines):
    print(line)
