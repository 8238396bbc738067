/* SPDX-License-Identifier: GPL-2.0 */
/* cond_resched_rcu() is in rcupdate.h here */
#include "rcupdate.h"
