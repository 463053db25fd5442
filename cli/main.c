/* main.c - placeholder until the CLI lands. */
#include <stdio.h>

#include "brass.h"

int main(void) {
  printf("brass %s\n", brass_version());
  return 0;
}
