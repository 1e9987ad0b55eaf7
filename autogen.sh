#!/bin/sh
# SPDX-License-Identifier: MIT
# autogen.sh: makes ./configure from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --force --install --warnings=all
