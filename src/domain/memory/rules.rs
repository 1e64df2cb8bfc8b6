//! The rules that turn a user's sentence into typed memories. English, deterministic, and
//! cautious: a question, a hypothetical ("if ...") or a negated clause states no fact and
//! no preference. The table of rules is in the doc comment of `super` (mod.rs).

use super::dates::{dates, is_deadline};
use super::tokens::{Word, clauses, is_hypothetical, is_negation, is_question, words};
use crate::domain::learning::text::truncate;
use crate::wire::memory::MemoryKind;

/// Longest `text` a typed memory keeps (characters); longer clauses are cut at a word.
pub const MAX_TEXT_CHARS: usize = 200;
/// Longest subject or value (characters).
pub const MAX_VALUE_CHARS: usize = 100;

/// A memory a rule found in one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: MemoryKind,
    pub text: String,
    pub subject: Option<String>,
    pub value: Option<String>,
    pub confidence: f64,
}

/// Words allowed between "I" and the verb of a rule ("I really love", "I currently live").
const MODIFIERS: &[&str] = &[
    "absolutely",
    "actually",
    "also",
    "currently",
    "definitely",
    "do",
    "especially",
    "genuinely",
    "just",
    "longer",
    "mostly",
    "now",
    "really",
    "still",
    "totally",
    "truly",
    "usually",
];

/// Words that end a value: "I live in Berlin with my wife" -> "Berlin".
const BOUNDARIES: &[&str] = &[
    "also",
    "although",
    "and",
    "anymore",
    "as",
    "at",
    "because",
    "but",
    "currently",
    "for",
    "from",
    "if",
    "in",
    "nowadays",
    "now",
    "on",
    "or",
    "since",
    "so",
    "then",
    "though",
    "too",
    "unless",
    "until",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "with",
    "yet",
];

/// Words that do not start a thing one likes: "I like it" says nothing to remember, and
/// in "what I love is jazz" the verb follows.
const NOT_THINGS: &[&str] = &[
    "am", "are", "be", "been", "her", "him", "how", "is", "it", "me", "that", "them", "these",
    "this", "those", "us", "was", "were", "what", "when", "where", "which", "who", "you",
];

/// Lower-case words that are no name ("my name is important").
const NOT_NAMES: &[&str] = &[
    "a",
    "an",
    "important",
    "irrelevant",
    "private",
    "secret",
    "so",
    "the",
    "unknown",
    "very",
    "what",
    "weird",
    "long",
    "short",
    "hard",
    "difficult",
    "easy",
    "common",
    "unusual",
    "funny",
];

/// Name particles that may stand lower-case inside a name ("Ludwig van Beethoven").
const PARTICLES: &[&str] = &[
    "al", "bin", "binti", "da", "de", "del", "della", "der", "di", "du", "el", "ibn", "la", "le",
    "van", "von", "y",
];

/// Occupations for the weak rule "I am a/an X" (only these, or words ending in -ist, -ian,
/// -eer, so "I am a bit tired" states no role).
const OCCUPATIONS: &[&str] = &[
    "accountant",
    "administrator",
    "analyst",
    "architect",
    "artist",
    "baker",
    "banker",
    "barista",
    "carpenter",
    "cashier",
    "ceo",
    "cfo",
    "chef",
    "clerk",
    "coach",
    "co-founder",
    "consultant",
    "contractor",
    "cook",
    "cto",
    "designer",
    "detective",
    "developer",
    "director",
    "doctor",
    "driver",
    "economist",
    "editor",
    "electrician",
    "engineer",
    "farmer",
    "firefighter",
    "founder",
    "freelancer",
    "intern",
    "journalist",
    "judge",
    "lawyer",
    "librarian",
    "manager",
    "marketer",
    "mechanic",
    "nurse",
    "officer",
    "owner",
    "paramedic",
    "photographer",
    "physician",
    "pilot",
    "plumber",
    "president",
    "professor",
    "programmer",
    "recruiter",
    "researcher",
    "salesperson",
    "scientist",
    "soldier",
    "student",
    "surgeon",
    "teacher",
    "technician",
    "trainer",
    "translator",
    "tutor",
    "vet",
    "waiter",
    "waitress",
    "writer",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Capitalised words (or words of a script without case), up to 4, particles allowed
    /// inside; a single lower-case word only when the whole message is lower-case.
    Name,
    /// Any words up to the first boundary word, at most `max`.
    Phrase(usize),
    /// Like `Phrase`, but not starting with a pronoun.
    Thing(usize),
}

