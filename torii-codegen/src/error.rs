//! Problems found in a spec, each tied to the place in the document that caused it.

use std::fmt;

/// A problem in the OpenAPI document that stops code generation.
///
/// Every error names the JSON pointer of the offending node and, when the node belongs to an
/// operation, that operation's `operationId`, so the message says where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pointer: String,
    operation_id: Option<String>,
    message: String,
}

impl Error {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            operation_id: None,
            message: message.into(),
        }
    }

    pub(crate) fn in_operation(mut self, operation_id: &str) -> Self {
        if self.operation_id.is_none() {
            self.operation_id = Some(operation_id.to_owned());
        }
        self
    }

    /// JSON pointer (RFC 6901) of the node the error is about; empty for the whole document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The `operationId` of the operation the node belongs to, if any.
    pub fn operation_id(&self) -> Option<&str> {
        self.operation_id.as_deref()
    }

    /// What is wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, " (at `{pointer}`")?;
        if let Some(operation_id) = &self.operation_id {
            write!(f, ", operationId `{operation_id}`")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_pointer_and_operation() {
        let error = Error::new("/paths/~1users/get", "unsupported").in_operation("listUsers");
        assert_eq!(
            error.to_string(),
            "unsupported (at `/paths/~1users/get`, operationId `listUsers`)"
        );
    }

    #[test]
    fn the_first_operation_wins() {
        let error = Error::new("", "x").in_operation("a").in_operation("b");
        assert_eq!(error.operation_id(), Some("a"));
        assert_eq!(error.to_string(), "x (at `/`, operationId `a`)");
    }
}
