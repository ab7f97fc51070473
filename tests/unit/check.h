/* check.h: the unit tests' assertion: a failed CHECK is reported with its place and counted,
 * and the test goes on; check_exit() turns the count into the exit status. */
#ifndef CG_TEST_CHECK_H
#define CG_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static inline int check_exit(const char *name)
{
	if (failures) {
		fprintf(stderr, "%s: %d failure(s)\n", name, failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
