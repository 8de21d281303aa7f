/* \summary: `privaudit profile check FILE`: validates an app profile
 * against a signature set without a capture, and says what it holds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "profile.h"
#include "signatures.h"

const char usage_profile[] =
	"usage: privaudit profile check [--signatures DIR] APP.yaml\n"
	"\n"
	"check  validates the profile (its categories against the signature set,\n"
	"       default: the installed set); prints one `file:line: message` per\n"
	"       problem and exits 2, or one line saying what it holds\n";

int cmd_profile(int argc, char **argv)
{
	usage_command = "profile";
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage_profile, stdout);
		return EXIT_CLEAN;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0)
		return usage_error("%s", argc < 2 ? "profile wants a subcommand: check" : "profile has one subcommand: check");
	const char *sigdir = NULL, *path = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--signatures") == 0 && i + 1 < argc)
			sigdir = argv[++i];
		else if (strncmp(argv[i], "--signatures=", 13) == 0)
			sigdir = argv[i] + 13;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
		else if (path)
			return usage_error("%s", "profile check takes one APP.yaml");
		else
			path = argv[i];
	}
	if (!path)
		return usage_error("%s", "profile check needs an APP.yaml");
	struct signatures *s = load_signatures(sigdir);
	if (!s)
		return EXIT_ERROR;
	struct profile *p = load_profile(path, s);
	if (p) {
		printf("%s: app %s (%s), first party %s; %zu affiliate%s, %zu disclosed recipient%s, %zu consent rule%s, "
		       "%zu categor%s the service needs, %zu allowed before consent, %zu canar%s; sha256 %s\n",
		       path, p->app_name ? p->app_name : "-", p->app_id ? p->app_id : "-",
		       p->first_party.organization ? p->first_party.organization : "-", p->naffiliates,
		       p->naffiliates == 1 ? "" : "s", p->ndisclosed, p->ndisclosed == 1 ? "" : "s", p->nrules,
		       p->nrules == 1 ? "" : "s", p->nservice_needs, p->nservice_needs == 1 ? "y" : "ies", p->nnecessary,
		       p->ncanaries,
		       p->ncanaries == 1 ? "y" : "ies", p->sha256);
	}
	int rc = p ? EXIT_CLEAN : EXIT_ERROR;
	profile_free(p);
	signatures_free(s);
	return rc;
}
