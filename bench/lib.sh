# SPDX-License-Identifier: MIT
# lib.sh: how every bench script begins, sourced as `. "$(dirname "$0")/lib.sh"`: the build folder
# (this one unless top_builddir says), the source tree (lib.sh's parent folder) and the tests'
# helpers (tests/lib/tap.sh, tests/lib/daemon.sh: a private bus, the daemon, its config).
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export top_builddir top_srcdir
# shellcheck source=../tests/lib/tap.sh
. "$top_srcdir/tests/lib/tap.sh"
# shellcheck source=../tests/lib/daemon.sh
. "$top_srcdir/tests/lib/daemon.sh"
