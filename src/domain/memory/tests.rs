//! Each extraction rule with positive and negative cases, unicode, negations, questions.

use super::extract::{Extraction, MAX_TYPED_MEMORY_BYTES, Message, extract};
use super::rules::sentence_memories;
use crate::wire::memory::MemoryKind;

/// (kind, subject, value) of everything one user sentence yields.
fn found(sentence: &str) -> Vec<(MemoryKind, String, String)> {
    let lowercase = !sentence.chars().any(char::is_uppercase);
    sentence_memories(sentence, lowercase)
        .into_iter()
        .map(|f| {
            (
                f.kind,
                f.subject.unwrap_or_default(),
                f.value.unwrap_or_else(|| f.text.clone()),
            )
        })
        .collect()
}

fn fact(subject: &str, value: &str) -> (MemoryKind, String, String) {
    (MemoryKind::Fact, subject.into(), value.into())
}

fn pref(subject: &str, value: &str) -> (MemoryKind, String, String) {
    (MemoryKind::Preference, subject.into(), value.into())
}

fn request(text: &str) -> (MemoryKind, String, String) {
    (MemoryKind::Request, String::new(), text.into())
}

fn date(subject: &str, value: &str) -> (MemoryKind, String, String) {
    (MemoryKind::Date, subject.into(), value.into())
}

fn nothing() -> Vec<(MemoryKind, String, String)> {
    Vec::new()
}

#[test]
fn names() {
    assert_eq!(
        found("My name is Alice Smith."),
        [fact("name", "Alice Smith")]
    );
    assert_eq!(
        found("Hi, my name's Bob and I code."),
        [fact("name", "Bob")]
    );
    assert_eq!(
        found("I'm called Ludwig van Beethoven"),
        [fact("name", "Ludwig van Beethoven")]
    );
    assert_eq!(found("Call me Ishmael."), [fact("name", "Ishmael")]);
    assert_eq!(found("my name is alice"), [fact("name", "alice")]);
    // Negative: not a name, a negation, someone else's name, "call me" mid-clause.
    assert_eq!(found("My name is important to me."), nothing());
    assert_eq!(found("my name is not important"), nothing());
    assert_eq!(found("My brother's name is Tom."), nothing());
    assert_eq!(found("They call me Late"), nothing());
    assert_eq!(found("Call me tomorrow."), [date("date", "tomorrow")]);
}

#[test]
fn names_in_unicode() {
    assert_eq!(
        found("My name is José Álvarez."),
        [fact("name", "José Álvarez")]
    );
    assert_eq!(
        found("My name is Zoë O\u{2019}Brien"),
        [fact("name", "Zoë O\u{2019}Brien")]
    );
    assert_eq!(found("My name is 李雷."), [fact("name", "李雷")]);
    assert_eq!(
        found("My name is Ølstad, Ærø born."),
        [fact("name", "Ølstad")]
    );
    // Decomposed accents stay part of the word.
    assert_eq!(
        found("My name is Rene\u{301}e"),
        [fact("name", "Rene\u{301}e")]
    );
}

#[test]
fn places() {
    assert_eq!(
        found("I live in Berlin with my wife."),
        [fact("location", "Berlin")]
    );
    assert_eq!(
        found("I currently live in São Paulo"),
        [fact("location", "São Paulo")]
    );
    assert_eq!(
        found("I'm based in New York City, I think."),
        [fact("location", "New York City")]
    );
    assert_eq!(found("I moved to Zürich"), [fact("location", "Zürich")]);
    assert_eq!(found("I'm from Kraków."), [fact("hometown", "Kraków")]);
    assert_eq!(found("I grew up in Tōkyō"), [fact("hometown", "Tōkyō")]);
    assert_eq!(found("I don't live in Oslo"), nothing());
    assert_eq!(found("I no longer live in Oslo."), nothing());
    assert_eq!(found("I am not from here"), nothing());
    assert_eq!(found("They live in Rome."), nothing());
}

