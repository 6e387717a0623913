//! The module's global allocator: size classes with free lists in front of std's (dlmalloc on
//! wasm32). An expansion makes and drops hundreds of thousands of small token, symbol and buffer
//! allocations; a free list answers those in a few instructions where dlmalloc searches its bins
//! and coalesces. Blocks of a class are carved from 64 KiB chunks and never given back: the
//! module's memory only grows anyway, and its peak is capped by the runtime.
//!
//! Deterministic (no addresses from outside, no time), so the verification builds still agree and
//! a macro's output cannot depend on it. Single-threaded: wasm32-unknown-unknown has no threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// Classes 16, 32, .. 256 bytes (step 16), then 512, 1024, 2048 and 4096.
const SMALL_STEP: usize = 16;
const SMALL_CLASSES: usize = 16;
const LARGE_CLASSES: usize = 4;
const CLASSES: usize = SMALL_CLASSES + LARGE_CLASSES;
const MAX_SIZE: usize = 4096;
/// Every block is aligned to this (classes are multiples of it, chunks start on it).
const ALIGN: usize = 16;
const CHUNK: usize = 64 * 1024;

fn class_of(size: usize) -> usize {
    if size <= SMALL_STEP * SMALL_CLASSES {
        size.max(1).div_ceil(SMALL_STEP) - 1
    } else {
        // 257..=512 -> 16, ..=1024 -> 17, ..=2048 -> 18, ..=4096 -> 19
        SMALL_CLASSES + (usize::BITS - (size - 1).leading_zeros()) as usize - 9
    }
}

fn class_size(class: usize) -> usize {
    if class < SMALL_CLASSES {
        (class + 1) * SMALL_STEP
    } else {
        512 << (class - SMALL_CLASSES)
    }
}

struct State {
    /// Head of each class's list of freed blocks; a free block's first word points to the next.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    next: *mut u8,
    end: *mut u8,
}

pub struct SizeClassAlloc {
    state: UnsafeCell<State>,
}

// One thread only (see the module comment): nothing can reach the state concurrently.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    pub const fn new() -> SizeClassAlloc {
        SizeClassAlloc {
            state: UnsafeCell::new(State { free: [std::ptr::null_mut(); CLASSES], next: std::ptr::null_mut(), end: std::ptr::null_mut() }),
        }
    }

    fn served(layout: Layout) -> bool {
        layout.size() <= MAX_SIZE && layout.align() <= ALIGN
    }

    unsafe fn take(&self, class: usize) -> *mut u8 {
        let state = &mut *self.state.get();
        let head = state.free[class];
        if !head.is_null() {
            state.free[class] = *(head as *mut *mut u8);
            return head;
        }
        let size = class_size(class);
        if (state.end as usize) - (state.next as usize) < size {
            // the rest of the old chunk (< 4 KiB) is left unused
            let chunk = System.alloc(Layout::from_size_align_unchecked(CHUNK, ALIGN));
            if chunk.is_null() {
                return chunk;
            }
            state.next = chunk;
            state.end = chunk.add(CHUNK);
        }
        let block = state.next;
        state.next = block.add(size);
        block
    }

    unsafe fn give_back(&self, block: *mut u8, class: usize) {
        let state = &mut *self.state.get();
        *(block as *mut *mut u8) = state.free[class];
        state.free[class] = block;
    }
}

impl Default for SizeClassAlloc {
    fn default() -> Self {
        SizeClassAlloc::new()
    }
}

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::served(layout) {
            self.take(class_of(layout.size()))
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if Self::served(layout) {
            self.give_back(ptr, class_of(layout.size()))
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (Self::served(layout), Self::served(new_layout)) {
            (false, false) => System.realloc(ptr, layout, new_size),
            (true, true) if class_of(layout.size()) == class_of(new_size) => ptr,
            _ => {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_fits_its_class_and_classes_grow() {
        let mut last = 0;
        for size in 1..=MAX_SIZE {
            let class = class_of(size);
            assert!(class < CLASSES, "size {size}");
            assert!(class_size(class) >= size, "size {size} in class {class} of {}", class_size(class));
            assert!(class >= last);
            assert_eq!(class_size(class) % ALIGN, 0);
            last = class;
        }
        assert_eq!(class_of(16), 0);
        assert_eq!(class_of(17), 1);
        assert_eq!(class_of(256), 15);
        assert_eq!(class_of(257), 16);
        assert_eq!(class_of(4096), 19);
    }

    #[test]
    fn blocks_are_reused_aligned_and_keep_their_contents_when_grown() {
        let a = SizeClassAlloc::new();
        unsafe {
            let small = Layout::from_size_align(24, 8).unwrap();
            let p = a.alloc(small);
            assert_eq!(p as usize % ALIGN, 0);
            p.write_bytes(7, 24);
            let q = a.realloc(p, small, 1000);
            assert_eq!(std::slice::from_raw_parts(q, 24), &[7; 24]);
            let big = a.realloc(q, Layout::from_size_align(1000, 8).unwrap(), 100_000);
            assert_eq!(std::slice::from_raw_parts(big, 24), &[7; 24]);
            a.dealloc(big, Layout::from_size_align(100_000, 8).unwrap());
            // p's block went back to its list: the next block of that class is the same one
            assert_eq!(a.alloc(small), p);
            let distinct: Vec<*mut u8> = (0..5000).map(|_| a.alloc(small)).collect();
            let mut sorted = distinct.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), distinct.len());
            let aligned = Layout::from_size_align(64, 64).unwrap();
            let r = a.alloc(aligned);
            assert_eq!(r as usize % 64, 0);
            a.dealloc(r, aligned);
        }
    }
}
