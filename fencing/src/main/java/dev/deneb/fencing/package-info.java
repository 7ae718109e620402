/**
 * Fencing: the SQL dialects (MySQL 8.0/8.4, MariaDB 10.6+/11.x), the fencing ladder (read-only, kill
 * sessions, SIGKILL, STONITH hook), the local lease row and its in-database guard event. The only
 * place that knows SQL (DESIGN §5). Filled by the agent and fencing issue.
 */
package dev.deneb.fencing;
