// SPDX-License-Identifier: MIT
/*
 * The bpf(2) front-end: Linux's attribute rules, then dispatch by command.
 *
 * In Linux, __sys_bpf() checks the size and the tail of the user's attr,
 * copies min(size, sizeof(attr)) bytes, and each command's handler starts
 * with CHECK_ATTR: every byte after the command's last field must be zero.
 * The order of those checks decides which errno a user sees for an attr
 * that is wrong in several ways, so it is kept exactly: size (-E2BIG), tail
 * (-E2BIG, or -EFAULT if unreadable), copy (-EFAULT), command (-EINVAL),
 * CHECK_ATTR (-EINVAL).
 *
 * A command that Linux reserves to a capability as a whole (the id
 * iterators, BPF_PROG_QUERY...) says so in its table entry: -EPERM, after
 * CHECK_ATTR or, where Linux asks first, before it. Capabilities that
 * depend on what a command creates (map types, program types, helpers)
 * are checked by the command itself.
 *
 * No locks are taken here.
 */
#include "sys.h"
#include "core/alloc.h"
#include "core/priv.h"

#define ATTR_END(member)                    \
	(offsetof(union bpf_attr, member) + \
	 sizeof(((union bpf_attr *)0)->member))

struct sys_cmd {
	kbpf_sys_cmd_fn fn;
	/* Offset just past the command's last field (Linux's *_LAST_FIELD). */
	uint16_t attr_end;
	/*
	 * Attribute checks Linux makes before @priv (-EINVAL), for commands
	 * whose capability comes first in the handler kbpf does not have.
	 */
	bool (*attr_ok)(const union bpf_attr *attr);
	/* KBPF_PRIV_* the caller must hold for the command (-EPERM). */
	uint8_t priv;
	/* Linux asks for @priv before CHECK_ATTR, not after. */
	bool priv_first;
};

/* Linux's bpf_obj_get_next_id(): ids are below INT_MAX. */
static bool sys_next_id_ok(const union bpf_attr *attr)
{
	return attr->start_id < 0x7fffffffu;
}

/* Linux's map_get_fd_by_id(): only the fd access flags (and a token). */
static bool sys_map_fd_flags_ok(const union bpf_attr *attr)
{
	return !(attr->open_flags &
		 ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_TOKEN_FD));
}

/*
 * Linux's prog_get_fd_by_id() and btf_get_fd_by_id(): no flag but the
 * token's, refused before the capability.
 */
static bool sys_plain_fd_flags_ok(const union bpf_attr *attr)
{
	return !(attr->open_flags & ~(uint32_t)BPF_F_TOKEN_FD);
}

#define NEXT_ID .attr_ok = sys_next_id_ok, .priv = KBPF_PRIV_SYS_ADMIN
#define PLAIN_FD_FLAGS \
	.attr_ok = sys_plain_fd_flags_ok, .priv = KBPF_PRIV_SYS_ADMIN
#define MAP_FD_FLAGS .attr_ok = sys_map_fd_flags_ok, .priv = KBPF_PRIV_SYS_ADMIN

/* Capability rules of whole commands (Linux 6.18, kernel/bpf/syscall.c). */
#define SYS_ADMIN .priv = KBPF_PRIV_SYS_ADMIN
#define NET_ADMIN_FIRST .priv = KBPF_PRIV_NET_ADMIN, .priv_first = true

/*
 * Every command Linux 6.18 has. A NULL handler means kbpf does not implement
 * the command yet: -EOPNOTSUPP after the attribute checks.
 */
