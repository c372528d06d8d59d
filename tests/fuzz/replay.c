// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replays a fuzz corpus through a libFuzzer entry point without libFuzzer:
 * every regular file in each directory (or each file) named on the command
 * line is read and passed to LLVMFuzzerTestOneInput once. A crash or a
 * sanitizer report fails the test; otherwise it exits 0, or 77 when there was
 * nothing to replay.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!fp) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *p = realloc(buf, cap ? cap * 2 : 65536);

			if (!p) {
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	/* an exact-size copy, so that reads past the input are caught */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, bad = 0;
	char **abs = calloc((size_t)argc, sizeof(*abs));

	/* absolute paths first: a target may change its directory */
	for (int i = 1; abs && i < argc; i++)
		abs[i] = realpath(argv[i], NULL);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		const char *arg = abs && abs[i] ? abs[i] : argv[i];
		int n;

		if (stat(arg, &st) != 0) {
			perror(arg);
			bad++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad += replay_file(arg) != 0;
			files++;
			continue;
		}
		n = scandir(arg, &ents, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", arg, ents[k]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				bad += replay_file(path) != 0;
				files++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	for (int i = 1; abs && i < argc; i++)
		free(abs[i]);
	free(abs);
	fprintf(stderr, "replayed %d inputs, %d unreadable\n", files, bad);
	if (bad)
		return 1;
	if (!files) {
		fprintf(stderr, "SKIP: no corpus files given\n");
		return 77;
	}
	return 0;
}
