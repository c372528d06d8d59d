/* SPDX-License-Identifier: GPL-2.0-only */
/* -Z: giving up root once the capture is set up. */
#ifndef NETREC_RECORD_PRIVS_H
#define NETREC_RECORD_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether user (uid, gid and its groups) may create files in the directory
 * of path (what -C and -G do after the drop); checked as that user. */
bool privs_can_create(const char *user, uid_t uid, gid_t gid, const char *path);
/* Becomes user for good: empties the capability bounding set and the
 * ambient set, sets no-new-privileges, then takes the user's groups, gid
 * and uid. 0 or -errno (said on stderr). */
int privs_drop(const char *user, uid_t uid, gid_t gid);

#endif
