#include "CHeapTrim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void amexist_trim_heap(void) {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}
