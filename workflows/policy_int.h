/* policy_int.h — between the policy loader and its sections in other files. */
#ifndef HEALER_POLICY_INT_H
#define HEALER_POLICY_INT_H

#include "policy.h"
#include "yaml_doc.h"

/* Reads the `mail:` section (node n of d) into p->mail_routes; errors as "file:line:
 * message", counted in d->nerr. */
void policy_mail_load(struct yaml_doc *d, yaml_node_t *n, struct policy *p);
/* Frees p's mail routes (policy_free calls it). */
void policy_mail_free(struct policy *p);

#endif
