//! The shapes secret settings must have, checked when they are read, so a key mangled by a
//! quoting mistake is refused at once (never sent, never echoed). The reasons returned
//! follow the setting's name and say where, never what: no character of the value.

const TOKEN_FORM: &str =
    "must be visible ASCII characters without spaces, quotes or backslashes (as an API key is)";

/// A token sent in a header, such as an API key (already trimmed).
pub fn token(text: &str) -> Result<(), String> {
    match text.chars().position(|c| !is_token_char(c)) {
        None => Ok(()),
        Some(at) => {
            let c = text.chars().nth(at).unwrap_or(' ');
            Err(format!(
                "{TOKEN_FORM}, but character {} is {}",
                at + 1,
                describe(c)
            ))
        }
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '\\')
}

/// What kind of character `c` is, without naming it when it could be part of a secret.
fn describe(c: char) -> &'static str {
    match c {
        '\n' | '\r' => "a line break",
        '"' | '\'' => "a quote",
        '\\' => "a backslash",
        ' ' | '\t' => "a space",
        c if c.is_control() => "a control character",
        c if !c.is_ascii() => "not ASCII",
        _ => "not allowed",
    }
}

/// A private key as PEM text (already trimmed): one -----BEGIN line, base64 lines (an
/// encrypted key's `Name: value` headers too), and the matching -----END line.
pub fn private_key_pem(text: &str) -> Result<(), String> {
    const FORM: &str =
        "must be PEM text: a -----BEGIN ...----- line, base64 lines and its -----END ...----- line";
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return Err(format!("{FORM}, but it is empty"));
    };
    let label = |line: &str, tag: &str| {
        line.strip_prefix(tag)
            .and_then(|rest| rest.strip_suffix("-----"))
            .map(str::to_owned)
    };
    let Some(begin) = label(first, "-----BEGIN ") else {
        return Err(format!(
            "{FORM}, but its first line is not a -----BEGIN line"
        ));
    };
    if lines.len() < 2 || label(last, "-----END ").as_deref() != Some(begin.as_str()) {
        return Err(format!(
            "{FORM}, but its last line is not the -----END line of its -----BEGIN line"
        ));
    }
    let body = &lines[1..lines.len() - 1];
    match body.iter().position(|line| !is_body_line(line)) {
        None => Ok(()),
        Some(at) => Err(format!(
            "{FORM}, but line {} is neither base64 nor a header",
            at + 2
        )),
    }
}

fn is_body_line(line: &str) -> bool {
    let base64 = line
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='));
    let header = line.split_once(": ").is_some_and(|(name, value)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && value.chars().all(|c| c.is_ascii_graphic() || c == ' ')
    });
    base64 || header
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "MC4CAQAwBQYDK2VwBCIEIQm7vX2pL9wR4tN8bK3";

    fn pem(body: &str) -> String {
        format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
    }

    fn assert_hidden(why: &str, secret: &str) {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(6) {
            assert!(!why.contains(&String::from_iter(window)), "{why}");
        }
    }

    #[test]
    fn tokens() {
        assert!(token("sk-Qm7vX2pL9wR4.a_b~c+d/e=").is_ok());
        for (text, says) in [
            ("sk-Qm7\nvX2pL9", "character 7 is a line break"),
            ("\"sk-Qm7vX2pL9", "character 1 is a quote"),
            ("sk-Qm7vX2pL9'", "character 13 is a quote"),
            ("sk-Qm7\\qvX2pL9", "is a backslash"),
            ("sk-Qm7 vX2pL9", "is a space"),
            ("sk-Qm7\u{0}vX2pL9", "is a control character"),
            ("sk-Qm7\u{fffd}vX2pL9", "is not ASCII"),
        ] {
            let why = token(text).unwrap_err();
            assert!(why.contains(says), "{text:?}: {why}");
            assert_hidden(&why, text);
        }
    }

    #[test]
    fn private_keys() {
        assert!(private_key_pem(pem(BODY).trim()).is_ok());
        let encrypted = pem("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nMIIE");
        assert!(private_key_pem(encrypted.trim()).is_ok());
        for (text, says) in [
            (
                format!("\"{}", pem(BODY)),
                "first line is not a -----BEGIN line",
            ),
            (
                format!("{}\"", pem(BODY).trim()),
                "last line is not the -----END line",
            ),
            (pem(&format!("{BODY}\"x")), "line 2 is neither base64"),
            (pem(&format!("{BODY}\\q")), "line 2 is neither base64"),
            (BODY.to_owned(), "first line is not a -----BEGIN line"),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END CERTIFICATE-----".to_owned(),
                "last line is not the -----END line",
            ),
        ] {
            let why = private_key_pem(text.trim()).unwrap_err();
            assert!(why.contains(says), "{text:?}: {why}");
            assert_hidden(&why, BODY);
        }
    }
}
