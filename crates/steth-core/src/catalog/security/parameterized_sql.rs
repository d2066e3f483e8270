//! 6.5 parameterized-sql: no string-concatenated sql.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// No SQL statement is built by concatenating or interpolating values into the query text;
    /// values are passed to the driver as bind parameters. The default threshold is 0 occurrences.
    ///
    /// ## Why it matters
    /// SQL injection. `"SELECT * FROM users WHERE email = '" + email + "'"` with the input `' OR
    /// '1'='1` returns every user, and depending on the driver a stacked `; DROP TABLE` runs too.
    /// Internal-looking values are no safer: a sort column or a filter taken from a query string
    /// ends up in the same string. Interpolated literals also make each statement text unique,
    /// which defeats prepared-statement reuse.
    ///
    /// ## How it is measured
    /// - **source**: stethoscope analyses the repository's code for SQL text built by
    ///   concatenation, format strings or template interpolation (`+`, f-strings, `format!`,
    ///   template literals, `fmt.Sprintf`, `%`) whose result reaches a query call. Each finding is
    ///   reported with file and line, and the count is compared with the threshold.
    ///
    /// ## How to fix
    /// Pass values as parameters and let the driver send them separately from the statement:
    ///
    /// ```python
    /// cur.execute("SELECT id, name FROM users WHERE email = %s", (email,))
    /// ```
    ///
    /// ```go
    /// row := db.QueryRowContext(ctx, "SELECT id FROM users WHERE email = $1", email)
    /// ```
    ///
    /// Identifiers (table or column names, sort direction) cannot be bound: map the user's choice
    /// to a fixed allowlist (`{"newest": "created_at DESC"}`) or use the driver's identifier
    /// quoting (`psycopg.sql.Identifier`, `pgx.Identifier`). Query builders and ORMs are safe until
    /// raw fragments (`.raw()`, `Sequel.lit`, `text()`) receive user input.
    pub PARAMETERIZED_SQL = {
        id: "6.5",
        slug: "parameterized-sql",
        title: "No string-concatenated SQL",
        section: Security,
        threshold: Threshold::at_most(0),
        sources: [Source],
        severity: Critical,
        evaluate: None,
    }
}
