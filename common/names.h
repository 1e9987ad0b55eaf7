/* SPDX-License-Identifier: MIT */
/* names.h: the bus names, object paths, interfaces and errors that make up recharged's contract. */
#pragma once

#define RECHARGED_BUS_NAME "org.recharged.Recharged1"
#define RECHARGED_OBJECT_PATH "/org/recharged/Recharged1"
#define RECHARGED_INTERFACE "org.recharged.Recharged1"
#define RECHARGED_ENTRY_PATH_PREFIX "/org/recharged/Recharged1/entry"
#define RECHARGED_ENTRY_INTERFACE "org.recharged.Recharged1.Entry"

#define RECHARGED_ERROR_NO_SUCH_ENTRY "org.recharged.Recharged1.Error.NoSuchEntry"
#define RECHARGED_ERROR_NOT_RECHARGING "org.recharged.Recharged1.Error.NotRecharging"
#define RECHARGED_ERROR_INVALID_CONFIG "org.recharged.Recharged1.Error.InvalidConfig"

/* Limits every caller is held to where the value enters. */
#define RECHARGED_MESSAGE_MAX 1024             /* bytes in a message */
#define RECHARGED_DURATION_MAX (366ULL * 24 * 3600 * 1000000) /* a year (leap), µs */
#define RECHARGED_ENTRIES_MAX 4096
#define RECHARGED_ENTRY_NAME_MAX 64
