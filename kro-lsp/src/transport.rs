//! stdin, cleaned before the protocol library reads it.
//!
//! tower-lsp-server stops reading at the first frame it cannot decode, which would end the
//! session. Here every frame is read whole and passed on only if its body is a JSON-RPC
//! message; anything else (bad JSON, bad UTF-8, a header block without `Content-Length`, an
//! absurd length) is logged and dropped, and the session goes on.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// Largest message accepted; larger ones are skipped unread.
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The server's view of stdin: only well-formed frames.
pub(crate) fn stdin() -> impl AsyncRead + Unpin {
    let (reader, writer) = tokio::io::duplex(1 << 16);
    tokio::spawn(pump(tokio::io::stdin(), writer));
    reader
}

async fn pump(input: impl AsyncRead + Unpin, mut output: impl tokio::io::AsyncWrite + Unpin) {
    let mut input = BufReader::new(input);
    loop {
        let Some(length) = read_headers(&mut input).await else {
            return; // end of input: the server sees it too
        };
        let Some(length) = length else {
            tracing::warn!("dropped a message without a Content-Length header");
            continue;
        };
        if length > MAX_MESSAGE {
            tracing::warn!(length, "dropped a message larger than {MAX_MESSAGE} bytes");
            let skipped = tokio::io::copy(
                &mut (&mut input).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await;
            if skipped.is_err() {
                return;
            }
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        if !is_message(&body) {
            tracing::warn!(body = %String::from_utf8_lossy(&body[..body.len().min(200)]), "dropped a message that is not JSON-RPC");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            output.flush().await
        };
        if written.await.is_err() {
            return; // the server has stopped reading
        }
    }
}

/// Reads one header block: `None` at end of input, `Some(None)` when it has no usable
/// `Content-Length`.
async fn read_headers(input: &mut (impl AsyncBufReadExt + Unpin)) -> Option<Option<usize>> {
    let mut length = None;
    let mut seen_any = false;
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim();
        if line.is_empty() {
            if seen_any {
                return Some(length);
            }
            continue; // stray blank lines between messages
        }
        seen_any = true;
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
}

/// Whether `body` is a JSON-RPC 2.0 request, notification or response the library can decode.
fn is_message(body: &[u8]) -> bool {
    let Ok(Value::Object(message)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let id_ok = message
        .get("id")
        .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64() || id.is_null());
    let shape_ok = match message.get("method") {
        Some(method) => method.is_string(),
        None => {
            message.contains_key("id")
                && (message.contains_key("result") || message.contains_key("error"))
        }
    };
    message.get("jsonrpc") == Some(&Value::from("2.0")) && id_ok && shape_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_messages_and_drops_garbage() {
        let good = br#"{"jsonrpc":"2.0","method":"exit"}"#;
        let mut input = Vec::new();
        for body in [
            &b"{not json"[..],
            b"[1]",
            br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
            good,
        ] {
            input.extend(format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes());
            input.extend(body);
        }
        input.extend(b"X-Junk: 1\r\n\r\n");
        input.extend(format!("Content-Length: {}\r\n\r\n", good.len()).into_bytes());
        input.extend(good);
        let mut output = Vec::new();
        pump(&input[..], &mut output).await;
        let expected = format!(
            "Content-Length: {}\r\n\r\n{}",
            good.len(),
            std::str::from_utf8(good).unwrap()
        );
        assert_eq!(String::from_utf8(output).unwrap(), expected.repeat(2));
    }
}
