#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# introspect-filter.py: keeps only recharged's own interfaces from introspection XML (one or
# more documents, e.g. the root object and an entry object) and prints them as one <node> in a
# canonical layout, so the installed dbus/org.recharged.Recharged1.xml and what the running
# daemon introspects can be compared byte for byte.
import sys
import xml.etree.ElementTree as ET

HEADER = ('<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
          '"https://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n'
          '<!-- SPDX-License-Identifier: MIT -->\n'
          '<!-- recharged\'s D-Bus interfaces: org.recharged.Recharged1 at /org/recharged/Recharged1,\n'
          '     org.recharged.Recharged1.Entry at /org/recharged/Recharged1/entry/<name>. Generated\n'
          '     from the running daemon with tests/lib/introspect-filter.py; a test keeps it equal. -->\n')


ORDER = ["name", "type", "direction", "access", "value"]


def attrs(e):
    return dict(sorted(e.attrib.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else 99, kv[0])))


def main():
    out = ET.Element("node")
    seen = set()
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            root = ET.fromstring(f.read())
        for iface in root.findall("interface"):
            name = iface.get("name")
            if not name.startswith("org.recharged.") or name in seen:
                continue
            seen.add(name)
            clean = ET.SubElement(out, "interface", {"name": name})
            for member in iface:
                m = ET.SubElement(clean, member.tag, attrs(member))
                for sub in member:
                    ET.SubElement(m, sub.tag, attrs(sub))
    out[:] = sorted(out, key=lambda e: e.get("name"))
    ET.indent(out, space="  ")
    sys.stdout.write(HEADER + ET.tostring(out, encoding="unicode") + "\n")


if __name__ == "__main__":
    main()
