# SPDX-License-Identifier: MIT
'''plasma_notifications.py: a python-dbusmock template of KDE Plasma's notification server.

It mirrors org.freedesktop.Notifications at /org/freedesktop/Notifications as KDE/plasma-workspace
declares it in libnotificationmanager/dbus/org.freedesktop.Notifications.xml, with the behaviour
of libnotificationmanager/server_p.cpp:

- GetServerInformation -> ("Plasma", "KDE", version, "1.2"); GetCapabilities includes "inhibitions".
- Inhibit(s desktop_entry, s reason, a{sv} hints) -> u cookie: cookies count up from 1; an empty
  desktop_entry that cannot be resolved is refused with InvalidArgs; the caller's bus name is
  watched (m_inhibitionWatcher, WatchForUnregistration).
- UnInhibit(u cookie): forgets it (an unknown cookie is ignored, as Plasma does).
- When a caller leaves the bus (NameOwnerChanged to ""), every inhibition it held is released,
  as onInhibitionServiceUnregistered() does; the mock logs "released <cookie> of <name>".
- Inhibited (b, read, emits PropertiesChanged). In Plasma the notification applet sets it from
  the external inhibitions and the user's own do-not-disturb; here it is "any inhibition held".
'''

import dbus

BUS_NAME = 'org.freedesktop.Notifications'
MAIN_OBJ = '/org/freedesktop/Notifications'
MAIN_IFACE = 'org.freedesktop.Notifications'
SYSTEM_BUS = False


def _set_inhibited(mock):
    inhibited = dbus.Boolean(len(mock.inhibitions) > 0)
    if mock.Get(MAIN_IFACE, 'Inhibited') != inhibited:
        mock.UpdateProperties(MAIN_IFACE, {'Inhibited': inhibited})


def _inhibit(mock, desktop_entry, reason, hints):
    if not desktop_entry:
        # Plasma resolves the caller's process name; the mock cannot, so it refuses as Plasma
        # does when nothing meaningful comes out.
        raise dbus.exceptions.DBusException('No meaningful desktop_entry provided',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    mock.highest_cookie += 1
    mock.inhibitions[mock.highest_cookie] = (str(desktop_entry), str(reason), mock.last_sender)
    _set_inhibited(mock)
    return dbus.UInt32(mock.highest_cookie)


def _uninhibit(mock, cookie):
    if int(cookie) not in mock.inhibitions:
        mock.log(f'UnInhibit of unknown cookie {int(cookie)} ignored')
        return
    del mock.inhibitions[int(cookie)]
    _set_inhibited(mock)


def load(mock, parameters):
    mock.highest_cookie = 0
    mock.inhibitions = {}
    mock.last_sender = None

    # The sender of the call being dispatched (server_p.cpp uses message().service()).
    def remember_sender(_connection, message):
        if isinstance(message, dbus.lowlevel.MethodCallMessage) and message.get_member() == 'Inhibit':
            mock.last_sender = message.get_sender()
        return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
    mock.connection.add_message_filter(remember_sender)

    def name_owner_changed(name, old_owner, new_owner):
        if new_owner:
            return
        for cookie, (_entry, _reason, service) in list(mock.inhibitions.items()):
            if service == name:
                mock.log(f'released {cookie} of {name}')
                _uninhibit(mock, cookie)
    mock.connection.add_signal_receiver(name_owner_changed, signal_name='NameOwnerChanged',
                                        dbus_interface='org.freedesktop.DBus', bus_name='org.freedesktop.DBus',
                                        path='/org/freedesktop/DBus')

    mock.AddProperty(MAIN_IFACE, 'Inhibited', dbus.Boolean(False))
    mock.AddMethods(MAIN_IFACE, [
        ('GetServerInformation', '', 'ssss', 'ret = ("Plasma", "KDE", "5.27.5", "1.2")'),
        ('GetCapabilities', '', 'as',
         'ret = ["body", "body-hyperlinks", "body-markup", "body-images", "icon-static", "actions", '
         '"persistence", "inline-reply", "x-kde-urls", "x-kde-origin-name", "x-kde-display-appname", '
         '"inhibitions"]'),
        ('Notify', 'susssasa{sv}i', 'u', 'self.next_id = getattr(self, "next_id", 0) + 1\nret = args[1] or self.next_id'),
        ('CloseNotification', 'u', '', ''),
        ('Inhibit', 'ssa{sv}', 'u', lambda self, entry, reason, hints: _inhibit(self, entry, reason, hints)),
        ('UnInhibit', 'u', '', lambda self, cookie: _uninhibit(self, cookie)),
    ])
