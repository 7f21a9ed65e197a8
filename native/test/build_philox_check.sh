#!/bin/sh
# Builds the Philox checker the way the addon is built (-O3, no ISA flags) and
# prints its JSON. To refresh the fixture:
#   sh native/test/build_philox_check.sh > test/fixtures/philox_cpp.json
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/lattice_philox_check.$$
trap 'rm -f "$out"' EXIT
${CXX:-g++} -std=c++17 -O3 -Wall -Wextra -Werror \
  -o "$out" "$here/philox_check.cc" "$here/../kernels/philox.cc"
"$out"
