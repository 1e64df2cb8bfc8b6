//! FTS5's own tokenizer (`porter unicode61 remove_diacritics 2`, the one `memories_fts`
//! uses), called from Rust: the search index and the snippets must see the very tokens
//! FTS5 indexes and queries, or their matches, lengths and highlights would differ from
//! FTS5's.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use rusqlite::Connection;
use rusqlite::ffi;

use super::rank::{check, fts5_api};

/// FTS5 truncates longer tokens to this many bytes (FTS5_MAX_TOKEN_SIZE).
const MAX_TOKEN_BYTES: usize = 32_768;

/// What a token is for: FTS5 tokenizes a document, a query and the text an auxiliary
/// function (snippet) reads with different flags.
#[derive(Clone, Copy)]
pub enum Purpose {
    Document,
    Query,
    Snippet,
}

/// A token and the bytes of the text it came from.
pub struct Span {
    pub token: String,
    pub start: usize,
    pub end: usize,
}

/// What the tokenizer's callback hands each token to: its bytes and where it lies.
type OnToken<'a> = dyn FnMut(&[u8], usize, usize) + 'a;

/// An FTS5 tokenizer instance, deleted on drop.
pub struct Tokenizer {
    methods: ffi::fts5_tokenizer,
    instance: *mut ffi::Fts5Tokenizer,
}

impl Tokenizer {
    /// The `porter unicode61 remove_diacritics 2` tokenizer of this connection's FTS5.
    pub fn new(connection: &Connection) -> rusqlite::Result<Self> {
        // SAFETY: the handle is this open connection's; the tokenizer methods FTS5 hands
        // out stay valid while the connection is open, which outlives this value (it is
        // made and dropped within one call that holds the connection).
        unsafe {
            let db = connection.handle();
            let api = fts5_api(db)?;
            let find = (*api)
                .xFindTokenizer
                .ok_or_else(|| missing("xFindTokenizer"))?;
            let mut user_data: *mut c_void = ptr::null_mut();
            let mut methods = ffi::fts5_tokenizer {
                xCreate: None,
                xDelete: None,
                xTokenize: None,
            };
            check(
                db,
                find(api, c"porter".as_ptr(), &mut user_data, &mut methods),
            )?;
            let create = methods.xCreate.ok_or_else(|| missing("xCreate"))?;
            let mut args: [*const c_char; 3] = [
                c"unicode61".as_ptr(),
                c"remove_diacritics".as_ptr(),
                c"2".as_ptr(),
            ];
            let mut instance: *mut ffi::Fts5Tokenizer = ptr::null_mut();
            check(db, create(user_data, args.as_mut_ptr(), 3, &mut instance))?;
            Ok(Self { methods, instance })
        }
    }

    /// The tokens of `text`, in order, as FTS5 stores them.
    pub fn tokens(&self, text: &str, purpose: Purpose) -> rusqlite::Result<Vec<String>> {
        let mut out = Vec::new();
        self.each(text, purpose, &mut |token, _, _| out.push(lossy(token)))?;
        Ok(out)
    }

    /// The tokens of `text`, in order, each with the bytes it came from.
    pub fn spans(&self, text: &str, purpose: Purpose) -> rusqlite::Result<Vec<Span>> {
        let mut out = Vec::new();
        self.each(text, purpose, &mut |token, start, end| {
            out.push(Span {
                token: lossy(token),
                start,
                end,
            });
        })?;
        Ok(out)
    }

    fn each(&self, text: &str, purpose: Purpose, on: &mut OnToken<'_>) -> rusqlite::Result<()> {
        let Ok(len) = c_int::try_from(text.len()) else {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                "text too long to tokenize".into(),
            ));
        };
        let flags = match purpose {
            Purpose::Document => ffi::FTS5_TOKENIZE_DOCUMENT,
            Purpose::Query => ffi::FTS5_TOKENIZE_QUERY,
            Purpose::Snippet => ffi::FTS5_TOKENIZE_AUX,
        };
        let tokenize = self.methods.xTokenize.ok_or_else(|| missing("xTokenize"))?;
        let mut on: &mut OnToken<'_> = on;
        // SAFETY: the instance is live; text outlives the call; the callback receives the
        // pointer to `on` passed here and nothing else, while `on` lives.
        let rc = unsafe {
            tokenize(
                self.instance,
                (&mut on as *mut &mut OnToken<'_>).cast(),
                flags,
                text.as_ptr().cast(),
                len,
                Some(forward),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None));
        }
        Ok(())
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        if let Some(delete) = self.methods.xDelete {
            // SAFETY: made by xCreate in new(), deleted once.
            unsafe { delete(self.instance) };
        }
    }
}

unsafe extern "C" fn forward(
    context: *mut c_void,
    flags: c_int,
    token: *const c_char,
    len: c_int,
    start: c_int,
    end: c_int,
) -> c_int {
    // Synonyms at the same position are not counted (FTS5 counts positions); neither
    // tokenizer in use makes any.
    if flags & ffi::FTS5_TOKEN_COLOCATED != 0 {
        return ffi::SQLITE_OK;
    }
    let len = usize::try_from(len).unwrap_or(0).min(MAX_TOKEN_BYTES);
    // SAFETY: FTS5 passes `len` readable bytes at `token`, and our own context pointer.
    let (bytes, on) = unsafe {
        (
            if token.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(token.cast::<u8>(), len)
            },
            &mut *context.cast::<&mut OnToken<'_>>(),
        )
    };
    let offset = |at: c_int| usize::try_from(at).unwrap_or(0);
    on(bytes, offset(start), offset(end));
    ffi::SQLITE_OK
}

fn lossy(token: &[u8]) -> String {
    String::from_utf8_lossy(token).into_owned()
}

fn missing(what: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_ERROR),
        Some(format!("this SQLite's FTS5 has no {what}")),
    )
}
