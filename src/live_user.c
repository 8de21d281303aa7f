/* \summary: the user live capture runs as: chosen (--user, else the one
 * sudo ran us for, else nobody), given the files opened as root, and
 * become once the first session file is open. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live_internal.h"
#include "log.h"

/* ---- privileges ---- */

/* The user sudo ran us for, when it did: SUDO_UID and SUDO_GID. */
static struct passwd *sudo_user(gid_t *gid)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	if (!u || !g || !*u || !*g)
		return NULL;
	unsigned long uid = strtoul(u, &end, 10);
	if (*end || uid == 0)
		return NULL;
	unsigned long gv = strtoul(g, &end, 10);
	if (*end)
		return NULL;
	struct passwd *pw = getpwuid((uid_t)uid);
	*gid = (gid_t)gv;
	return pw;
}

int live_choose_user(struct live *l)
{
	if (geteuid() != 0) {
		if (l->cfg.user) {
			log_error("--user %s: privaudit is not running as root, so it cannot change user", l->cfg.user);
			return -1;
		}
		return 0;
	}
	gid_t gid = 0;
	struct passwd *pw = l->cfg.user ? NULL : sudo_user(&gid);
	if (pw) { /* under sudo: the invoking user, so the files are theirs */
		l->gid = gid;
	} else {
		const char *name = l->cfg.user ? l->cfg.user : "nobody";
		errno = 0;
		if (!(pw = getpwnam(name))) {
			log_error("--user %s: %s", name, errno ? strerror(errno) : "no such user");
			return -1;
		}
		l->gid = pw->pw_gid;
	}
	if (pw->pw_uid == 0)
		return 0; /* asked to stay root */
	l->uid = pw->pw_uid;
	snprintf(l->user, sizeof(l->user), "%s", pw->pw_name);
	l->become = true;
	return 0;
}

int live_give(const struct live *l, int fd)
{
	if (l->become && fchown(fd, l->uid, l->gid) != 0) {
		log_error("cannot give a file to user %s: %s", l->user, strerror(errno));
		return -1;
	}
	return 0;
}

/* Becomes the chosen user, with its groups; the interface, the key logs,
 * the report and the first session file are open by now. */
int live_drop_privileges(struct live *l)
{
	if (!l->become)
		return 0;
	/* groups first: after setuid there is no right left to change them */
	if (initgroups(l->user, l->gid) != 0 || setgid(l->gid) != 0 || setuid(l->uid) != 0) {
		log_error("cannot become user %s: %s", l->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("cannot become user %s: root privileges are still there after setuid", l->user);
		return -1;
	}
	l->dropped = true;
	return 0;
}

