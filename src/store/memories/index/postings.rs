//! One block of a term's postings for one owner: for each memory holding the term, what
//! its score needs (the term's weighted frequency, the memory's length in tokens, its kind
//! and its confidence), and the block's frontier: the few postings no other posting of the
//! same kind beats in all of frequency, length and confidence. BM25 grows with frequency
//! and falls with length, so the frontier's best score is the block's best score, for any
//! average length and IDF, which is what lets a search skip the block.

use crate::wire::memory::MemoryKind;

/// Most postings one block holds.
pub const BLOCK_POSTINGS: usize = 256;
/// A block with fewer postings than this takes new postings in place; a larger one is left
/// as it is and new postings start a block. Rewriting a block costs its size (and
/// secure_delete overwrites the old copy), so only small ones are rewritten.
pub const SMALL_BLOCK: usize = BLOCK_POSTINGS / 4;
/// Most points a frontier keeps per kind; past that, one point bounds the rest.
const MAX_FRONTIER: usize = 8;

/// What a memory's score for one term needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posting {
    pub id: i64,
    /// The term's occurrences, each weighed by its column's weight (whole numbers).
    pub f: u32,
    /// The memory's length in tokens, all columns.
    pub d: u32,
    pub kind: u8,
    /// The memory's confidence, clamped to 0..=1 as ranking uses it.
    pub confidence: f64,
}

impl Posting {
    fn dominates(&self, other: &Posting) -> bool {
        self.kind == other.kind
            && self.f >= other.f
            && self.d <= other.d
            && self.confidence >= other.confidence
    }
}

/// The code of a kind in postings.
pub fn kind_code(kind: MemoryKind) -> u8 {
    MemoryKind::ALL
        .iter()
        .position(|k| *k == kind)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// The code of a kind as stored in a memory's row; an unknown one matches no kind filter.
pub fn kind_code_of(kind: &str) -> u8 {
    MemoryKind::parse(kind).map_or(u8::MAX, kind_code)
}

/// A block's postings (ids ascending) as stored.
pub fn encode(postings: &[Posting]) -> Vec<u8> {
    let mut out = Vec::with_capacity(postings.len() * 12);
    let mut previous = postings.first().map_or(0, |p| p.id);
    for p in postings {
        put_varint(&mut out, p.id.wrapping_sub(previous) as u64);
        previous = p.id;
        put_point(&mut out, p);
    }
    out
}

/// The postings of a stored block whose first id is `first`.
pub fn decode(first: i64, mut bytes: &[u8]) -> Result<Vec<Posting>, Malformed> {
    let mut out = Vec::with_capacity(bytes.len() / 12);
    let mut id = first;
    while !bytes.is_empty() {
        id = id.wrapping_add(take_varint(&mut bytes)? as i64);
        out.push(take_point(&mut bytes, id)?);
    }
    Ok(out)
}

/// The frontier of `postings` (ids are not kept: a frontier bounds, it does not find).
pub fn frontier(postings: &[Posting]) -> Vec<Posting> {
    let mut points: Vec<Posting> = Vec::new();
    for p in postings {
        if points.iter().any(|q| q.dominates(p)) {
            continue;
        }
        points.retain(|q| !p.dominates(q));
        points.push(Posting { id: 0, ..*p });
    }
    let mut kinds: Vec<u8> = points.iter().map(|p| p.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let of_kind: Vec<Posting> = points.iter().filter(|p| p.kind == kind).copied().collect();
        if of_kind.len() > MAX_FRONTIER {
            let bound = of_kind.iter().fold(of_kind[0], |a, p| Posting {
                f: a.f.max(p.f),
                d: a.d.min(p.d),
                confidence: a.confidence.max(p.confidence),
                ..a
            });
            points.retain(|p| p.kind != kind);
            points.push(bound);
        }
    }
    points
}

pub fn encode_frontier(points: &[Posting]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 12);
    for p in points {
        put_point(&mut out, p);
    }
    out
}

