/**
 * PNG line charts for {@code train --plot} and the benchmarks' results, drawn with XChart
 * (headless: only {@code java.awt} imaging, no display needed).
 */
package org.hvd4j.examples.charts;
