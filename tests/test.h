/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small test harness in the spirit of the kernel's test_progs.h: each test
 * program runs named subtests, each ASSERT_* prints what it compared on
 * failure (file:line, expression, both values) and marks the subtest failed
 * without aborting the program. Exit codes follow meson/automake: 0 pass,
 * 1 fail, 77 skip (with a reason printed).
 */
#ifndef NETREC_TESTS_TEST_H
#define NETREC_TESTS_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_state {
	int failed_subtests;
	int passed_subtests;
	int skipped_subtests;
	int cur_failed;
	int cur_skipped;
	const char *cur_name;
	int assertions;
};
extern struct test_state test_state;

#define TEST_MAIN_STATE struct test_state test_state

static inline void test__fail(void) { test_state.cur_failed = 1; }

#define ASSERT_TRUE(cond, name) ({                                              \
	bool ___ok = !!(cond);                                                  \
	test_state.assertions++;                                                \
	if (!___ok) {                                                           \
		fprintf(stderr, "%s:%d: %s: %s: unexpected false (%s)\n",      \
			__FILE__, __LINE__, test_state.cur_name, name, #cond);  \
		test__fail();                                                   \
	}                                                                       \
	___ok; })
#define ASSERT_FALSE(cond, name) ASSERT_TRUE(!(cond), name)

#define ASSERT_OP_(a, op, b, name, fmt, type) ({                                \
	type ___a = (a), ___b = (b);                                            \
	bool ___ok = ___a op ___b;                                              \
	test_state.assertions++;                                                \
	if (!___ok) {                                                           \
		fprintf(stderr, "%s:%d: %s: %s: expected %s " #op " %s, got "  \
			fmt " vs " fmt "\n", __FILE__, __LINE__,                \
			test_state.cur_name, name, #a, #b, ___a, ___b);         \
		test__fail();                                                   \
	}                                                                       \
	___ok; })

#define ASSERT_EQ(a, b, name) ASSERT_OP_(a, ==, b, name, "%lld", long long)
#define ASSERT_NEQ(a, b, name) ASSERT_OP_(a, !=, b, name, "%lld", long long)
#define ASSERT_LT(a, b, name) ASSERT_OP_(a, <, b, name, "%lld", long long)
#define ASSERT_LE(a, b, name) ASSERT_OP_(a, <=, b, name, "%lld", long long)
#define ASSERT_GT(a, b, name) ASSERT_OP_(a, >, b, name, "%lld", long long)
#define ASSERT_GE(a, b, name) ASSERT_OP_(a, >=, b, name, "%lld", long long)
#define ASSERT_EQ_U64(a, b, name) ASSERT_OP_(a, ==, b, name, "%llu", unsigned long long)
#define ASSERT_OK(err, name) ASSERT_OP_(err, ==, 0, name, "%lld", long long)
#define ASSERT_ERR(err, name) ASSERT_OP_(err, <, 0, name, "%lld", long long)
#define ASSERT_OK_PTR(p, name) ASSERT_TRUE((p) != NULL, name)
#define ASSERT_NULL(p, name) ASSERT_TRUE((p) == NULL, name)

#define ASSERT_STREQ(a, b, name) ({                                             \
	const char *___a = (a), *___b = (b);                                    \
	bool ___ok = ___a && ___b && strcmp(___a, ___b) == 0;                   \
	test_state.assertions++;                                                \
	if (!___ok) {                                                           \
		fprintf(stderr, "%s:%d: %s: %s: expected \"%s\", got \"%s\"\n", \
			__FILE__, __LINE__, test_state.cur_name, name,          \
			___b ? ___b : "(null)", ___a ? ___a : "(null)");        \
		test__fail();                                                   \
	}                                                                       \
	___ok; })

#define ASSERT_MEMEQ(a, b, n, name) ({                                          \
	bool ___ok = memcmp((a), (b), (n)) == 0;                                \
	test_state.assertions++;                                                \
	if (!___ok) {                                                           \
		fprintf(stderr, "%s:%d: %s: %s: %zu bytes differ\n",            \
			__FILE__, __LINE__, test_state.cur_name, name,          \
			(size_t)(n));                                           \
		test__fail();                                                   \
	}                                                                       \
	___ok; })

/* Skip the current subtest (with a reason), e.g. when a tool is missing. */
#define test__skip(...) do {                                                    \
	fprintf(stderr, "SKIP %s: ", test_state.cur_name);                     \
	fprintf(stderr, __VA_ARGS__);                                           \
	fputc('\n', stderr);                                                    \
	test_state.cur_skipped = 1;                                             \
} while (0)

/* Run one subtest: RUN_TEST(fn) calls void fn(void). */
#define RUN_TEST(fn) do {                                                       \
	test_state.cur_name = #fn;                                              \
	test_state.cur_failed = 0;                                              \
	test_state.cur_skipped = 0;                                             \
	fn();                                                                   \
	if (test_state.cur_failed) {                                            \
		test_state.failed_subtests++;                                   \
		fprintf(stderr, "FAIL %s\n", #fn);                              \
	} else if (test_state.cur_skipped) {                                    \
		test_state.skipped_subtests++;                                  \
	} else {                                                                \
		test_state.passed_subtests++;                                   \
		fprintf(stderr, "ok   %s\n", #fn);                              \
	}                                                                       \
} while (0)

/* End of main(): 1 if anything failed, 77 if everything was skipped. */
static inline int test_exit(void)
{
	fprintf(stderr, "%d passed, %d failed, %d skipped subtests (%d assertions)\n",
		test_state.passed_subtests, test_state.failed_subtests,
		test_state.skipped_subtests, test_state.assertions);
	if (test_state.failed_subtests)
		return 1;
	if (!test_state.passed_subtests && test_state.skipped_subtests)
		return 77;
	return 0;
}

/* Directory of ../shared (conformance data), from the environment set by
 * meson (NETREC_SHARED_DIR); NULL if absent. */
static inline const char *test_shared_dir(void)
{
	const char *d = getenv("NETREC_SHARED_DIR");
	return d && *d ? d : NULL;
}

#endif
