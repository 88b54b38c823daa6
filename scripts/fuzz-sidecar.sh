#!/bin/sh
# SPDX-License-Identifier: MIT
# Kept for habit: the sidecar fuzzer through the generic scripts/fuzz.sh.
exec "$(dirname "$0")/fuzz.sh" sidecar "$@"
