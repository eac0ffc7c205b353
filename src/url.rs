//! Percent-encoding in links and request paths.

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_and_refuses_malformed_escapes() {
        assert_eq!(
            percent_decode("win%20loss.md").as_deref(),
            Some("win loss.md")
        );
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("50%"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
