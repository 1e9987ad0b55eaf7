# SPDX-License-Identifier: MIT
'''share1_mock.py: a python-dbusmock template of recharged-share's org.recharged.Share1 for the
client tests.

It mirrors the object as share/share.c exports it (State s, LastSync t, LastError s, Published u,
Sync()) and the partner properties of the contract in DESIGN.md ("Sharing": PartnerName s,
PartnerMode s, PartnerUntil t, PartnerNextStart t, PartnerNextEnd t, PartnerUpdated t), with
PropertiesChanged. Sync() behaves as share.c's method_sync: refused with NotSupported and the same
words while State is "disabled", else "syncing" and then "idle" with a new LastSync.

Parameters (JSON): {"partner": false} leaves the partner properties out (a recharged-share from
before them); any property name sets its first value.

The tests drive it with org.recharged.Share1.Mock.Drive(a{sv}): each name must be one of the
contract's with its type (a test cannot make the stand-in say what the real one cannot), and one
PropertiesChanged carries them all.
'''

import time

import dbus
from gi.repository import GLib

BUS_NAME = 'org.recharged.Share1'
MAIN_OBJ = '/org/recharged/Share1'
MAIN_IFACE = 'org.recharged.Share1'
SYSTEM_BUS = False

DRIVE_IFACE = 'org.recharged.Share1.Mock'

CONTRACT = {
    'State': dbus.String,
    'LastSync': dbus.UInt64,
    'LastError': dbus.String,
    'Published': dbus.UInt32,
    'PartnerName': dbus.String,
    'PartnerMode': dbus.String,
    'PartnerUntil': dbus.UInt64,
    'PartnerNextStart': dbus.UInt64,
    'PartnerNextEnd': dbus.UInt64,
    'PartnerUpdated': dbus.UInt64,
}
STATES = ('disabled', 'idle', 'syncing', 'offline', 'refused')
PARTNER_MODES = ('recharging', 'available', 'unknown')


def _check(name, value):
    if name not in CONTRACT:
        raise dbus.exceptions.DBusException(f'{name} is not a Share1 property',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    want = CONTRACT[name]
    if not isinstance(value, want):
        raise dbus.exceptions.DBusException(f'{name} has type {want.__name__}, not {type(value).__name__}',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    if name == 'State' and value not in STATES:
        raise dbus.exceptions.DBusException(f'State {value} is not one of {STATES}',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    if name == 'PartnerMode' and value not in PARTNER_MODES:
        raise dbus.exceptions.DBusException(f'PartnerMode {value} is not one of {PARTNER_MODES}',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    return want(value)


def load(mock, parameters):
    partner = parameters.get('partner', True)
    props = {
        'State': dbus.String('idle'),
        'LastSync': dbus.UInt64(0),
        'LastError': dbus.String(''),
        'Published': dbus.UInt32(0),
    }
    if partner:
        props.update({
            'PartnerName': dbus.String(''),
            'PartnerMode': dbus.String('unknown'),
            'PartnerUntil': dbus.UInt64(0),
            'PartnerNextStart': dbus.UInt64(0),
            'PartnerNextEnd': dbus.UInt64(0),
            'PartnerUpdated': dbus.UInt64(0),
        })
    for name, value in parameters.items():
        if name in props:
            props[name] = CONTRACT[name](value)
    mock.AddProperties(MAIN_IFACE, props)

    def drive(changes):
        checked = {}
        for name, value in changes.items():
            if name not in mock.props[MAIN_IFACE]:
                raise dbus.exceptions.DBusException(f'{name} is not on this Share1',
                                                    name='org.freedesktop.DBus.Error.InvalidArgs')
            checked[name] = _check(name, value)
        mock.UpdateProperties(MAIN_IFACE, checked)

    def sync_done():
        mock.UpdateProperties(MAIN_IFACE, {'State': dbus.String('idle'), 'LastError': dbus.String(''),
                                           'LastSync': dbus.UInt64(int(time.time() * 1000000))})
        return False

    def sync():
        if mock.props[MAIN_IFACE]['State'] == 'disabled':
            raise dbus.exceptions.DBusException('Sharing is off: the config has no [share] section.',
                                                name='org.freedesktop.DBus.Error.NotSupported')
        mock.UpdateProperties(MAIN_IFACE, {'State': dbus.String('syncing')})
        GLib.timeout_add(50, sync_done)

    mock.drive = drive
    mock.sync = sync
    mock.AddMethods(MAIN_IFACE, [('Sync', '', '', 'self.sync()')])
    mock.AddMethods(DRIVE_IFACE, [('Drive', 'a{sv}', '', 'self.drive(args[0])')])
