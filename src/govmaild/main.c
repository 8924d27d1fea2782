/*
 * main.c — govmaild entry point (being built; see issue 4).
 */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "govmaild: not yet\n");
	return 69;
}
