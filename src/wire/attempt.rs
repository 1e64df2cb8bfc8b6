//! Which attempt produced an activity's result: the workflows record it in their progress.

/// An activity result that says which attempt produced it.
pub trait Attempted {
    fn attempt(&self) -> u32;
}

/// `Attempted` for result structs with an `attempt` field.
macro_rules! attempted {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::wire::attempt::Attempted for $t {
            fn attempt(&self) -> u32 {
                self.attempt
            }
        }
    )*};
}
pub(crate) use attempted;
