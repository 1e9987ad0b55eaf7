#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# notify-hang.py: a notification server that takes every Notify and never answers it (GDBus),
# for the test that recharged's loop does not wait for one. GetCapabilities and
# GetServerInformation answer, as a live but stuck server's would.
# With --until-usr1 it holds the Notify calls only until SIGUSR1, then answers them in order
# (ids 1, 2, …) and every later one at once; each Notify is printed as "Notify REPLACES SUMMARY".
import signal
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
  </interface>
</node>
"""

held = []  # the unanswered calls: kept so GDBus does not answer them for us
until_usr1 = "--until-usr1" in sys.argv[1:]
released = False
next_id = [1]


def answer(invocation):
    invocation.return_value(GLib.Variant("(u)", (next_id[0],)))
    next_id[0] += 1


def on_usr1():
    global released
    released = True
    while held:
        answer(held.pop(0))
    print("released", flush=True)
    return GLib.SOURCE_CONTINUE


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body", "actions"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("hang", "test", "1", "1.2")))
    elif method == "Notify" and until_usr1:
        print(f"Notify {params[1]} {params[3]}", flush=True)
        if released:
            answer(invocation)
        else:
            held.append(invocation)
            print("held Notify", flush=True)
    elif method == "CloseNotification" and until_usr1:
        invocation.return_value(None)
    else:
        held.append(invocation)
        print(f"held {method}", flush=True)


def on_bus(conn, name):
    conn.register_object("/org/freedesktop/Notifications", Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0],
                         on_call, None, None)


def on_name_lost(conn, name):
    sys.exit(1)


if until_usr1:
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, on_usr1)
Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE,
                 on_bus, None, on_name_lost)
GLib.MainLoop().run()
