/* SPDX-License-Identifier: MIT */
/* Moved to tests/lib/diff.h; kept until every test includes "diff.h". */
#include "diff.h"
