# SPDX-License-Identifier: MIT
# Shared by the VM integration tests (sourced, not run): skip/fail helpers,
# the host tools they need, and a static schedcheck for the guest, always
# rebuilt from the current sources (a stale guest would test old code).
skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*"
	exit 1
}

: "${SC_SOURCE_ROOT:?run through meson test}"
: "${SC_BUILD_ROOT:?run through meson test}"
bin=${SC_SCHEDCHECK_BIN:-$SC_BUILD_ROOT/schedcheck}

command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 not installed (Debian: qemu-system-x86)"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to read the sidecar"
[ -x /bin/busybox ] || skip "/bin/busybox missing (Debian: busybox-static)"

# sets $guest: given, beside the build, or built now.
vm_guest_binary() {
	guest=${SCHEDCHECK_GUEST_BIN:-}
	[ -n "$guest" ] && return 0
	sdir=$SC_BUILD_ROOT/vm-static-guest
	if [ ! -f "$sdir/build.ninja" ]; then
		meson setup "$sdir" "$SC_SOURCE_ROOT" -Ddefault_library=static \
			-Dprefer_static=true -Dc_link_args=-static -Dtests=disabled \
			-Dbuildtype=release >"$SC_BUILD_ROOT/vm-static-guest.log" 2>&1 ||
			skip "cannot configure a static build (static libraries missing? see $SC_BUILD_ROOT/vm-static-guest.log)"
	fi
	ninja -C "$sdir" schedcheck >>"$SC_BUILD_ROOT/vm-static-guest.log" 2>&1 ||
		fail "the static guest binary does not build (see $SC_BUILD_ROOT/vm-static-guest.log)"
	guest=$sdir/schedcheck
}
