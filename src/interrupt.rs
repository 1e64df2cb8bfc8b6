//! Stopping long work on another thread early. An async caller that gives up (its activity
//! was cancelled or timed out, its worker is stopping) cannot drop a blocking thread's work;
//! it raises a flag instead, and the long loops (loading a file, k-means iterations, drawing
//! charts) look at it between rounds and give up too, so the thread and the memory it holds
//! are free again in milliseconds rather than when the work would have ended.
//!
//! The flag travels with the thread that does the work (`watching`), and to the scoped
//! threads it starts (`analysis::parallel`), so no function in between takes a parameter
//! for it.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a loop that gave up answers: its caller's result is dropped unread.
pub const STOPPED: &str = "stopped: the step was cancelled";

/// A flag the work's owner raises to stop it.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

thread_local! {
    static WATCHED: RefCell<Option<StopFlag>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread with `flag` as the one `requested` looks at.
pub fn watching<R>(flag: Option<StopFlag>, work: impl FnOnce() -> R) -> R {
    /// Puts the flag before back, even if `work` panics (pooled threads run other work next).
    struct Restore(Option<StopFlag>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            WATCHED.with(|w| *w.borrow_mut() = before);
        }
    }
    let _restore = Restore(WATCHED.with(|w| w.replace(flag)));
    work()
}

/// The flag this thread's work runs under, to hand to the threads it starts.
pub fn current() -> Option<StopFlag> {
    WATCHED.with(|w| w.borrow().clone())
}

/// Whether the owner of this thread's work asked it to stop.
pub fn requested() -> bool {
    WATCHED.with(|w| w.borrow().as_ref().is_some_and(StopFlag::is_raised))
}

/// Raises its flag when dropped before `disarm`: an async caller keeps one while it awaits
/// the work, so that being dropped (cancelled) stops the work too.
#[derive(Debug)]
pub struct RaiseOnDrop(Option<StopFlag>);

impl RaiseOnDrop {
    pub fn new(flag: StopFlag) -> Self {
        Self(Some(flag))
    }

    /// The work ended: nothing to stop.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.raise();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_flag_is_seen_only_by_the_work_it_watches() {
        let flag = StopFlag::default();
        assert!(!requested());
        watching(Some(flag.clone()), || {
            assert!(!requested());
            flag.raise();
            assert!(requested());
            // The flag travels to threads started with it.
            let handed = current();
            std::thread::spawn(move || watching(handed, requested))
                .join()
                .map(|seen| assert!(seen))
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
        assert!(!requested());
    }

    #[test]
    fn a_guard_raises_its_flag_unless_disarmed() {
        let (dropped, finished) = (StopFlag::default(), StopFlag::default());
        drop(RaiseOnDrop::new(dropped.clone()));
        RaiseOnDrop::new(finished.clone()).disarm();
        assert!(dropped.is_raised());
        assert!(!finished.is_raised());
    }
}
