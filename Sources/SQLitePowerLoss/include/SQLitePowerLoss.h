#ifndef AMEXIST_SQLITE_POWER_LOSS_H
#define AMEXIST_SQLITE_POWER_LOSS_H

/*
 * A test-only SQLite VFS that simulates power loss (catalogue F3), after the method of
 * SQLite's own crash tests (src/test6.c).
 *
 * Installed as the default VFS, it passes every file straight to the platform VFS except those
 * whose path starts with the tracked prefix. For those it remembers, per 512-byte sector, the
 * content the sector had when the file was last synced (xSync), and the file's synced size.
 * amexist_power_loss_image() then writes, into another folder, the files as a disk could hold
 * them after the power failed at that instant: every synced byte, and each unsynced sector
 * either written, lost (its synced content) or torn (garbage), as the mode says.
 */

/// What happens to the sectors written since the last sync of their file.
typedef enum {
  /// Every unsynced write reached the disk (a process crash).
  AMEXIST_POWER_LOSS_KEEP = 0,
  /// No unsynced write reached the disk, and files shrink back to their synced size.
  AMEXIST_POWER_LOSS_DROP = 1,
  /// Each unsynced sector independently reached the disk or not.
  AMEXIST_POWER_LOSS_RANDOM = 2,
  /// Each unsynced sector reached the disk, did not, or holds garbage (a torn write).
  AMEXIST_POWER_LOSS_TEAR = 3,
} amexist_power_loss_mode;

/// Installs the VFS as SQLite's default (once) and tracks the files under `prefix` from now on,
/// forgetting any tracked before. Returns an SQLite result code.
int amexist_power_loss_track(const char *prefix);

/// Writes the tracked files as a power failure now would leave them into the folder
/// `destination` (same base names), choosing sectors' fates with `seed`. Writes are held off
/// while the image is taken. Returns 0, or -1 with errno set.
int amexist_power_loss_image(const char *destination, unsigned int seed,
                             amexist_power_loss_mode mode);

/// Makes the next `writes` writes and the next `syncs` syncs of tracked files fail with an I/O
/// error (SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC) without touching the file: the EIO and
/// failed-fsync faults of catalogue F5.
void amexist_power_loss_fail_next(int writes, int syncs);

/// The number of sectors written and not yet synced, over all tracked files.
long amexist_power_loss_unsynced_sectors(void);

#endif
