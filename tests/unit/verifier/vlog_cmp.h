/* SPDX-License-Identifier: MIT */
/*
 * Comparing two verifier logs (the kernel's and kbpf's) of the same
 * program, line by line, in the parts Linux's log has at levels 1 and 2:
 * instruction lines ("N: (op) text", the text cut before the state that
 * may follow it after " ; "), state parts (after the ';' of an instruction
 * line, or a line "N: R..." of its own), and whole logs. The 64-bit
 * immediate of an ld_imm64 of a map is an address only the kernel knows:
 * both are replaced by "MAP" before comparing.
 */
#ifndef KBPF_TEST_VLOG_CMP_H
#define KBPF_TEST_VLOG_CMP_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VLC_MAX_LINES 65536

struct vlc_log {
	char *buf; /* normalised copy, lines split in place */
	char *line[VLC_MAX_LINES];
	unsigned n;
	char *insn[VLC_MAX_LINES]; /* instruction texts */
	unsigned ninsn;
	char *state[VLC_MAX_LINES]; /* state parts */
	unsigned nstate;
	char *prec[VLC_MAX_LINES]; /* level 2's precision lines */
	unsigned nprec;
};

/* Totals over many log pairs. */
struct vlc_stats {
	unsigned logs; /* pairs compared */
	unsigned insn_same; /* pairs whose instruction lines are identical */
	unsigned whole_same; /* identical logs */
	unsigned insn_lines, insn_lines_same; /* the kernel's, by position */
	unsigned state_parts, state_parts_same;
	/*
	 * Level 2's precision lines ("mark_precise: ..." and "frame N:
	 * propagating ..."), the kernel's, by position among them; logs
	 * whose precision lines are all the kernel's.
	 */
	unsigned prec_lines, prec_lines_same, prec_same;
	unsigned prec_none; /* logs where the kernel printed none */
};

static bool vlc_is_num_colon(const char *s, const char **after)
{
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p != ':')
		return false;
	*after = p + 1;
	return true;
}

/* Replace the value of "(18) rN = 0x..." lines by "MAP" (in place). */
static void vlc_norm_ldimm(char *l)
{
	char *p = strstr(l, ": (18) r");
	char *v, *e;

	if (!p)
		return;
	v = strstr(p, " = 0x");
	if (!v)
		return;
	v += 3;
	e = v + 2;
	while (isxdigit((unsigned char)*e))
		e++;
	if (e - v < 10) /* small constants are not addresses */
		return;
	memcpy(v, "MAP", 3);
	memmove(v + 3, e, strlen(e) + 1);
}

static void vlc_parse(struct vlc_log *L, const char *log)
{
	char *p;

	memset(L, 0, sizeof(*L));
	L->buf = strdup(log);
	if (!L->buf)
		return;
	p = L->buf;
	while (*p && L->n < VLC_MAX_LINES) {
		char *e = strchr(p, '\n');
		const char *after;

		if (e)
			*e = 0;
		vlc_norm_ldimm(p);
		L->line[L->n++] = p;
		if (!strncmp(p, "mark_precise: ", 14) ||
		    (!strncmp(p, "frame ", 6) && strstr(p, ": propagating ")))
			L->prec[L->nprec++] = p;
		if (vlc_is_num_colon(p, &after)) {
			if (after[0] == ' ' && after[1] == '(') {
				char *semi = strstr(p, " ; ");
				char *t;

				/*
				 * "goto pc+1 7: R0=...": a popped branch's
				 * state after a line whose end was cut
				 */
				if (!semi) {
					for (t = p + 4; *t; t++) {
						const char *a2;

						if (t[-1] == ' ' &&
						    vlc_is_num_colon(t, &a2) &&
						    a2[0] == ' ' &&
						    (a2[1] == 'R' ||
						     a2[1] == 'f')) {
							t[-1] = 0;
							L->state[L->nstate++] =
								(char *)a2 + 1;
							break;
						}
					}
				}
				if (semi) {
					L->state[L->nstate++] = semi + 3;
					*semi = 0;
				}
				t = p + strlen(p);
				while (t > p && t[-1] == ' ')
					*--t = 0;
				L->insn[L->ninsn++] = p;
			} else if (after[0] == ' ' &&
				   (after[1] == 'R' || after[1] == 'f')) {
				L->state[L->nstate++] = (char *)after + 1;
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
}

/*
 * Compare @k (the kernel's log) with @b (kbpf's); add to @s; true if the
 * instruction lines are identical. With @show, print both logs when they
 * differ.
 */
static bool vlc_compare(struct vlc_stats *s, const char *k, const char *b,
			bool show, const char *name)
{
	static struct vlc_log K, B;
	bool insn_same, prec_same, whole = !strcmp(k, b);

	vlc_parse(&K, k);
	vlc_parse(&B, b);
	insn_same = K.ninsn == B.ninsn;
	for (unsigned i = 0; i < K.ninsn; i++) {
		bool eq = i < B.ninsn && !strcmp(K.insn[i], B.insn[i]);

		s->insn_lines++;
		s->insn_lines_same += eq;
		insn_same &= eq;
	}
	prec_same = K.nprec == B.nprec;
	for (unsigned i = 0; i < K.nprec; i++) {
		bool eq = i < B.nprec && !strcmp(K.prec[i], B.prec[i]);

		s->prec_lines++;
		s->prec_lines_same += eq;
		prec_same &= eq;
	}
	s->prec_same += prec_same;
	s->prec_none += !K.nprec;
	for (unsigned i = 0; i < K.nstate; i++) {
		s->state_parts++;
		s->state_parts_same += i < B.nstate &&
				       !strcmp(K.state[i], B.state[i]);
	}
	if (!whole && K.n == B.n) {
		whole = true;
		for (unsigned i = 0; i < K.n && whole; i++)
			whole = !strcmp(K.line[i], B.line[i]);
		/* the state parts were cut off the lines: compare them too */
		for (unsigned i = 0; i < K.nstate && whole; i++)
			whole = i < B.nstate && !strcmp(K.state[i], B.state[i]);
		whole &= K.nstate == B.nstate;
	}
	s->logs++;
	s->insn_same += insn_same;
	s->whole_same += whole;
	if (show && !whole)
		printf("==== %s: kernel\n%s==== %s: kbpf\n%s", name, k, name,
		       b);
	free(K.buf);
	free(B.buf);
	return insn_same;
}

static void vlc_print(const struct vlc_stats *s, const char *what)
{
	printf("%s: %u logs; instruction lines identical in %u (%.1f%%), "
	       "whole log identical in %u (%.1f%%); instruction lines %u of "
	       "%u equal, state parts %u of %u equal\n",
	       what, s->logs, s->insn_same,
	       s->logs ? 100.0 * s->insn_same / s->logs : 0.0, s->whole_same,
	       s->logs ? 100.0 * s->whole_same / s->logs : 0.0,
	       s->insn_lines_same, s->insn_lines, s->state_parts_same,
	       s->state_parts);
	if (s->prec_lines)
		printf("%s: precision lines %u of %u equal, all of a log's "
		       "equal in %u (the kernel printed none in %u)\n",
		       what, s->prec_lines_same, s->prec_lines, s->prec_same,
		       s->prec_none);
}

#endif /* KBPF_TEST_VLOG_CMP_H */