/// Where a rule's trigger must start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// "I" + modifiers or negations + the phrase ("I really live in").
    I,
    /// The phrase itself ("my name is", "call me").
    Bare,
}

/// An extra condition a rule's match must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    None,
    /// The value's last word is an occupation ("I am a nurse", not "I am a bit tired").
    Occupation,
    /// The phrase opens the clause or follows "please", "just", "you", "can" ("call me
    /// Alex", not "they call me late").
    OpensClause,
}

struct Rule {
    kind: MemoryKind,
    subject: &'static str,
    lead: Lead,
    phrases: &'static [&'static [&'static str]],
    shape: Shape,
    guard: Guard,
    confidence: f64,
}

/// Phrase words: "a|an|" matches "a", "an" or nothing.
#[rustfmt::skip]
const RULES: &[Rule] = &[
    Rule { kind: MemoryKind::Fact, subject: "name", lead: Lead::Bare, shape: Shape::Name, guard: Guard::None, confidence: 0.9,
        phrases: &[&["my", "name", "is"], &["my", "first", "name", "is"], &["my", "full", "name", "is"]] },
    Rule { kind: MemoryKind::Fact, subject: "name", lead: Lead::I, shape: Shape::Name, guard: Guard::None, confidence: 0.8,
        phrases: &[&["am", "called"], &["go", "by"]] },
    Rule { kind: MemoryKind::Fact, subject: "name", lead: Lead::Bare, shape: Shape::Name, guard: Guard::OpensClause, confidence: 0.7,
        phrases: &[&["call", "me"]] },
    Rule { kind: MemoryKind::Fact, subject: "location", lead: Lead::I, shape: Shape::Phrase(5), guard: Guard::None, confidence: 0.85,
        phrases: &[&["live", "in"], &["reside", "in"], &["am", "living", "in"], &["am", "based", "in"],
                   &["moved", "to"], &["have", "moved", "to"], &["am", "staying", "in"]] },
    Rule { kind: MemoryKind::Fact, subject: "hometown", lead: Lead::I, shape: Shape::Phrase(5), guard: Guard::None, confidence: 0.8,
        phrases: &[&["am", "from"], &["come", "from"], &["grew", "up", "in"]] },
    Rule { kind: MemoryKind::Fact, subject: "employer", lead: Lead::I, shape: Shape::Phrase(5), guard: Guard::None, confidence: 0.85,
        phrases: &[&["work", "at|for"], &["am", "employed", "at|by"], &["am", "working", "at|for"]] },
    Rule { kind: MemoryKind::Fact, subject: "role", lead: Lead::I, shape: Shape::Phrase(4), guard: Guard::None, confidence: 0.85,
        phrases: &[&["work", "as", "a|an|"], &["am", "working", "as", "a|an|"], &["am", "employed", "as", "a|an|"]] },
    Rule { kind: MemoryKind::Fact, subject: "role", lead: Lead::Bare, shape: Shape::Phrase(4), guard: Guard::None, confidence: 0.85,
        phrases: &[&["my", "role|position|occupation|profession", "is", "a|an|"], &["my", "job", "title", "is"]] },
    Rule { kind: MemoryKind::Fact, subject: "role", lead: Lead::Bare, shape: Shape::Phrase(4), guard: Guard::Occupation, confidence: 0.8,
        phrases: &[&["my", "job", "is", "a|an|"]] },
    Rule { kind: MemoryKind::Fact, subject: "role", lead: Lead::I, shape: Shape::Phrase(3), guard: Guard::Occupation, confidence: 0.6,
        phrases: &[&["am", "a|an"]] },
    Rule { kind: MemoryKind::Preference, subject: "", lead: Lead::I, shape: Shape::Thing(6), guard: Guard::None, confidence: 0.8,
        phrases: &[&["like|love|adore|prefer|enjoy|hate|detest|dislike"]] },
];

/// What a preference verb says, as the memory's value.
fn attitude(verb: &str) -> &'static str {
    match verb {
        "like" => "likes",
        "love" | "adore" => "loves",
        "prefer" => "prefers",
        "enjoy" => "enjoys",
        "hate" | "detest" => "hates",
        _ => "dislikes",
    }
}

fn matches(word: Option<&Word>, alternatives: &str) -> bool {
    word.is_some_and(|w| alternatives.split('|').any(|a| a == w.lower))
}

