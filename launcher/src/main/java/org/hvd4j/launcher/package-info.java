/**
 * hvdrun: the multi-process, multi-host launcher (its own issue fills it; today scripts/hvdrun runs built-in programs as one process).
 */
package org.hvd4j.launcher;