static const struct sys_cmd sys_cmds[] = {
	[BPF_MAP_CREATE] = { .fn = kbpf_sys_map_create,
			     .attr_end = ATTR_END(excl_prog_hash_size) },
	[BPF_MAP_LOOKUP_ELEM] = { .fn = kbpf_sys_map_lookup_elem,
				  .attr_end = ATTR_END(flags) },
	[BPF_MAP_UPDATE_ELEM] = { .fn = kbpf_sys_map_update_elem,
				  .attr_end = ATTR_END(flags) },
	[BPF_MAP_DELETE_ELEM] = { .fn = kbpf_sys_map_delete_elem,
				  .attr_end = ATTR_END(key) },
	[BPF_MAP_GET_NEXT_KEY] = { .fn = kbpf_sys_map_get_next_key,
				   .attr_end = ATTR_END(next_key) },
	[BPF_PROG_LOAD] = { .fn = kbpf_sys_prog_load,
			    .attr_end = ATTR_END(keyring_id) },
	[BPF_OBJ_PIN] = { .fn = kbpf_sys_obj_pin,
			  .attr_end = ATTR_END(path_fd) },
	[BPF_OBJ_GET] = { .fn = kbpf_sys_obj_get,
			  .attr_end = ATTR_END(path_fd) },
	[BPF_PROG_ATTACH] = { .fn = kbpf_sys_prog_attach,
			      .attr_end = ATTR_END(expected_revision) },
	[BPF_PROG_DETACH] = { .fn = kbpf_sys_prog_detach,
			      .attr_end = ATTR_END(expected_revision) },
	[BPF_PROG_TEST_RUN] = { .fn = kbpf_sys_prog_test_run,
				.attr_end = ATTR_END(test.batch_size) },
	[BPF_PROG_GET_NEXT_ID] = { .fn = kbpf_sys_prog_get_next_id,
				   .attr_end = ATTR_END(next_id),
				   NEXT_ID },
	[BPF_MAP_GET_NEXT_ID] = { .fn = kbpf_sys_map_get_next_id,
				  .attr_end = ATTR_END(next_id),
				  NEXT_ID },
	[BPF_PROG_GET_FD_BY_ID] = { .fn = kbpf_sys_prog_get_fd_by_id,
				    .attr_end = ATTR_END(fd_by_id_token_fd),
				    SYS_ADMIN },
	[BPF_MAP_GET_FD_BY_ID] = { .fn = kbpf_sys_map_get_fd_by_id,
				   .attr_end = ATTR_END(fd_by_id_token_fd),
				   MAP_FD_FLAGS },
	[BPF_OBJ_GET_INFO_BY_FD] = { .fn = kbpf_sys_obj_get_info_by_fd,
				     .attr_end = ATTR_END(info.info) },
	[BPF_PROG_QUERY] = { .fn = kbpf_sys_prog_query,
			     .attr_end = ATTR_END(query.revision),
			     NET_ADMIN_FIRST },
	[BPF_RAW_TRACEPOINT_OPEN] = { .fn = kbpf_sys_raw_tracepoint_open,
				      .attr_end =
					      ATTR_END(raw_tracepoint.cookie) },
	/* CAP_BPF after btf_flags and the token: in the handler. */
	[BPF_BTF_LOAD] = { .fn = kbpf_sys_btf_load,
			   .attr_end = ATTR_END(btf_token_fd) },
	[BPF_BTF_GET_FD_BY_ID] = { .fn = kbpf_sys_btf_get_fd_by_id,
				   .attr_end = ATTR_END(fd_by_id_token_fd),
				   PLAIN_FD_FLAGS },
	[BPF_TASK_FD_QUERY] = { .fn = kbpf_sys_task_fd_query,
				.attr_end = ATTR_END(task_fd_query.probe_addr),
				SYS_ADMIN },
	[BPF_MAP_LOOKUP_AND_DELETE_ELEM] = { .fn = kbpf_sys_map_lookup_and_delete_elem,
					     .attr_end = ATTR_END(flags) },
	[BPF_MAP_FREEZE] = { .fn = kbpf_sys_map_freeze,
			     .attr_end = ATTR_END(map_fd) },
	[BPF_BTF_GET_NEXT_ID] = { .fn = kbpf_sys_btf_get_next_id,
				  .attr_end = ATTR_END(next_id),
				  NEXT_ID },
	[BPF_MAP_LOOKUP_BATCH] = { .fn = kbpf_sys_map_lookup_batch,
				   .attr_end = ATTR_END(batch.flags) },
	[BPF_MAP_LOOKUP_AND_DELETE_BATCH] = { .fn = kbpf_sys_map_lookup_and_delete_batch,
					      .attr_end =
						      ATTR_END(batch.flags) },
	[BPF_MAP_UPDATE_BATCH] = { .fn = kbpf_sys_map_update_batch,
				   .attr_end = ATTR_END(batch.flags) },
	[BPF_MAP_DELETE_BATCH] = { .fn = kbpf_sys_map_delete_batch,
				   .attr_end = ATTR_END(batch.flags) },
	[BPF_LINK_CREATE] = { .fn = kbpf_sys_link_create_any,
			      .attr_end = sizeof(union bpf_attr) },
	[BPF_LINK_UPDATE] = { .fn = kbpf_sys_link_update_any,
			      .attr_end = ATTR_END(link_update.old_prog_fd) },
	[BPF_LINK_GET_FD_BY_ID] = { .fn = kbpf_sys_link_get_fd_by_id,
				    .attr_end = ATTR_END(link_id),
				    SYS_ADMIN },
	[BPF_LINK_GET_NEXT_ID] = { .fn = kbpf_sys_link_get_next_id,
				   .attr_end = ATTR_END(next_id),
				   NEXT_ID },
	[BPF_ENABLE_STATS] = { .fn = kbpf_sys_enable_stats,
			       .attr_end = ATTR_END(enable_stats.type),
			       SYS_ADMIN },
	[BPF_ITER_CREATE] = { .fn = NULL,
			      .attr_end = ATTR_END(iter_create.flags) },
	[BPF_LINK_DETACH] = { .fn = kbpf_sys_link_detach_any,
			      .attr_end = ATTR_END(link_detach.link_fd) },
	[BPF_PROG_BIND_MAP] = { .fn = kbpf_sys_prog_bind_map,
				.attr_end = ATTR_END(prog_bind_map.flags) },
	[BPF_TOKEN_CREATE] = { .fn = NULL,
			       .attr_end = ATTR_END(token_create.bpffs_fd) },
	[BPF_PROG_STREAM_READ_BY_FD] = { .fn = kbpf_sys_prog_stream_read,
					 .attr_end = ATTR_END(
						 prog_stream_read.prog_fd) },
};