/// Matches `phrase` at `w[i..]`; optional words ("a|an|") may be missing. Before each of the
/// first two phrase words, modifiers and negations may stand when `lead` is `I`. Returns
/// (index after the phrase, negated, index of the phrase's first word).
fn phrase_at(
    w: &[Word],
    mut i: usize,
    phrase: &[&str],
    lead: Lead,
) -> Option<(usize, bool, usize)> {
    let mut negated = false;
    let mut first = None;
    for (n, part) in phrase.iter().enumerate() {
        if lead == Lead::I && n < 2 {
            let mut skipped = 0;
            while skipped < 3
                && w.get(i)
                    .is_some_and(|x| MODIFIERS.contains(&x.lower.as_str()) || is_negation(&x.lower))
                && !matches(w.get(i), part)
            {
                negated |= is_negation(&w[i].lower);
                i += 1;
                skipped += 1;
            }
        }
        if matches(w.get(i), part) {
            first.get_or_insert(i);
            i += 1;
        } else if !part.split('|').any(str::is_empty) {
            return None;
        }
    }
    Some((i, negated, first?))
}

fn name_like(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() && !c.is_lowercase())
}

/// The value a rule's phrase introduces: (first word, last word) indices.
fn value_at(
    clause: &str,
    w: &[Word],
    i: usize,
    shape: Shape,
    lowercase_message: bool,
) -> Option<(usize, usize)> {
    let first = w.get(i)?;
    if is_negation(&first.lower) || BOUNDARIES.contains(&first.lower.as_str()) {
        return None;
    }
    match shape {
        Shape::Name => {
            let text = |x: &Word| &clause[x.start..x.end];
            if !name_like(text(first)) {
                let lone = lowercase_message
                    && first.lower.chars().all(char::is_alphabetic)
                    && !NOT_NAMES.contains(&first.lower.as_str());
                return lone.then_some((i, i));
            }
            let mut last = i;
            while last + 1 < w.len() && last + 1 - i < 4 {
                let next = &w[last + 1];
                let particle = PARTICLES.contains(&next.lower.as_str())
                    && w.get(last + 2).is_some_and(|n| name_like(text(n)));
                if !(name_like(text(next)) || particle) {
                    break;
                }
                last += 1;
            }
            Some((i, last))
        }
        Shape::Phrase(max) | Shape::Thing(max) => {
            if matches!(shape, Shape::Thing(_)) && NOT_THINGS.contains(&first.lower.as_str()) {
                return None;
            }
            let mut last = i;
            while last + 1 < w.len()
                && last + 1 - i < max
                && !BOUNDARIES.contains(&w[last + 1].lower.as_str())
                && !is_negation(&w[last + 1].lower)
            {
                last += 1;
            }
            Some((i, last))
        }
    }
}

fn is_occupation(word: &str) -> bool {
    OCCUPATIONS.contains(&word)
        || (word.chars().count() > 5 && ["ist", "ian", "eer"].iter().any(|s| word.ends_with(s)))
}

fn cut(text: &str, max: usize) -> String {
    truncate(text.trim(), max)
}

/// Facts and preferences stated in one clause.
fn facts_and_preferences(clause: &str, w: &[Word], lowercase_message: bool, out: &mut Vec<Found>) {
    let mut i = 0;
    while i < w.len() {
        let mut advanced = false;
        for rule in RULES {
            let start = match rule.lead {
                Lead::I if w[i].lower == "i" => i + 1,
                Lead::I => continue,
                Lead::Bare => i,
            };
            let opens =
                i == 0 || matches!(w[i - 1].lower.as_str(), "please" | "just" | "you" | "can");
            if rule.guard == Guard::OpensClause && !opens {
                continue;
            }
            for phrase in rule.phrases {
                let Some((after, negated, verb)) = phrase_at(w, start, phrase, rule.lead) else {
                    continue;
                };
                let Some((first, last)) = value_at(clause, w, after, rule.shape, lowercase_message)
                else {
                    continue;
                };
                if negated || (rule.guard == Guard::Occupation && !is_occupation(&w[last].lower)) {
                    continue;
                }
                let value = cut(&clause[w[first].start..w[last].end], MAX_VALUE_CHARS);
                let (subject, value) = if rule.kind == MemoryKind::Preference {
                    (value, attitude(&w[verb].lower).to_owned())
                } else {
                    (rule.subject.to_owned(), value)
                };
                let lone_lowercase_name =
                    rule.shape == Shape::Name && !name_like(&clause[w[first].start..]);
                out.push(Found {
                    kind: rule.kind,
                    text: cut(clause, MAX_TEXT_CHARS),
                    subject: Some(subject),
                    value: Some(value),
                    confidence: if lone_lowercase_name {
                        rule.confidence - 0.2
                    } else {
                        rule.confidence
                    },
                });
                i = last;
                advanced = true;
                break;
            }
            if advanced {
                break;
            }
        }
        i += 1;
    }
    favourites(clause, w, out);
}

