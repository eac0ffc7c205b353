//! JSON-RPC over stdio as the Language Server Protocol frames it: `Content-Length` headers,
//! a blank line, then the JSON body. Written here rather than taken from `lsp-server` because
//! its reader stops the server at the first malformed message; an editor's stray bytes must
//! never take diagnostics away from the person writing a plan.

use std::io::{BufRead, Read, Write};

use serde_json::Value;

/// The largest message accepted: a plan is at most 8 MB, and JSON escaping can double it.
const MAX_MESSAGE_BYTES: usize = 24 * 1024 * 1024;

/// What reading one message gave.
pub(crate) enum Incoming {
    Message(Value),
    /// A framed message whose body is not JSON, or a header that makes no sense: answered with
    /// a parse error, and the server reads on.
    Malformed(String),
    /// The client closed the stream.
    Closed,
}

/// Reads the next message from `input`.
pub(crate) fn read(input: &mut impl BufRead) -> Incoming {
    let mut length: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => return Incoming::Closed,
            Ok(_) => {}
            Err(e) => return Incoming::Malformed(format!("unreadable header: {e}")),
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue; // stray blank lines between messages
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
            if length.is_none() {
                return Incoming::Malformed(format!("bad Content-Length: {}", value.trim()));
            }
        }
    }
    let length = length.unwrap_or_default();
    if length > MAX_MESSAGE_BYTES {
        // Skip the body without keeping it.
        let skipped = std::io::copy(&mut (&mut *input).take(length as u64), &mut std::io::sink());
        return match skipped {
            Ok(_) => Incoming::Malformed(format!("a message of {length} bytes is too large")),
            Err(_) => Incoming::Closed,
        };
    }
    let mut body = vec![0; length];
    if input.read_exact(&mut body).is_err() {
        return Incoming::Closed;
    }
    match serde_json::from_slice(&body) {
        Ok(value) => Incoming::Message(value),
        Err(e) => Incoming::Malformed(format!("not JSON: {e}")),
    }
}

/// Writes one message to `output`.
pub(crate) fn write(output: &mut impl Write, message: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(message)?;
    write!(output, "Content-Length: {}\r\n\r\n", body.len())?;
    output.write_all(&body)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_survives_garbage() {
        let text = "Content-Length: 5\r\n\r\n{oops\r\n\r\nContent-Length: 2\r\n\r\n{}Content-Length: x\r\n\r\n";
        let mut input = std::io::Cursor::new(text.as_bytes());
        assert!(matches!(read(&mut input), Incoming::Malformed(_)));
        assert!(matches!(read(&mut input), Incoming::Message(_)));
        assert!(matches!(read(&mut input), Incoming::Malformed(_)));
        assert!(matches!(read(&mut input), Incoming::Closed));
    }
}
