//! Validation of names that users type, shared by every entry point.

/// A value a user supplied that Berth can't accept, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field,
            message: message.into(),
        }
    }
}

/// Usernames are 1 to 64 characters of letters, digits, `.`, `_`, `-` and `@`, starting with a letter or digit.
pub fn validate_username(username: &str) -> Result<(), ValidationError> {
    let valid_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    let starts_well = username
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if username.is_empty() || username.len() > 64 || !valid_chars || !starts_well {
        return Err(ValidationError::new(
            "username",
            "must be 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit",
        ));
    }
    Ok(())
}

/// Environment names are 1 to 100 printable characters without leading or trailing spaces.
pub fn validate_environment_name(name: &str) -> Result<(), ValidationError> {
    if name.trim().is_empty() || name.trim() != name || name.chars().count() > 100 {
        return Err(ValidationError::new(
            "name",
            "must be 1 to 100 characters without leading or trailing spaces",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_username(input: &str, ok: bool) {
        assert_eq!(validate_username(input).is_ok(), ok, "username {input:?}");
    }

    #[test]
    fn usernames() {
        check_username("admin", true);
        check_username("jane.doe@example", true);
        check_username("a", true);
        check_username("", false);
        check_username("-leading", false);
        check_username("has space", false);
        check_username(&"x".repeat(65), false);
        check_username("ünicode", false);
    }

    #[test]
    fn environment_names() {
        assert!(validate_environment_name("local").is_ok());
        assert!(validate_environment_name("edge site 7").is_ok());
        assert!(validate_environment_name("").is_err());
        assert!(validate_environment_name(" padded").is_err());
        assert!(validate_environment_name("tab\there").is_err());
        assert!(validate_environment_name(&"n".repeat(101)).is_err());
    }
}
