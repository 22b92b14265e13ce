// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl - inspect and drive shmdev regions from the shell.
 *
 * One file per group of subcommands; this one parses the global options
 * and dispatches, and holds the help texts.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

const char help_api[] =
"Usage: shmdevctl api [--json]\n"
"\n"
"Show what the loaded module supports: its API version, ioctls and flags,\n"
"the largest region it accepts now, the channel limit, the page sizes and\n"
"where the control page is (its mmap() offset and size).\n"
"\n"
"Options:\n"
"  -J, --json    JSON output\n"
"  -h, --help    show this help\n";

const char help_create[] =
"Usage: shmdevctl create NAME SIZE [--channels N] [--mode OCTAL] [--open]\n"
"                        [--huge]\n"
"\n"
"Create a region and print its id.  The region keeps its name after\n"
"shmdevctl exits, until 'shmdevctl rm NAME'.\n"
"\n"
"  NAME              1 to 63 printable ASCII characters, no '/'\n"
"  SIZE              bytes, or with a K, M or G suffix (powers of 1024);\n"
"                    rounded up to pages; at most max_region_bytes\n"
"                    ('shmdevctl limits')\n"
"\n"
"Options:\n"
"  -c, --channels N  notification channels, 1 to 64 (default 1)\n"
"  -m, --mode OCTAL  permissions, checked as for SysV IPC (default 0600)\n"
"  -o, --open        open an existing region of that name instead of\n"
"                    failing (it must be at least SIZE and have N channels)\n"
"  -H, --huge        back the region with 2 MiB folios (size rounded up to\n"
"                    2 MiB; ENOMEM if no 2 MiB block is free)\n"
"  -h, --help        show this help\n";

const char help_info[] =
"Usage: shmdevctl info NAME [--json] [--waiters]\n"
"       shmdevctl info --id ID [--json] [--waiters]\n"
"\n"
"Show a region's size, owner, creator, mode, attached files, mappings,\n"
"flags and the sequence of each channel.  Does not attach to the region,\n"
"unless --waiters asks for the control page.\n"
"\n"
"Options:\n"
"  -i, --id ID   the region with this id rather than a name\n"
"  -J, --json    JSON output\n"
"  -w, --waiters also show each channel's waiters (tasks sleeping in a\n"
"                wait, and polled files), from the control page: this\n"
"                attaches read-only for a moment (after the other values\n"
"                are read), which updates the last pid and times\n"
"  -h, --help    show this help\n";

const char help_rm[] =
"Usage: shmdevctl rm NAME...\n"
"       shmdevctl rm --id ID...\n"
"\n"
"Remove regions' names.  The memory stays until the last attached file is\n"
"closed and the last mapping is gone.  Only the owner, the creator or root\n"
"may remove a region.  Every name is tried; the exit status is 1 if any\n"
"failed.\n"
"\n"
"Options:\n"
"  -i, --id      the arguments are region ids\n"
"  -h, --help    show this help\n";

const char help_notify[] =
"Usage: shmdevctl notify NAME [--channel N]\n"
"\n"
"Advance a channel's sequence, wake its waiters and print the new\n"
"sequence.\n"
"\n"
"Options:\n"
"  -c, --channel N   the channel (default 0)\n"
"  -h, --help        show this help\n";

const char help_wait[] =
"Usage: shmdevctl wait NAME [--channel N] [--seq S] [--timeout MS] [--poll]\n"
"       shmdevctl wait NAME --channel N,M... [--timeout MS]\n"
"\n"
"Wait until the channel's sequence differs from S and print the new\n"
"sequence.  Without --seq, S is the current sequence: wait for the next\n"
"notify.  Exit status 3 when the timeout expires.\n"
"\n"
"With several channels, wait for the next notify of any of them (one\n"
"SHMDEV_IOC_WAITV) and print a line \"CHANNEL SEQUENCE\" for each that\n"
"moved.\n"
"\n"
"Options:\n"
"  -c, --channel N    the channel (default 0); a list N,M... or the\n"
"                     option repeated waits on several\n"
"  -s, --seq S        the sequence already seen\n"
"  -t, --timeout MS   give up after MS milliseconds (default: never)\n"
"  -p, --poll         sleep in poll(2) and acknowledge with ACK, as an\n"
"                     event loop does, instead of the WAIT ioctl\n"
"  -h, --help         show this help\n";

const char help_frames[] =
"Usage: shmdevctl frames NAME [--json] [--hold]\n"
"\n"
"Map the region read-only, touch every page and print each page's virtual\n"
"address and physical frame number (PFN) from /proc/self/pagemap.  The\n"
"kernel shows PFNs only to CAP_SYS_ADMIN (root); others see \"hidden\".\n"
"\n"
"Options:\n"
"  -J, --json    JSON output\n"
"  -H, --hold    keep the mapping until SIGINT or SIGTERM\n"
"  -h, --help    show this help\n";

