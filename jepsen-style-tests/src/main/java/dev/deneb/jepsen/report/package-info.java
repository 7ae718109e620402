/** The run report: one self-contained HTML page with inline SVG charts and the verdicts. */
package dev.deneb.jepsen.report;
