/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by the scenario layer's files.
 */
#ifndef SC_SCENARIO_INTERNAL_H
#define SC_SCENARIO_INTERNAL_H

#include <schedcheck/scenario.h>

void sc_cgroup_settings_release(struct sc_cgroup_settings *st);

#endif
