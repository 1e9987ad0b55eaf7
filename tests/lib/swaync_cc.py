# SPDX-License-Identifier: MIT
'''swaync_cc.py: a python-dbusmock template of SwayNotificationCenter ≥ 0.8 for recharged's tests.

It mirrors the control-center interface org.erikreider.swaync.cc at /org/erikreider/swaync/cc as
ErikReider/SwayNotificationCenter declares it in src/swayncDaemon/swayncDaemon.vala (the
inhibitor methods, since 0.8.0: AddInhibitor(s) -> b, RemoveInhibitor(s) -> b,
NumberOfInhibitors() -> u, IsInhibited() -> b, ClearInhibitors() -> b; and SetDnd(b), GetDnd() -> b,
ToggleDnd() -> b), and GetServerInformation of src/notiDaemon/notiDaemon.vala ("SwayNotificationCenter")
on org.freedesktop.Notifications, which swaync owns too. Debian 12's 0.7.3 has no inhibitors;
the tests run that one for real.
'''

import dbus

BUS_NAME = 'org.erikreider.swaync.cc'
MAIN_OBJ = '/org/erikreider/swaync/cc'
MAIN_IFACE = 'org.erikreider.swaync.cc'
SYSTEM_BUS = False

NOTIFY_NAME = 'org.freedesktop.Notifications'
NOTIFY_OBJ = '/org/freedesktop/Notifications'


def load(mock, parameters):
    mock.inhibitors = []
    mock.dnd = False
    # swaync owns both names on one connection.
    mock.notify_name = dbus.service.BusName(NOTIFY_NAME, mock.connection, allow_replacement=False,
                                            replace_existing=False, do_not_queue=True)

    mock.AddMethods(MAIN_IFACE, [
        # add_inhibitor: false if the application_id already exists, otherwise true.
        ('AddInhibitor', 's', 'b',
         'ret = args[0] not in self.inhibitors\n'
         'if ret:\n'
         '    self.inhibitors.append(args[0])'),
        # remove_inhibitor: false if the application_id doesn't exist, otherwise true.
        ('RemoveInhibitor', 's', 'b',
         'ret = args[0] in self.inhibitors\n'
         'if ret:\n'
         '    self.inhibitors.remove(args[0])'),
        ('NumberOfInhibitors', '', 'u', 'ret = len(self.inhibitors)'),
        ('IsInhibited', '', 'b', 'ret = len(self.inhibitors) > 0'),
        ('ClearInhibitors', '', 'b', 'ret = len(self.inhibitors) > 0\nself.inhibitors = []'),
        ('SetDnd', 'b', '', 'self.dnd = bool(args[0])'),
        ('GetDnd', '', 'b', 'ret = self.dnd'),
        ('ToggleDnd', '', 'b', 'self.dnd = not self.dnd\nret = self.dnd'),
    ])

    mock.AddObject(NOTIFY_OBJ, NOTIFY_NAME, {}, [
        ('GetServerInformation', '', 'ssss', 'ret = ("SwayNotificationCenter", "ErikReider", "0.12.6", "1.2")'),
        ('GetCapabilities', '', 'as', 'ret = ["actions", "body", "body-markup", "body-images", "persistence"]'),
        ('Notify', 'susssasa{sv}i', 'u', 'ret = 1'),
        ('CloseNotification', 'u', '', ''),
    ])
