// SPDX-License-Identifier: MIT
/*
 * Capability questions to the host, combined as Linux combines them
 * (core/priv.h).
 */
#include "priv.h"

static bool priv_cap(const struct kbpf_host *h, int cap)
{
	return h->capable(h, cap);
}

/* One KBPF_PRIV_* bit: its own capability, else CAP_SYS_ADMIN. */
static bool priv_one(const struct kbpf_host *h, uint32_t bit)
{
	switch (bit) {
	case KBPF_PRIV_BPF:
		return priv_cap(h, KBPF_CAP_BPF) ||
		       priv_cap(h, KBPF_CAP_SYS_ADMIN);
	case KBPF_PRIV_PERFMON:
		return priv_cap(h, KBPF_CAP_PERFMON) ||
		       priv_cap(h, KBPF_CAP_SYS_ADMIN);
	case KBPF_PRIV_NET_ADMIN:
		return priv_cap(h, KBPF_CAP_NET_ADMIN) ||
		       priv_cap(h, KBPF_CAP_SYS_ADMIN);
	default:
		return priv_cap(h, KBPF_CAP_SYS_ADMIN);
	}
}

bool kbpf_priv_has(const struct kbpf_host *h, uint32_t need)
{
	uint32_t bit;

	if (!h->capable)
		return true;
	for (bit = 1; bit <= KBPF_PRIV_SYS_ADMIN; bit <<= 1)
		if ((need & bit) && !priv_one(h, bit))
			return false;
	return true;
}

uint32_t kbpf_priv_current(const struct kbpf_host *h)
{
	uint32_t bit, priv = 0;

	if (!h->capable)
		return KBPF_PRIV_ALL;
	for (bit = 1; bit <= KBPF_PRIV_SYS_ADMIN; bit <<= 1)
		if (priv_one(h, bit))
			priv |= bit;
	return priv;
}

bool kbpf_priv_unpriv_refused(const struct kbpf_host *h)
{
	if (!h->capable || kbpf_priv_has(h, KBPF_PRIV_BPF))
		return false;
	return h->unprivileged_bpf_disabled ? h->unprivileged_bpf_disabled(h) :
					      true;
}
