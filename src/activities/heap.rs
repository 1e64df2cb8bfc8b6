//! Giving freed heap memory back to the operating system after a large step. glibc keeps
//! memory freed by a thread in that thread's arena, and once a large block has been freed
//! it serves even large requests from the arenas; so a step that allocates and frees many
//! buffers (reading a table batch by batch) leaves its resident memory well above what it
//! holds. Measured on the 1M-row benchmark table: 125 MB resident after reading, 85 MB
//! after trimming, 166 MB instead of 220 MB at the analysis' peak.

/// Returns free heap pages to the OS where the allocator is glibc's; elsewhere a no-op.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists; it takes no pointers of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}
