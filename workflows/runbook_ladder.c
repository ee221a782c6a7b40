/* runbook_ladder.c — checks the recovery ladders (escalate lists) across a set of runbooks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook.h"
#include "util.h"

/* A parameter of the first stage that is always bound from this path: required, no default,
 * so an alert without the value never got as far as the first stage. */
static bool
first_requires(const struct runbook *first, const char *from)
{
	for (size_t i = 0; i < first->nparams; i++) {
		const struct param_spec *p = &first->params[i];

		if (p->required && p->from && strcmp(p->from, from) == 0)
			return true;
	}
	return false;
}

/* True when every match rule of the first stage names the label, so every alert it takes
 * carries one. A rule-less runbook (asked for by `run`) guarantees no label. */
static bool
first_matches_label(const struct runbook *first, const char *label)
{
	if (first->nmatch == 0)
		return false;
	for (size_t i = 0; i < first->nmatch; i++) {
		bool found = false;

		for (size_t j = 0; j < first->match[i].nlabels; j++)
			if (strcmp(first->match[i].labels[j].key, label) == 0)
				found = true;
		if (!found)
			return false;
	}
	return true;
}

/* The later stages bind their parameters from the same alert as the first one, with no
 * command line: a required value must be there whenever the first stage ran. */
static int
check_params(const struct runbook *first, size_t idx, const struct runbook *stage,
	     struct diag_list *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < stage->nparams; i++) {
		const struct param_spec *p = &stage->params[i];

		if (!p->required || p->default_value)
			continue;
		if (p->from == NULL) {
			diag_add(errs, first->file, first->escalate_line,
				 "escalate[%zu]: stage '%s' needs parameter '%s' from the command "
				 "line, which a later stage never has",
				 idx, stage->id, p->name);
			nerr++;
		} else if (!first_requires(first, p->from) &&
			   !(strncmp(p->from, "labels.", 7) == 0 &&
			     first_matches_label(first, p->from + 7))) {
			diag_add(
			    errs, first->file, first->escalate_line,
			    "escalate[%zu]: stage '%s' needs parameter '%s' from %s, which "
			    "the alerts of '%s' may lack (require it there, or give a default)",
			    idx, stage->id, p->name, p->from, first->id);
			nerr++;
		}
	}
	return nerr;
}

/* Depth-first walk of the escalate graph from rb; path holds the runbooks on the way. True
 * when the walk comes back to a runbook on the path. */
static bool
has_cycle(const struct runbook_set *s, const struct runbook *rb, const struct runbook **path,
	  size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		if (path[i] == rb)
			return true;
	if (depth >= s->n)
		return false; /* cannot happen without a repeat; a guard for the stack */
	path[depth] = rb;
	for (size_t i = 0; i < rb->nescalate; i++) {
		const struct runbook *next = runbook_find(s, rb->escalate[i]);

		if (next && has_cycle(s, next, path, depth + 1))
			return true;
	}
	return false;
}

int
runbook_ladder_check(const struct runbook_set *s, struct diag_list *errs)
{
	const struct runbook **path;
	int nerr = 0;

	if (s->n == 0)
		return 0;
	path = xcalloc(s->n, sizeof(*path));
	for (size_t r = 0; r < s->n; r++) {
		const struct runbook *rb = s->v[r];
		bool broken = false;

		for (size_t i = 0; i < rb->nescalate; i++) {
			const char *id = rb->escalate[i];
			const struct runbook *stage = runbook_find(s, id);
			bool repeat = strcmp(id, rb->id) == 0;

			for (size_t j = 0; j < i; j++)
				if (strcmp(rb->escalate[j], id) == 0)
					repeat = true;
			if (repeat) {
				diag_add(errs, rb->file, rb->escalate_line,
					 "escalate[%zu]: cycle: '%s' is already on the ladder of "
					 "'%s'",
					 i, id, rb->id);
				nerr++;
				broken = true;
			} else if (stage == NULL) {
				diag_add(errs, rb->file, rb->escalate_line,
					 "escalate[%zu]: no runbook '%s'", i, id);
				nerr++;
			} else {
				nerr += check_params(rb, i, stage, errs);
			}
		}
		if (!broken && rb->nescalate && has_cycle(s, rb, path, 0)) {
			diag_add(errs, rb->file, rb->escalate_line,
				 "escalate: cycle: the escalate lists lead from '%s' back to a "
				 "runbook already on the way",
				 rb->id);
			nerr++;
		}
	}
	free(path);
	return nerr;
}
