// Test-only power-loss VFS: see include/SQLitePowerLoss.h. Written in C because an SQLite VFS is
// a table of C callbacks that SQLite calls on its own threads; no library offers one.
#define _GNU_SOURCE
#include "SQLitePowerLoss.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 512

typedef struct {
  long long index;            // sector number
  unsigned char content[SECTOR]; // the sector as last synced (zeros beyond the synced size)
} synced_sector;

// A tracked file, by path: every connection's handle on it shares this.
typedef struct tracked_file {
  char *path;
  long long synced_size;
  synced_sector *sectors; // sectors written since the last sync
  long count, capacity;
  struct tracked_file *next;
} tracked_file;

typedef struct {
  sqlite3_file base;
  tracked_file *tracked;
  sqlite3_file *real; // the platform VFS's file, allocated right after this header
} power_loss_file;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3_vfs *platform;
static sqlite3_vfs vfs;
static char *tracked_prefix;
static tracked_file *tracked_files;
static int failing_writes, failing_syncs;

void amexist_power_loss_fail_next(int writes, int syncs) {
  pthread_mutex_lock(&lock);
  failing_writes = writes;
  failing_syncs = syncs;
  pthread_mutex_unlock(&lock);
}

static tracked_file *tracked(const char *path) {
  for (tracked_file *file = tracked_files; file; file = file->next) {
    if (strcmp(file->path, path) == 0) return file;
  }
  tracked_file *file = calloc(1, sizeof *file);
  if (!file) return NULL;
  file->path = strdup(path);
  file->synced_size = -1;
  file->next = tracked_files;
  tracked_files = file;
  return file;
}

static int has_sector(tracked_file *file, long long index) {
  for (long i = 0; i < file->count; i++) {
    if (file->sectors[i].index == index) return 1;
  }
  return 0;
}

// Remembers the synced content of the sectors [first, last] before they are overwritten.
static int remember(power_loss_file *handle, long long first, long long last) {
  tracked_file *file = handle->tracked;
  if (file->synced_size < 0) {
    sqlite3_int64 size = 0;
    int rc = handle->real->pMethods->xFileSize(handle->real, &size);
    if (rc != SQLITE_OK) return rc;
    file->synced_size = size;
  }
  for (long long index = first; index <= last; index++) {
    if (has_sector(file, index)) continue;
    if (file->count == file->capacity) {
      long capacity = file->capacity ? file->capacity * 2 : 64;
      synced_sector *grown = realloc(file->sectors, (size_t)capacity * sizeof *grown);
      if (!grown) return SQLITE_NOMEM;
      file->sectors = grown;
      file->capacity = capacity;
    }
    synced_sector *sector = &file->sectors[file->count];
    memset(sector->content, 0, SECTOR);
    sector->index = index;
    int rc = handle->real->pMethods->xRead(handle->real, sector->content, SECTOR, index * SECTOR);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
    file->count++;
  }
  return SQLITE_OK;
}

static int pl_close(sqlite3_file *f) {
  power_loss_file *handle = (power_loss_file *)f;
  return handle->real->pMethods->xClose(handle->real);
}

static int pl_read(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
  power_loss_file *handle = (power_loss_file *)f;
  return handle->real->pMethods->xRead(handle->real, buffer, amount, offset);
}

static int pl_write(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
  power_loss_file *handle = (power_loss_file *)f;
  pthread_mutex_lock(&lock);
  if (failing_writes > 0) {
    failing_writes--;
    pthread_mutex_unlock(&lock);
    return SQLITE_IOERR_WRITE;
  }
  int rc = remember(handle, offset / SECTOR, (offset + amount - 1) / SECTOR);
  if (rc == SQLITE_OK) rc = handle->real->pMethods->xWrite(handle->real, buffer, amount, offset);
  pthread_mutex_unlock(&lock);
  return rc;
}

