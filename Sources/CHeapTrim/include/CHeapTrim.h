#ifndef AMEXIST_HEAP_TRIM_H
#define AMEXIST_HEAP_TRIM_H

/*
 * Gives the memory the C allocator holds free back to the system (glibc's malloc_trim). Swift's
 * Glibc module does not export <malloc.h>; elsewhere this does nothing.
 */
void amexist_trim_heap(void);

#endif
