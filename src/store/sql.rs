//! What the store asks of a database engine: run a statement with parameters, and return
//! its rows as plain values. Every statement of the store is written once, in the SQL both
//! engines speak, with `?1`, `?2`, … for its parameters ([`Backend`] implementations
//! translate them where their engine spells them otherwise).

/// A parameter or a column's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

/// One row of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as a number (0 for a text or a NULL, which the store's columns never hold
    /// where it reads numbers).
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            _ => 0,
        }
    }

    /// Column `i` as text (empty for a NULL).
    pub fn text(&self, i: usize) -> String {
        match self.0.get(i) {
            Some(Value::Text(s)) => s.clone(),
            Some(Value::Int(v)) => v.to_string(),
            _ => String::new(),
        }
    }

    /// Column `i` as text, `None` for a NULL.
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Null) | None => None,
            _ => Some(self.text(i)),
        }
    }
}

/// A database engine's failure, with its own message.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct BackendError {
    pub message: String,
}

/// A database engine the store runs on: SQLite in the data folder, or PostgreSQL shared by
/// several servers. Both run the same statements and the same migrations.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Where the data is, for messages: the file, or the server and database (never a
    /// password).
    fn describe(&self) -> String;

    /// Runs one statement and returns its rows (none for a statement without `RETURNING`).
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, BackendError>;

    /// Runs one statement and returns how many rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, BackendError>;

    /// Whether the engine can be reached now, without waiting: `Err` says why not.
    fn available(&self) -> Result<(), String> {
        Ok(())
    }
}

/// `sql` with `?N` placeholders spelled `$N`, as PostgreSQL writes them.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_spelled_for_postgres() {
        assert_eq!(
            super::dollar_placeholders("SELECT ?1, ?12 WHERE a = '?' AND b = ?2"),
            "SELECT $1, $12 WHERE a = '?' AND b = $2"
        );
    }
}
