//! The heavy passes of an analysis spread over the machine's cores with scoped threads
//! (no thread pool to configure or leak): results come back in input order, so they never
//! depend on thread timing. The threads work under their starter's stop flag
//! (`interrupt`).

use crate::interrupt;

/// How many threads the heavy passes use: the machine's cores, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// `f` over every item, on up to `threads()` threads, results in item order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let per_thread = items.len().div_ceil(threads()).max(1);
    if items.len() <= 1 {
        return items.iter().map(&f).collect();
    }
    let stop = interrupt::current();
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| {
                let stop = stop.clone();
                scope.spawn(move || {
                    interrupt::watching(stop, || chunk.iter().map(f).collect::<Vec<R>>())
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `f` on every item (owned, e.g. disjoint `&mut` chunks), on up to `threads()` threads.
pub fn for_each<T: Send>(items: Vec<T>, f: impl Fn(T) + Sync) {
    let per_thread = items.len().div_ceil(threads()).max(1);
    let mut items = items.into_iter();
    let stop = interrupt::current();
    std::thread::scope(|scope| {
        let f = &f;
        loop {
            let chunk: Vec<T> = items.by_ref().take(per_thread).collect();
            if chunk.is_empty() {
                break;
            }
            let stop = stop.clone();
            scope.spawn(move || interrupt::watching(stop, || chunk.into_iter().for_each(f)));
        }
    });
}

/// Runs `f` compiled for AVX2 where the CPU has it (the wheel targets baseline x86-64, which
/// has only 2-wide vectors). `f` and what it calls should be `#[inline(always)]` so they are
/// compiled into the AVX2 copy. AVX2 alone, without FMA: the same operations in the same
/// order, so the results are the same bits on every machine.
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { avx2(f) };
    }
    f()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            (0..1000).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |x| *x).is_empty());
    }
}