static int pl_truncate(sqlite3_file *f, sqlite3_int64 size) {
  power_loss_file *handle = (power_loss_file *)f;
  pthread_mutex_lock(&lock);
  sqlite3_int64 current = 0;
  int rc = handle->real->pMethods->xFileSize(handle->real, &current);
  if (rc == SQLITE_OK && current > size) rc = remember(handle, size / SECTOR, (current - 1) / SECTOR);
  if (rc == SQLITE_OK) rc = handle->real->pMethods->xTruncate(handle->real, size);
  pthread_mutex_unlock(&lock);
  return rc;
}

static int pl_sync(sqlite3_file *f, int flags) {
  power_loss_file *handle = (power_loss_file *)f;
  pthread_mutex_lock(&lock);
  if (failing_syncs > 0) {
    failing_syncs--;
    pthread_mutex_unlock(&lock);
    return SQLITE_IOERR_FSYNC;
  }
  int rc = handle->real->pMethods->xSync(handle->real, flags);
  if (rc == SQLITE_OK) {
    sqlite3_int64 size = 0;
    if (handle->real->pMethods->xFileSize(handle->real, &size) == SQLITE_OK) {
      handle->tracked->synced_size = size;
      handle->tracked->count = 0;
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

#define FORWARD(name, signature, call)                                                         \
  static int pl_##name signature {                                                             \
    power_loss_file *handle = (power_loss_file *)f;                                            \
    return handle->real->pMethods->call;                                                       \
  }

FORWARD(file_size, (sqlite3_file * f, sqlite3_int64 *size), xFileSize(handle->real, size))
FORWARD(lock, (sqlite3_file * f, int level), xLock(handle->real, level))
FORWARD(unlock, (sqlite3_file * f, int level), xUnlock(handle->real, level))
FORWARD(check_reserved, (sqlite3_file * f, int *out), xCheckReservedLock(handle->real, out))
FORWARD(file_control, (sqlite3_file * f, int op, void *arg), xFileControl(handle->real, op, arg))
FORWARD(sector_size, (sqlite3_file * f), xSectorSize(handle->real))
FORWARD(shm_map, (sqlite3_file * f, int page, int size, int extend, void volatile **out),
        xShmMap(handle->real, page, size, extend, out))
FORWARD(shm_lock, (sqlite3_file * f, int offset, int n, int flags),
        xShmLock(handle->real, offset, n, flags))
FORWARD(shm_unmap, (sqlite3_file * f, int delete_flag), xShmUnmap(handle->real, delete_flag))
FORWARD(fetch, (sqlite3_file * f, sqlite3_int64 offset, int amount, void **out),
        xFetch(handle->real, offset, amount, out))
FORWARD(unfetch, (sqlite3_file * f, sqlite3_int64 offset, void *p), xUnfetch(handle->real, offset, p))

// Claims no atomic or power-safe writes: SQLite must not rely on what a power loss can break.
static int pl_device_characteristics(sqlite3_file *f) {
  power_loss_file *handle = (power_loss_file *)f;
  return handle->real->pMethods->xDeviceCharacteristics(handle->real) &
         ~(SQLITE_IOCAP_POWERSAFE_OVERWRITE | SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_SAFE_APPEND |
           SQLITE_IOCAP_SEQUENTIAL | SQLITE_IOCAP_BATCH_ATOMIC);
}

static void pl_shm_barrier(sqlite3_file *f) {
  power_loss_file *handle = (power_loss_file *)f;
  handle->real->pMethods->xShmBarrier(handle->real);
}

static const sqlite3_io_methods methods = {
    3,           pl_close,     pl_read,         pl_write,       pl_truncate,
    pl_sync,     pl_file_size, pl_lock,         pl_unlock,      pl_check_reserved,
    pl_file_control, pl_sector_size, pl_device_characteristics, pl_shm_map, pl_shm_lock,
    pl_shm_barrier, pl_shm_unmap, pl_fetch,     pl_unfetch,
};

static int pl_open(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *f, int flags,
                   int *out_flags) {
  (void)self;
  pthread_mutex_lock(&lock);
  int track = name && tracked_prefix && strncmp(name, tracked_prefix, strlen(tracked_prefix)) == 0;
  tracked_file *file = track ? tracked(name) : NULL;
  pthread_mutex_unlock(&lock);
  if (!track) return platform->xOpen(platform, name, f, flags, out_flags);
  if (!file) return SQLITE_NOMEM;
  power_loss_file *handle = (power_loss_file *)f;
  memset(handle, 0, sizeof *handle);
  handle->real = (sqlite3_file *)(handle + 1);
  handle->tracked = file;
  int rc = platform->xOpen(platform, name, handle->real, flags, out_flags);
  if (rc == SQLITE_OK && handle->real->pMethods && handle->real->pMethods->iVersion >= 3) {
    handle->base.pMethods = &methods;
  } else if (rc == SQLITE_OK) {
    handle->real->pMethods->xClose(handle->real);
    rc = SQLITE_CANTOPEN;
  }
  return rc;
}

static int pl_delete(sqlite3_vfs *self, const char *name, int sync_dir) {
  (void)self;
  pthread_mutex_lock(&lock);
  for (tracked_file *file = tracked_files; file; file = file->next) {
    if (strcmp(file->path, name) == 0) {
      file->count = 0;
      file->synced_size = -1;
    }
  }
  pthread_mutex_unlock(&lock);
  return platform->xDelete(platform, name, sync_dir);
}

#define VFS_FORWARD(name, signature, call)                                                     \
  static int pl_##name signature {                                                             \
    (void)self;                                                                                \
    return platform->call;                                                                     \
  }
VFS_FORWARD(access, (sqlite3_vfs * self, const char *name, int flags, int *out),
            xAccess(platform, name, flags, out))
VFS_FORWARD(full_pathname, (sqlite3_vfs * self, const char *name, int size, char *out),
            xFullPathname(platform, name, size, out))
VFS_FORWARD(randomness, (sqlite3_vfs * self, int size, char *out), xRandomness(platform, size, out))
VFS_FORWARD(sleep, (sqlite3_vfs * self, int microseconds), xSleep(platform, microseconds))
VFS_FORWARD(current_time_int64, (sqlite3_vfs * self, sqlite3_int64 *out),
            xCurrentTimeInt64(platform, out))
VFS_FORWARD(get_last_error, (sqlite3_vfs * self, int size, char *out),
            xGetLastError(platform, size, out))
static int pl_current_time(sqlite3_vfs *self, double *out) {
  (void)self;
  return platform->xCurrentTime(platform, out);
}
static void *pl_dl_open(sqlite3_vfs *self, const char *name) {
  (void)self;
  return platform->xDlOpen(platform, name);
}
static void pl_dl_error(sqlite3_vfs *self, int size, char *out) {
  (void)self;
  platform->xDlError(platform, size, out);
}
static void (*pl_dl_sym(sqlite3_vfs *self, void *library, const char *symbol))(void) {
  (void)self;
  return platform->xDlSym(platform, library, symbol);
}
static void pl_dl_close(sqlite3_vfs *self, void *library) {
  (void)self;
  platform->xDlClose(platform, library);
}

int amexist_power_loss_track(const char *prefix) {
  pthread_mutex_lock(&lock);
  int rc = SQLITE_OK;
  if (!platform) {
    platform = sqlite3_vfs_find(NULL);
    if (!platform) {
      rc = SQLITE_ERROR;
    } else {
      vfs.iVersion = 2;
      vfs.szOsFile = (int)sizeof(power_loss_file) + platform->szOsFile;
      vfs.mxPathname = platform->mxPathname;
      vfs.zName = "amexist-power-loss";
      vfs.xOpen = pl_open;
      vfs.xDelete = pl_delete;
      vfs.xAccess = pl_access;
      vfs.xFullPathname = pl_full_pathname;
      vfs.xDlOpen = pl_dl_open;
      vfs.xDlError = pl_dl_error;
      vfs.xDlSym = pl_dl_sym;
      vfs.xDlClose = pl_dl_close;
      vfs.xRandomness = pl_randomness;
      vfs.xSleep = pl_sleep;
      vfs.xCurrentTime = pl_current_time;
      vfs.xGetLastError = pl_get_last_error;
      vfs.xCurrentTimeInt64 = pl_current_time_int64;
      rc = sqlite3_vfs_register(&vfs, 1);
    }
  }
  if (rc == SQLITE_OK) {
    free(tracked_prefix);
    tracked_prefix = strdup(prefix);
    // Files of an earlier prefix are forgotten (their entries stay allocated: tests are few).
    for (tracked_file *file = tracked_files; file; file = file->next) {
      file->count = 0;
      file->synced_size = -1;
      file->path[0] = '\0';
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

long amexist_power_loss_unsynced_sectors(void) {
  pthread_mutex_lock(&lock);
  long total = 0;
  for (tracked_file *file = tracked_files; file; file = file->next) total += file->count;
  pthread_mutex_unlock(&lock);
  return total;
}

static int copy_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY);
  if (in < 0) return errno == ENOENT ? 1 : -1;
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) {
    close(in);
    return -1;
  }
  char buffer[65536];
  ssize_t got;
  int result = 0;
  while ((got = read(in, buffer, sizeof buffer)) > 0) {
    if (write(out, buffer, (size_t)got) != got) {
      result = -1;
      break;
    }
  }
  if (got < 0) result = -1;
  close(in);
  close(out);
  return result;
}

int amexist_power_loss_image(const char *destination, unsigned int seed,
                             amexist_power_loss_mode mode) {
  pthread_mutex_lock(&lock);
  int result = 0;
  unsigned int state = seed;
  for (tracked_file *file = tracked_files; file && result == 0; file = file->next) {
    if (file->path[0] == '\0') continue;
    const char *base = strrchr(file->path, '/');
    base = base ? base + 1 : file->path;
    size_t length = strlen(destination) + strlen(base) + 2;
    char *target = malloc(length);
    if (!target) {
      result = -1;
      break;
    }
    snprintf(target, length, "%s/%s", destination, base);
    int copied = copy_file(file->path, target);
    if (copied != 0) {
      result = copied > 0 ? 0 : -1; // a file deleted since (a WAL after close) is skipped
      free(target);
      continue;
    }
    int out = open(target, O_WRONLY);
    if (out < 0) result = -1;
    for (long i = 0; out >= 0 && i < file->count && mode != AMEXIST_POWER_LOSS_KEEP; i++) {
      synced_sector *sector = &file->sectors[i];
      int fate = mode == AMEXIST_POWER_LOSS_DROP ? 1 : (int)(rand_r(&state) % (mode == AMEXIST_POWER_LOSS_TEAR ? 3 : 2));
      if (fate == 0) continue; // written
      unsigned char content[SECTOR];
      if (fate == 1) {
        memcpy(content, sector->content, SECTOR);
      } else {
        // Torn: the first part of the sector written, the rest garbage.
        int cut = (int)(rand_r(&state) % SECTOR);
        if (pread(out, content, SECTOR, sector->index * SECTOR) < 0) memset(content, 0, SECTOR);
        for (int b = cut; b < SECTOR; b++) content[b] = (unsigned char)rand_r(&state);
      }
      if (pwrite(out, content, SECTOR, sector->index * SECTOR) != SECTOR) result = -1;
    }
    if (out >= 0 && mode == AMEXIST_POWER_LOSS_DROP && file->synced_size >= 0) {
      if (ftruncate(out, file->synced_size) != 0) result = -1;
    }
    if (out >= 0) close(out);
    free(target);
  }
  pthread_mutex_unlock(&lock);
  return result;
}