const char help_map[] =
"Usage: shmdevctl map NAME|ID [-v] [--json] [--svg FILE]\n"
"       shmdevctl map NAME|ID --diff BEFORE.json [-v] [--svg FILE]\n"
"       shmdevctl map NAME|ID --watch [--interval SEC] [--count N] [-v]\n"
"       shmdevctl map --fd N [options]\n"
"\n"
"Show where a region sits in the page tables of every process that maps\n"
"it: per process and VMA, runs of pages whose entries have the same\n"
"level (PTE: 4K entries, PMD: one 2M leaf), bits, kind (the region's own\n"
"page or an anonymous copy-on-write copy) and folio, with contiguous\n"
"frames.  ALL marks region pages that every mapping process maps; WHY\n"
"says why a huge region's pages are mapped by PTEs there.  A snapshot:\n"
"nothing is faulted in and no bit is cleared.  NAME may be a region id\n"
"when no region has that name.\n"
"\n"
"PFNs and raw entries need CAP_SYS_ADMIN (run as root), as\n"
"/proc/PID/pagemap does; processes whose /proc/PID/maps you may not read\n"
"are counted as hidden, not shown.\n"
"\n"
"Options:\n"
"  -i, --id            the argument is a region id\n"
"  -f, --fd N          the region descriptor N (inherited) is attached to:\n"
"                      also a destroyed one, which no name or id finds\n"
"  -v, --verbose       every page, with its index (and raw entry) at each\n"
"                      page-table level: PGD, P4D, PUD, PMD, PTE\n"
"  -J, --json          JSON output (schema 1, see shmdevctl(1)); save it\n"
"                      for --diff\n"
"  -s, --svg FILE      also draw the snapshot as an SVG picture in FILE\n"
"  -D, --diff FILE     show what changed since the snapshot FILE (saved\n"
"                      with --json): entries made or removed, frames\n"
"                      replaced (copy-on-write), PMDs split, bits set or\n"
"                      cleared (A accessed, D dirty, SD soft-dirty, RW)\n"
"  -w, --watch         print the snapshot, then every --interval what\n"
"                      changed, until SIGINT or SIGTERM\n"
"  -n, --interval SEC  seconds between looks with --watch (default 1)\n"
"  -c, --count N       with --watch: stop after N looks\n"
"  -h, --help          show this help\n"
"\n"
"Bits: P present, RW writable, U user, PWT, PCD, A accessed, D dirty,\n"
"PSE huge leaf, G global, NX no-execute, PAT, SD soft-dirty, UW uffd-wp,\n"
"SP special.  See docs/page-tables.md for a guided tour.\n";

static const char usage_text[] =
"Usage: shmdevctl [options] COMMAND [ARGS...]\n"
"\n"
"Manage shmdev shared-memory regions (" SHMDEV_DEVICE_PATH ").\n"
"\n"
"Commands:\n";

static const char usage_tail[] =
"\n"
"Options:\n"
"  -d, --device PATH   device node to use (default " SHMDEV_DEVICE_PATH ")\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the versions of shmdevctl, libshmdev and the\n"
"                      loaded module, and exit\n"
"\n"
"'shmdevctl help COMMAND' or 'shmdevctl COMMAND --help' shows a command's\n"
"options.  See shmdevctl(1).\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  the operation failed (message on stderr)\n"
"  2  usage error\n"
"  3  wait: timed out\n";

static int cmd_help(int argc, char **argv);

const struct command commands[] = {
	{ "api", cmd_api, "show what the loaded module supports", help_api },
	{ "create", cmd_create, "create a region", help_create },
	{ "info", cmd_info, "show a region's metadata and channels", help_info },
	{ "list", cmd_list, "list the regions (columns as lsipc)", help_list },
	{ "limits", cmd_limits, "show the limits and their usage", help_limits },
	{ "rm", cmd_rm, "remove regions' names", help_rm },
	{ "notify", cmd_notify, "advance a channel", help_notify },
	{ "wait", cmd_wait, "wait for a channel to advance", help_wait },
	{ "frames", cmd_frames, "show the physical frames of a region",
	  help_frames },
	{ "map", cmd_map, "show a region in every mapper's page tables",
	  help_map },
	{ "help", cmd_help, "show a command's help", NULL },
};

const size_t nr_commands = sizeof(commands) / sizeof(commands[0]);

static void print_usage(void)
{
	size_t i;

	fputs(usage_text, stdout);
	for (i = 0; i < nr_commands; i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs(usage_tail, stdout);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < nr_commands; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static void print_command_help(const struct command *c)
{
	if (!c->help) {
		printf("Usage: shmdevctl help [COMMAND]\n");
		return;
	}
	fputs(c->help, stdout);
	if (c->fn == cmd_list)
		list_print_columns();
	else if (c->fn == cmd_limits)
		limits_print_columns();
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc == 1) {
		print_usage();
		return EXIT_SUCCESS;
	}
	if (argc > 2)
		usage_error("expected one COMMAND");
	c = find_command(argv[1]);
	if (!c)
		usage_error("unknown command '%s'", argv[1]);
	print_command_help(c);
	return EXIT_SUCCESS;
}

static void print_version(void)
{
	char v[128] = "";
	FILE *f = fopen("/sys/module/shmdev/version", "re");

	if (f) {
		if (!fgets(v, sizeof(v), f))
			v[0] = '\0';
		fclose(f);
		v[strcspn(v, "\n")] = '\0';
	}
	printf("shmdevctl %s\n", SHMDEV_VERSION);
	printf("libshmdev %s\n", shmdev_version());
	if (v[0])
		printf("module    %s\n", v);
	else if (f)
		printf("module    loaded, version unknown\n");
	else
		printf("module    not loaded\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	int c;

	/* "+": stop at the command name; its options are parsed later. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'h':
			print_usage();
			return EXIT_SUCCESS;
		case 'V':
			print_version();
			return EXIT_SUCCESS;
		default:
			bad_option(argv);
		}
	}
	if (optind == argc)
		usage_error("missing command");
	cmd = find_command(argv[optind]);
	if (!cmd)
		usage_error("unknown command '%s'", argv[optind]);
	current_cmd = cmd->name;

	/* "shmdevctl COMMAND --help" prints the command's help. */
	for (c = optind + 1; c < argc; c++) {
		if (!strcmp(argv[c], "--"))
			break;
		if (!strcmp(argv[c], "--help") || !strcmp(argv[c], "-h")) {
			print_command_help(cmd);
			return EXIT_SUCCESS;
		}
	}
	return cmd->fn(argc - optind, argv + optind);
}
