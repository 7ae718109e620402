/**
 * The SQL dialects: {@link dev.deneb.fencing.dialect.SqlDialect} and its MariaDB and MySQL
 * implementations, the records they return, {@link dev.deneb.fencing.dialect.DatabaseEndpoint} for
 * connections that always carry timeouts, and {@link dev.deneb.fencing.dialect.Dialects} to pick a
 * dialect from the server's version. Nothing outside this package writes SQL (DESIGN §5).
 */
package dev.deneb.fencing.dialect;
