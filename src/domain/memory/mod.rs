//! Memory extraction: deterministic, documented rules that turn a conversation into typed
//! memories, and the checks its requests pass. No Temporal here: the activities in
//! `activities::memory` run it.
//!
//! Every message whose content has more than 20 characters is kept verbatim as conversation
//! text (a memory of kind `message`, as the original kept them). The typed memories come
//! from the messages whose role is `user` (any case), sentence by sentence, clause by
//! clause (clauses end at `, ; : ( ) — –` and at the word "but"). Rules are English;
//! matching ignores case, and "I'm", "I've", "I'd", "name's" are read as "I am", "I have",
//! "I would", "name is".
//!
//! | kind | rule (trigger, then the value) | subject | value | confidence |
//! | --- | --- | --- | --- | --- |
//! | fact | "my name is / my first name is / my full name is" + a name | `name` | the name | 0.9 |
//! | fact | "I am called / I go by" + a name | `name` | the name | 0.8 |
//! | fact | "call me" + a name, opening the clause | `name` | the name | 0.7 |
//! | fact | "I live in / reside in / am living in / am based in / am staying in / (have) moved to" + a place | `location` | the place | 0.85 |
//! | fact | "I am from / come from / grew up in" + a place | `hometown` | the place | 0.8 |
//! | fact | "I work at / work for / am employed at, by / am working at, for" + a name | `employer` | the employer | 0.85 |
//! | fact | "I work as / am working as / am employed as (a, an)" + words; "my role / position / occupation / profession is", "my job title is" + words | `role` | the role | 0.85 |
//! | fact | "my job is (a, an)" + words ending in an occupation | `role` | the role | 0.8 |
//! | fact | "I am a / an" + up to 3 words ending in an occupation (a listed one, or a word over 5 letters ending in -ist, -ian, -eer) | `role` | the role | 0.6 |
//! | preference | "I like / love / adore / prefer / enjoy / hate / detest / dislike" + a thing (not a pronoun: "I like it" is nothing) | the thing | `likes`, `loves`, `prefers`, `enjoys`, `hates`, `dislikes` | 0.8 |
//! | preference | "my favourite / favorite / fav" + X + "is / are / was" + Y | `favourite X` as written | Y | 0.85 |
//! | request | at the start of a sentence (after "please", "can you", "ok", ...): "remember that / to / :", "don't forget (that)", "do not forget", "never forget", "keep in mind (that)", "note to self", "make a note (that, of)" + the rest of the sentence | — | — | 0.95 |
//! | date | an ISO date (2027-05-03) | `deadline` or `date` | `2027-05-03` | 0.95 |
//! | date | a month-name date: "May 3", "May 3rd, 2027", "3 May", "3rd of May 2027" (invalid days such as April 31 are ignored) | `deadline` or `date` | `2027-05-03`, or `--05-03` without a year | 0.9 |
//! | date | "today", "tonight", "tomorrow", "next / this / coming" + weekday, week, weekend, month, year; "end of (the) day, week, month, year"; "on / by / before / until / till" + weekday | `deadline` or `date` | the phrase in lower case (`next friday`) | 0.6 |
//! | keyword | the 10 most frequent meaningful words (3+ letters, not a stop word, not a rule's own word such as "name" or "love", seen at least twice) of the user's messages; `text` is the word | — | — | 0.5 |
//! | message | any message (any role) with more than 20 characters | — | — | 1.0 |
//!
//! - A memory's `text` is the clause it came from (for a request: what to remember; for a
//!   keyword: the word), at most 200 characters, cut at a word.
//! - Values: a name is up to 4 capitalised words (or words of a script without case:
//!   "李雷"), particles such as "van", "de", "bin" allowed inside; a single lower-case word
//!   counts as a name only when the whole message has no capital letter ("my name is
//!   alice", confidence 0.2 lower). Other values run to the first boundary word ("and",
//!   "but", "with", "at", "in", "for", "because", "since", ...), at most 3 to 6 words.
//! - Not facts: questions (ending in "?", or starting with an auxiliary verb — "do I like
//!   tea" — or a wh-word plus an auxiliary — "where do I live"); hypotheticals (starting
//!   with "if", "unless", "suppose", "imagine", "maybe", ...); negated clauses ("my name is
//!   not important", "I don't like tea", "I no longer live in Oslo", "I am not a teacher").
//!   A request phrased as a question ("can you remember that my name is Bob?") still counts,
//!   and its body is read as a statement.
//! - A date is a `deadline` when its clause says "deadline" or "due", or it follows "by",
//!   "before", "until", "till"; a date right after a negation ("not on May 3") is skipped.
//! - Questions give no facts, preferences or dates, but their words count for keywords.

pub mod dates;
pub mod extract;
pub mod request;
pub mod rules;
pub mod tokens;

#[cfg(test)]
mod tests;
