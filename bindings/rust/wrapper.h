/* SPDX-License-Identifier: MIT */
/* What gen-bindings.sh hands to bindgen: the whole porter API. */
#include "kbpf/kbpf.h"
