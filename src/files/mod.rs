//! Files others read or give us: written atomically, read within a size budget, named
//! safely.

pub mod atomic;
pub mod capped;
pub mod names;
