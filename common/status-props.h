/* SPDX-License-Identifier: MIT */
/* status-props.h: the root object's status properties, in the contract's order, as one table
 * that the daemon's vtable, its PropertiesChanged diff, GetStatus and the client all use. */
#pragma once

/* X(ENUM, "Name", "type") for each property that changes; Version is const and apart. */
#define STATUS_PROPERTIES(X)                             \
        X(MODE, "Mode", "s")                             \
        X(DO_NOT_DISTURB, "DoNotDisturb", "b")           \
        X(SOURCE, "Source", "s")                         \
        X(ENTRY, "Entry", "s")                           \
        X(SINCE, "Since", "t")                           \
        X(UNTIL, "Until", "t")                           \
        X(MESSAGE, "Message", "s")                       \
        X(STATUS_TEXT, "StatusText", "s")                \
        X(NEXT_ENTRY, "NextEntry", "s")                  \
        X(NEXT_EVENT, "NextEvent", "s")                  \
        X(NEXT_EVENT_TIME, "NextEventTime", "t")         \
        X(PAUSED_UNTIL, "PausedUntil", "t")              \
        X(TIME_ZONE, "TimeZone", "s")                    \
        X(PRESENCE, "Presence", "s")

typedef enum StatusProperty {
#define STATUS_PROPERTY_ENUM(e, name, type) PROP_##e,
        STATUS_PROPERTIES(STATUS_PROPERTY_ENUM)
#undef STATUS_PROPERTY_ENUM
        _PROP_MAX,
} StatusProperty;

typedef struct StatusPropertyInfo {
        const char *name;
        const char *type; /* a D-Bus signature: "s", "b" or "t" */
} StatusPropertyInfo;

static const StatusPropertyInfo status_property_info[_PROP_MAX] = {
#define STATUS_PROPERTY_INFO(e, n, t) [PROP_##e] = { .name = n, .type = t },
        STATUS_PROPERTIES(STATUS_PROPERTY_INFO)
#undef STATUS_PROPERTY_INFO
};