#[test]
fn work_and_role() {
    assert_eq!(
        found("I work at Google in London."),
        [fact("employer", "Google")]
    );
    assert_eq!(
        found("I work for the Red Cross."),
        [fact("employer", "the Red Cross")]
    );
    assert_eq!(
        found("I'm employed by Siemens"),
        [fact("employer", "Siemens")]
    );
    assert_eq!(
        found("I work as a nurse at the clinic"),
        [fact("role", "nurse")]
    );
    assert_eq!(found("My role is tech lead."), [fact("role", "tech lead")]);
    assert_eq!(
        found("My job title is Staff Engineer"),
        [fact("role", "Staff Engineer")]
    );
    assert_eq!(
        found("My job is a software developer"),
        [fact("role", "software developer")]
    );
    assert_eq!(
        found("I'm a data scientist."),
        [fact("role", "data scientist")]
    );
    assert_eq!(found("I am an engineer"), [fact("role", "engineer")]);
    // Negative: not an occupation, negated, someone else.
    assert_eq!(found("I'm a bit tired."), nothing());
    assert_eq!(found("My job is boring"), nothing());
    assert_eq!(found("I am not a teacher"), nothing());
    assert_eq!(found("I don't work at Meta"), nothing());
    assert_eq!(found("She works at Apple."), nothing());
}

#[test]
fn preferences() {
    assert_eq!(found("I love green tea."), [pref("green tea", "loves")]);
    assert_eq!(
        found("I really like hiking in the mountains"),
        [pref("hiking", "likes")]
    );
    assert_eq!(found("I prefer dark mode"), [pref("dark mode", "prefers")]);
    assert_eq!(
        found("I enjoy crème brûlée"),
        [pref("crème brûlée", "enjoys")]
    );
    assert_eq!(found("I hate Mondays"), [pref("Mondays", "hates")]);
    assert_eq!(
        found("I dislike loud music and crowds"),
        [pref("loud music", "dislikes")]
    );
    assert_eq!(found("I adore 抹茶"), [pref("抹茶", "loves")]);
    assert_eq!(
        found("My favourite colour is blue."),
        [pref("favourite colour", "blue")]
    );
    assert_eq!(
        found("my favorite band was Queen"),
        [pref("favorite band", "Queen")]
    );
    assert_eq!(
        found("I love tea, but I don't like coffee."),
        [pref("tea", "loves")],
        "a negation does not reach across clauses"
    );
    // Negative: negations, pronouns, "would like", someone else, "like" as a preposition.
    assert_eq!(found("I don't like tea"), nothing());
    assert_eq!(found("I never enjoyed opera"), nothing());
    assert_eq!(found("I do not hate it"), nothing());
    assert_eq!(found("I like it"), nothing());
    assert_eq!(found("I would like a refund"), nothing());
    assert_eq!(found("I'd like a refund"), nothing());
    assert_eq!(found("He loves jazz"), nothing());
    assert_eq!(found("It feels like rain"), nothing());
}

#[test]
fn questions_state_nothing() {
    for q in [
        "do I like tea?",
        "Do I like tea",
        "What is my name?",
        "Where do I live",
        "Is my name Bob?",
        "Am I a teacher",
        "My name is Bob?",
        "Is the deadline May 3?",
        "¿I live in Madrid?",
    ] {
        assert_eq!(found(q), nothing(), "{q}");
    }
    // Statements that look a little like questions.
    assert_eq!(found("What I love is jazz"), nothing());
    assert_eq!(found("When I'm tired I like tea."), [pref("tea", "likes")]);
}

#[test]
fn hypotheticals_state_nothing() {
    assert_eq!(found("If my name were Bob, I'd be happy"), nothing());
    assert_eq!(found("Maybe I like tea."), nothing());
    assert_eq!(found("Imagine I live in Paris."), nothing());
}

#[test]
fn requests() {
    assert_eq!(
        found("Remember that my sister's birthday is on May 3."),
        [
            request("my sister's birthday is on May 3"),
            date("date", "--05-03")
        ]
    );
    assert_eq!(
        found("Please remember to water the plants"),
        [request("to water the plants")]
    );
    assert_eq!(
        found("remember: the wifi password is in the drawer"),
        [request("the wifi password is in the drawer")]
    );
    assert_eq!(
        found("Don't forget my dentist appointment!"),
        [request("my dentist appointment")]
    );
    assert_eq!(
        found("Do not forget that I'm vegan."),
        [request("I'm vegan")]
    );
    assert_eq!(
        found("Keep in mind that I prefer email"),
        [request("I prefer email"), pref("email", "prefers")]
    );
    assert_eq!(found("Note to self: buy milk"), [request("buy milk")]);
    assert_eq!(
        found("Can you remember that my name is Bob?"),
        [request("my name is Bob"), fact("name", "Bob")],
        "a request phrased as a question still counts"
    );
    // Negative: not imperative, a question about memory, loose "remember".
    assert_eq!(found("I don't remember that"), nothing());
    assert_eq!(found("Do you remember that trip?"), nothing());
    assert_eq!(found("Remember when we met"), nothing());
    assert_eq!(found("I always forget my keys"), nothing());
    assert_eq!(found("Remember that?"), nothing());
}