/// "My favourite colour is blue": subject "favourite colour", value "blue".
fn favourites(clause: &str, w: &[Word], out: &mut Vec<Found>) {
    for i in 0..w.len() {
        if w[i].lower != "my" || !matches(w.get(i + 1), "favorite|favourite|fav") {
            continue;
        }
        let Some(verb) = (i + 2..(i + 6).min(w.len())).find(|&k| matches(w.get(k), "is|are|was"))
        else {
            continue;
        };
        if verb == i + 2 {
            continue;
        }
        let Some((first, last)) = value_at(clause, w, verb + 1, Shape::Phrase(5), false) else {
            continue;
        };
        out.push(Found {
            kind: MemoryKind::Preference,
            text: cut(clause, MAX_TEXT_CHARS),
            subject: Some(cut(
                &clause[w[i + 1].start..w[verb - 1].end],
                MAX_VALUE_CHARS,
            )),
            value: Some(cut(&clause[w[first].start..w[last].end], MAX_VALUE_CHARS)),
            confidence: 0.85,
        });
    }
}

/// Words that may open a request before its verb: "please remember", "can you remember".
const REQUEST_LEADERS: &[&str] = &[
    "also", "and", "can", "could", "hey", "hi", "just", "kindly", "now", "oh", "ok", "okay",
    "please", "pls", "so", "will", "would", "you",
];

/// The part of the sentence an explicit request asks to keep: "remember that X",
/// "remember to X", "remember: X", "don't forget (that) X", "keep in mind (that) X",
/// "note to self: X", "make a note (that|of) X". Byte offset where X starts.
fn request_body(sentence: &str, w: &[Word]) -> Option<usize> {
    let lead = w
        .iter()
        .take_while(|x| REQUEST_LEADERS.contains(&x.lower.as_str()))
        .count();
    if lead > 4 {
        return None;
    }
    let triggers: &[&[&str]] = &[
        &["remember"],
        &["don't|dont", "forget"],
        &["do", "not", "forget"],
        &["never", "forget"],
        &["keep", "in", "mind"],
        &["note", "to", "self"],
        &["make", "a", "note"],
    ];
    let (after, _, _) = triggers
        .iter()
        .find_map(|t| phrase_at(w, lead, t, Lead::Bare))?;
    let next = w.get(after)?;
    let colon = sentence[w[after - 1].end..next.start].contains(':');
    let body = match next.lower.as_str() {
        "that" | "of" => w.get(after + 1)?.start,
        "to" => next.start,
        _ if colon => next.start,
        // "remember" alone is too loose ("remember when ..."); the others take any object.
        _ if w[after - 1].lower != "remember" => next.start,
        _ => return None,
    };
    Some(body)
}

/// Every typed memory (facts, preferences, requests, dates) in one sentence of a user's
/// message. `lowercase_message`: the whole message has no capital letter, so a lone
/// lower-case name is believed ("my name is alice").
pub fn sentence_memories(sentence: &str, lowercase_message: bool) -> Vec<Found> {
    let w = words(sentence);
    let mut out = Vec::new();
    let body = request_body(sentence, &w);
    if let Some(start) = body {
        let text = sentence[start..]
            .trim()
            .trim_end_matches(['.', '!', '?', '\u{FF1F}'])
            .trim();
        if !text.is_empty() {
            out.push(Found {
                kind: MemoryKind::Request,
                text: cut(text, MAX_TEXT_CHARS),
                subject: None,
                value: None,
                confidence: 0.95,
            });
        }
    }
    let question = is_question(sentence, &w);
    // A request phrased as a question ("can you remember that my name is Bob?") still states its body.
    let statement = match (question, body) {
        (false, _) => sentence,
        (true, Some(start)) => &sentence[start..],
        (true, None) => return out,
    };
    let hypothetical = is_hypothetical(&words(statement));
    for clause in clauses(statement) {
        let cw = words(clause);
        if !hypothetical {
            facts_and_preferences(clause, &cw, lowercase_message, &mut out);
        }
        for date in dates(&cw) {
            let subject = if is_deadline(&cw, &date) {
                "deadline"
            } else {
                "date"
            };
            out.push(Found {
                kind: MemoryKind::Date,
                text: cut(clause, MAX_TEXT_CHARS),
                subject: Some(subject.to_owned()),
                value: Some(date.value),
                confidence: date.confidence,
            });
        }
    }
    out
}
