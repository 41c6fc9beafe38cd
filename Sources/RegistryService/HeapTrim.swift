import CHeapTrim

/// Returns freed memory to the system after a large transient allocation.
///
/// Call it after work whose transient memory was far larger than what it keeps (a full fold of
/// every service, every service's texts folded): each call walks the allocator's heaps.
public enum HeapTrim {
  /// Gives the memory the allocator holds free back to the system, so that a peak (every
  /// service's history at a full fold) does not stay in the process's resident size for its
  /// life: glibc keeps freed small blocks in its heap until trimmed.
  public static func releaseFreeMemory() { amexist_trim_heap() }
}