pub fn decode_frontier(mut bytes: &[u8]) -> Result<Vec<Posting>, Malformed> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        out.push(take_point(&mut bytes, 0)?);
    }
    Ok(out)
}

/// A stored block that does not decode: the index is damaged.
#[derive(Debug)]
pub struct Malformed;

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a block of the memory search index is damaged")
    }
}

impl std::error::Error for Malformed {}

/// A damaged block as the SQL error of the statement that read it.
pub fn damaged(e: Malformed) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, e.into())
}

fn put_point(out: &mut Vec<u8>, p: &Posting) {
    put_varint(out, u64::from(p.f));
    put_varint(out, u64::from(p.d));
    out.push(p.kind);
    out.extend_from_slice(&p.confidence.to_le_bytes());
}

fn take_point(bytes: &mut &[u8], id: i64) -> Result<Posting, Malformed> {
    let f = u32::try_from(take_varint(bytes)?).map_err(|_| Malformed)?;
    let d = u32::try_from(take_varint(bytes)?).map_err(|_| Malformed)?;
    let (&kind, rest) = bytes.split_first().ok_or(Malformed)?;
    let (confidence, rest) = rest.split_first_chunk::<8>().ok_or(Malformed)?;
    *bytes = rest;
    Ok(Posting {
        id,
        f,
        d,
        kind,
        confidence: f64::from_le_bytes(*confidence),
    })
}

/// LEB128: 7 bits a byte, low bits first.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn take_varint(bytes: &mut &[u8]) -> Result<u64, Malformed> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Ok(value);
        }
    }
    Err(Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(id: i64, f: u32, d: u32, kind: u8, confidence: f64) -> Posting {
        Posting {
            id,
            f,
            d,
            kind,
            confidence,
        }
    }

    #[test]
    fn column_weights_are_whole_numbers_so_frequencies_are() {
        use crate::store::memories::rank::COLUMN_WEIGHTS;
        assert!(COLUMN_WEIGHTS.iter().all(|w| w.fract() == 0.0 && *w >= 1.0));
    }

    #[test]
    fn blocks_round_trip_and_damage_is_an_error() {
        let postings = vec![
            posting(5, 1, 9, 0, 1.0),
            posting(6, 3, 300, 2, 0.5),
            posting(1 << 40, 2, 12, 5, 0.8),
        ];
        let bytes = encode(&postings);
        assert_eq!(decode(5, &bytes).unwrap(), postings);
        assert!(decode(5, &bytes[..bytes.len() - 1]).is_err());
        assert!(decode(5, &[0xff; 11]).is_err());
    }

    #[test]
    fn the_frontier_keeps_what_nothing_beats() {
        let postings = vec![
            posting(1, 1, 10, 0, 1.0),
            posting(2, 2, 10, 0, 1.0), // beats 1
            posting(3, 1, 5, 0, 1.0),  // shorter: kept
            posting(4, 1, 4, 1, 0.2),  // another kind: kept
            posting(5, 2, 10, 0, 0.9), // beaten by 2
        ];
        let points = frontier(&postings);
        let mut kept: Vec<(u32, u32, u8)> = points.iter().map(|p| (p.f, p.d, p.kind)).collect();
        kept.sort_unstable();
        assert_eq!(kept, vec![(1, 4, 1), (1, 5, 0), (2, 10, 0)]);
        assert_eq!(decode_frontier(&encode_frontier(&points)).unwrap(), points);
        let many: Vec<Posting> = (0..50)
            .map(|i| posting(i, 50 - i as u32, 100 - 2 * i as u32, 0, 1.0))
            .collect();
        let bounded = frontier(&many);
        assert!(bounded.len() <= MAX_FRONTIER);
        for p in &many {
            assert!(
                bounded.iter().any(|q| q.f >= p.f && q.d <= p.d),
                "{p:?} is bounded"
            );
        }
    }
}
