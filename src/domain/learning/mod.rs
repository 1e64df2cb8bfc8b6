//! Learning: the validation rules of a learning request and the text work that turns its
//! content into a knowledge entry (normalised text, summary, keywords).

pub mod text;
pub mod validate;
