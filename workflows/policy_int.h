/* policy_int.h — between the policy loader and its sections in other files. */
#ifndef HEALER_POLICY_INT_H
#define HEALER_POLICY_INT_H

#include <yaml.h>

#include "policy.h"

/* Reads the `mail:` section (node n of doc) into p->mail_routes; errors as "file:line:
 * message" into errs. Returns the number of errors. */
int policy_mail_load(yaml_document_t *doc, yaml_node_t *n, struct policy *p, const char *file,
		     struct diag_list *errs);
/* Frees p's mail routes (policy_free calls it). */
void policy_mail_free(struct policy *p);

#endif
