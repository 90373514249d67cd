//! Giving memory back to the system once a burst of work is over.
//!
//! A daemon rescan of a large calendar allocates a lot for a moment (the parsed manifests, the
//! checks) and then keeps only the desired state. glibc's allocator keeps the freed pages for
//! reuse, so an idle daemon would show its peak as resident memory for as long as it sleeps;
//! `malloc_trim` hands them back (measured in the README's benchmarks).

/// Returns freed heap memory to the operating system where the allocator supports it.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: `malloc_trim` only releases free pages of glibc's own heap; it has no
        // preconditions and does not touch memory in use.
        unsafe {
            malloc_trim(0);
        }
    }
}