_Static_assert(KBPF_ARRAY_SIZE(sys_cmds) == __MAX_BPF_CMD,
	       "one entry per bpf_cmd");

static bool sys_attr_zero_from(const union bpf_attr *attr, size_t off)
{
	const uint8_t *p = (const uint8_t *)attr;

	for (; off < sizeof(*attr); off++)
		if (p[off])
			return false;
	return true;
}

long kbpf_sys_bpf(const struct kbpf_host *host, int cmd, void *uattr,
		  unsigned int size)
{
	union bpf_attr attr;
	const struct sys_cmd *c;
	int err;

	err = kbpf_check_tail_zero(host, uattr, sizeof(attr), size);
	if (err)
		return err;
	memset(&attr, 0, sizeof(attr));
	if (size) {
		err = kbpf_copy_from_user(host, &attr, uattr,
					  kbpf_min((size_t)size, sizeof(attr)));
		if (err)
			return err;
	}
	if (cmd < 0 || (size_t)cmd >= KBPF_ARRAY_SIZE(sys_cmds))
		return -KBPF_EINVAL;
	c = &sys_cmds[cmd];
	if (!c->attr_end)
		return -KBPF_EINVAL;
	if (c->priv_first && !kbpf_priv_has(host, c->priv))
		return -KBPF_EPERM;
	if (!sys_attr_zero_from(&attr, c->attr_end))
		return -KBPF_EINVAL;
	if (c->attr_ok && !c->attr_ok(&attr))
		return -KBPF_EINVAL;
	if (!c->priv_first && !kbpf_priv_has(host, c->priv))
		return -KBPF_EPERM;
	if (!c->fn)
		return -KBPF_EOPNOTSUPP;
	return c->fn(host, &attr, uattr, size);
}

int kbpf_sys_attr_write(const struct kbpf_host *h, void *uattr,
			unsigned int size, size_t off, const void *src,
			size_t len)
{
	if (off + len > size)
		return 0;
	return kbpf_copy_to_user(h, (void *)((uintptr_t)uattr + off), src, len);
}