#[test]
fn dates_and_deadlines() {
    assert_eq!(
        found("The report is due 2027-05-03."),
        [date("deadline", "2027-05-03")]
    );
    assert_eq!(found("Submit it by Friday"), [date("deadline", "friday")]);
    assert_eq!(
        found("The deadline is March 14th, 2027"),
        [date("deadline", "2027-03-14")]
    );
    assert_eq!(
        found("We fly to Lisbon on 3rd of June"),
        [date("date", "--06-03")]
    );
    assert_eq!(
        found("Let's talk next Tuesday."),
        [date("date", "next tuesday")]
    );
    assert_eq!(
        found("I need it by the end of the month"),
        [date("date", "end of the month")]
    );
    assert_eq!(
        found("My birthday is 29 February 2028"),
        [date("date", "2028-02-29")]
    );
    // Negative: no date, an impossible date, a negated date, a question.
    assert_eq!(found("I may go 5 times"), nothing());
    assert_eq!(found("It happened on February 30"), nothing());
    assert_eq!(found("The meeting is not on May 3"), nothing());
    assert_eq!(found("Is the meeting tomorrow?"), nothing());
}

fn message(role: &str, content: &str) -> Message {
    Message {
        role: role.into(),
        content: content.into(),
        timestamp: Some(format!("2026-11-27T10:{:02}:00Z", content.len() % 60)),
    }
}

fn kinds(e: &Extraction, kind: MemoryKind) -> Vec<String> {
    e.memories
        .iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.value.clone().unwrap_or_else(|| m.text.clone()))
        .collect()
}

#[test]
fn extraction_keeps_long_messages_and_reads_only_the_user() {
    let messages = [
        message("user", "Hi!"),
        message(
            "user",
            "My name is Alice and I live in Lyon. I love climbing.",
        ),
        message(
            "assistant",
            "Nice to meet you Alice, my name is Claude and I love Lyon too.",
        ),
        message(
            "USER",
            "Remember that my flight is on 2027-01-15. Climbing gyms in Lyon are great.",
        ),
        message("user", "exactly twenty chars"),
    ];
    let e = extract(&messages);
    assert_eq!(e.kept, [1, 2, 3], "over 20 characters, any role");
    assert_eq!(kinds(&e, MemoryKind::Fact), ["Alice", "Lyon"]);
    assert_eq!(kinds(&e, MemoryKind::Preference), ["loves"]);
    assert_eq!(
        kinds(&e, MemoryKind::Request),
        ["my flight is on 2027-01-15"]
    );
    assert_eq!(kinds(&e, MemoryKind::Date), ["2027-01-15"]);
    let keywords = kinds(&e, MemoryKind::Keyword);
    assert_eq!(keywords[..2], ["lyon", "climbing"]);
    assert!(
        !keywords.contains(&"claude".to_owned()),
        "keywords come from the user only"
    );
    let name = e
        .memories
        .iter()
        .find(|m| m.value.as_deref() == Some("Alice"))
        .unwrap();
    assert_eq!((name.message_index, name.role.as_str()), (1, "user"));
    assert_eq!(name.timestamp, messages[1].timestamp);
    assert_eq!(name.text, "My name is Alice and I live in Lyon");
    assert!(!e.truncated);
    assert_eq!(extract(&messages), e, "deterministic");
}

#[test]
fn extraction_stays_within_its_byte_budget() {
    let sentence = "I love tea number {}. ";
    let content: String = (0..40)
        .map(|i| sentence.replace("{}", &i.to_string()))
        .collect();
    let messages: Vec<Message> = (0..2_000).map(|_| message("user", &content)).collect();
    let e = extract(&messages);
    assert!(e.truncated);
    let bytes: usize = e
        .memories
        .iter()
        .map(|m| serde_json::to_vec(m).unwrap().len())
        .sum();
    assert!(bytes <= MAX_TYPED_MEMORY_BYTES, "{bytes}");
    assert_eq!(e.kept.len(), 2_000, "kept messages are never cut");
}

#[test]
fn same_memory_twice_in_one_message_is_one() {
    let e = extract(&[message("user", "I love tea. I love tea.")]);
    assert_eq!(kinds(&e, MemoryKind::Preference), ["loves"]);
}
